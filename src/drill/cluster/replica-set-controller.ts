// The ReplicaSet controller (pkg/controller/replicaset/replica_set.go): creates or deletes pods
// to match spec.replicas, choosing victims as `ActivePodsWithRanks` orders them (spec 3.3), and
// counts a pod available minReadySeconds after its Ready time truncated to the whole second,
// requeueing itself for that moment (spec 3.4, 3.4a).

import { AvailabilityWakeups, ClusterPod, availableTime, isActive, isAvailable } from './cluster-pod';
import { WorkQueue } from './work-queue';
import { DeletionBatch } from './workload-controller';
import { DrillClock } from '../time/clock';

/** A ReplicaSet: one revision of the pod template. */
export interface ReplicaSetState {
  readonly revision: number;
  /** spec.replicas */
  replicas: number;
  readonly pods: ClusterPod[];
}

/** What the ReplicaSet controller needs from the rest of the control plane. */
export interface ReplicaSetHost {
  readonly clock: DrillClock;
  readonly minReadySeconds: number;
  readonly graceSeconds: number;
  /** The cluster's wall clock minus the drill clock (spec 3.4a). */
  wallOffset(): number;
  /** Creates (and schedules) a pod of the ReplicaSet. */
  createPod(rs: ReplicaSetState): ClusterPod;
  /** The ReplicaSets of the Deployment. */
  replicaSets(): ReplicaSetState[];
  /** A ReplicaSet's status changed: the Deployment controller's informer sees it. */
  statusChanged(): void;
}

/** Go's int64(math.Log2(nanoseconds)), -1 for none: `LogarithmicScaleDown` compares ages in powers of two. */
function logRank(seconds: number): number {
  return seconds > 0 ? Math.floor(Math.log2(seconds * 1e9)) : -1;
}

export class ReplicaSetController {
  public readonly deletions: DeletionBatch[] = [];
  /** One work queue key per ReplicaSet: each is synced on its own, a reconcile latency after its event. */
  private readonly queues = new Map<ReplicaSetState, WorkQueue>();
  private readonly wakeups: AvailabilityWakeups;

  constructor(private readonly host: ReplicaSetHost, private readonly latency: () => number) {
    this.wakeups = new AvailabilityWakeups(host.clock);
  }

  /** A ReplicaSet changed (its spec, or one of its pods). */
  public add(rs: ReplicaSetState): void {
    let queue = this.queues.get(rs);
    if (!queue) {
      queue = new WorkQueue(this.host.clock, this.latency, () => this.sync(rs));
      this.queues.set(rs, queue);
    }
    queue.add();
  }

  public stop(): void {
    this.queues.forEach(q => q.stop());
    this.wakeups.cancelAll();
  }

  /** A pod's status changed; when it turned Ready, requeue for the moment it becomes available. */
  public podChanged(pod: ClusterPod): void {
    this.wakeups.at(this.availableAt(pod), () => this.host.statusChanged());
    // A pod that left (terminating, gone) is replaced by the next sync of its ReplicaSet.
    const rs = this.host.replicaSets().find(r => r.pods.includes(pod));
    if (rs && !isActive(pod)) this.add(rs);
    this.host.statusChanged();
  }

  /** When the pod becomes available, if it is Ready and active. */
  public availableAt(pod: ClusterPod): number | undefined {
    return availableTime(pod, this.host.minReadySeconds, this.host.wallOffset());
  }

  /** `IsPodAvailable` (spec 3.4, 3.4a). */
  public isAvailable(pod: ClusterPod): boolean {
    return isAvailable(pod, this.host.minReadySeconds, this.host.clock.now(), this.host.wallOffset());
  }

  public active(rs: ReplicaSetState): ClusterPod[] {
    return rs.pods.filter(isActive);
  }

  public available(rs: ReplicaSetState): number {
    return rs.pods.filter(p => this.isAvailable(p)).length;
  }

  /** `manageReplicas`: pods to match spec.replicas. */
  private sync(rs: ReplicaSetState): void {
    const active = this.active(rs);
    if (active.length < rs.replicas) {
      for (let i = active.length; i < rs.replicas; i++) rs.pods.push(this.host.createPod(rs));
    } else if (active.length > rs.replicas) {
      const victims = this.victims(active, active.length - rs.replicas);
      this.deletions.push({ at: this.host.clock.now(), revision: rs.revision, pods: victims.map(p => p.name) });
      victims.forEach(p => p.delete(this.host.graceSeconds));
    } else {
      return;
    }
    this.host.statusChanged();
  }

  /**
   * `getPodsToDelete`: `ActivePodsWithRanks` (spec 3.3), ranked by pods of the same Deployment
   * on the same node. Pod deletion cost is not modelled (all 0).
   */
  public victims(pods: ClusterPod[], count: number): ClusterPod[] {
    const related = this.host.replicaSets().flatMap(rs => this.active(rs));
    const onNode = new Map<string, number>();
    related.forEach(p => p.node && onNode.set(p.node, (onNode.get(p.node) ?? 0) + 1));
    const rank = (p: ClusterPod) => (p.node ? onNode.get(p.node) ?? 0 : 0);
    return [...pods].sort((a, b) => this.compareVictims(a, b, rank)).slice(0, count);
  }

  private compareVictims(a: ClusterPod, b: ClusterPod, rank: (p: ClusterPod) => number): number {
    const now = this.host.clock.now();
    const wall = this.host.wallOffset();
    // Condition and creation times are whole seconds of the cluster's clock (spec 3.4a).
    const whole = (t: number) => Math.floor(t + wall) - wall;
    const byFlag = (x: boolean, y: boolean) => Number(x) - Number(y);
    const order = byFlag(!!a.node, !!b.node) || byFlag(a.running, b.running) || byFlag(a.ready, b.ready) || rank(b) - rank(a);
    if (order !== 0) return order;
    if (a.ready && b.ready && a.readyAt !== undefined && b.readyAt !== undefined && whole(a.readyAt) !== whole(b.readyAt)) {
      // Ready for less time first, in powers of two; equal ranks fall to the uid.
      const diff = logRank(now - whole(a.readyAt)) - logRank(now - whole(b.readyAt));
      return diff !== 0 ? diff : (a.uid < b.uid ? -1 : 1);
    }
    if (a.restarts !== b.restarts) return b.restarts - a.restarts;
    if (whole(a.createdAt) !== whole(b.createdAt)) {
      const diff = logRank(now - whole(a.createdAt)) - logRank(now - whole(b.createdAt));
      if (diff !== 0) return diff;
    }
    return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
  }
}
