// The Deployment controller (pkg/controller/deployment): RollingUpdate as rolling.go does it,
// one scale-up or one scale-down per sync (spec 3.3, 3.4a), Recreate (spec 3.5), and scaling
// by an autoscaler. The arithmetic lives in timing/rolling-update, shared with planRollout.

import { ReplicaSetController, ReplicaSetState } from './replica-set-controller';
import { WorkQueue } from './work-queue';
import { newReplicaSetTarget, oldReplicaSetTargets, ReplicaSetCounts } from '../../timing/rolling-update';
import { resolveFenceposts } from '../../timing/rollout-plan';
import { DrillClock } from '../time/clock';

/** The Deployment's spec as the controller reads it. */
export interface DeploymentSpecView {
  readonly replicas: number;
  readonly strategy: 'RollingUpdate' | 'Recreate';
  /** As in the manifest: resolved against the current replicas at every sync (spec 3.2). */
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
}

export class DeploymentController {
  public readonly replicaSets: ReplicaSetState[] = [];
  /** spec.replicas; an autoscaler changes it. */
  public replicas: number;
  private readonly queue: WorkQueue;

  constructor(
    private readonly spec: DeploymentSpecView,
    private readonly replicaSetController: ReplicaSetController,
    clock: DrillClock,
    latency: () => number,
  ) {
    this.replicas = spec.replicas;
    this.queue = new WorkQueue(clock, latency, () => this.sync());
  }

  /** The newest ReplicaSet. */
  public get current(): ReplicaSetState {
    return this.replicaSets[this.replicaSets.length - 1];
  }

  public get oldReplicaSets(): ReplicaSetState[] {
    return this.replicaSets.slice(0, -1);
  }

  /** An event the controller reacts to after its latency. */
  public add(): void {
    this.queue.add();
  }

  public stop(): void {
    this.queue.stop();
  }

  /** The Deployment is created: its first ReplicaSet at full scale. */
  public create(): void {
    this.replicaSets.push({ revision: 1, replicas: this.replicas, pods: [] });
    this.replicaSetController.add(this.current);
  }

  /** A template change: a new ReplicaSet at 0, scaled up by the rollout. */
  public rollout(): void {
    this.replicaSets.push({ revision: this.current.revision + 1, replicas: 0, pods: [] });
    this.add();
  }

  /** An autoscaler sets spec.replicas. */
  public scale(replicas: number): void {
    this.replicas = replicas;
    this.add();
  }

  /** updated = replicas = available and no old pod active (spec 3.6); old pods may still terminate. */
  public complete(): boolean {
    const rs = this.current;
    const rsc = this.replicaSetController;
    return rs.replicas === this.replicas && rsc.available(rs) === this.replicas && rsc.active(rs).length === this.replicas
      && this.oldReplicaSets.every(o => o.replicas === 0 && rsc.active(o).length === 0);
  }

  /** Every pod of the older revisions has exited. */
  public oldPodsGone(): boolean {
    return this.oldReplicaSets.every(rs => rs.pods.every(p => p.gone));
  }

  private counts(rs: ReplicaSetState): ReplicaSetCounts {
    return { replicas: rs.replicas, available: this.replicaSetController.available(rs) };
  }

  private sync(): void {
    const before = this.replicaSets.map(rs => rs.replicas);
    if (this.spec.strategy === 'Recreate') {
      this.rolloutRecreate();
    } else if (!this.reconcileNewReplicaSet()) {
      this.reconcileOldReplicaSets();
    }
    const changed = this.replicaSets.filter((rs, i) => rs.replicas !== before[i]);
    // A ReplicaSet update: its controller acts on it, and this controller sees the update too.
    changed.forEach(rs => this.replicaSetController.add(rs));
    if (changed.length > 0) this.add();
  }

  /** `rolloutRolling`, scale-up half (spec 3.3): returns whether it changed the new ReplicaSet; a sync that did stops here. */
  private reconcileNewReplicaSet(): boolean {
    const { surge } = resolveFenceposts(this.replicas, this.spec.maxSurge, this.spec.maxUnavailable);
    const target = newReplicaSetTarget(this.replicas, surge, this.counts(this.current), this.replicaSets.map(rs => this.counts(rs)));
    if (target === this.current.replicas) return false;
    this.current.replicas = target;
    return true;
  }

  /** `rolloutRolling`, scale-down half (spec 3.3): old ReplicaSets, oldest first. */
  private reconcileOldReplicaSets(): boolean {
    const { unavailable } = resolveFenceposts(this.replicas, this.spec.maxSurge, this.spec.maxUnavailable);
    const old = this.oldReplicaSets;
    const targets = oldReplicaSetTargets(this.replicas, unavailable, this.counts(this.current), old.map(rs => this.counts(rs)));
    if (!targets) {
      // The sync failed on a stale ReplicaSet status (its pods are not deleted yet): retried.
      this.add();
      return false;
    }
    let changed = false;
    old.forEach((rs, i) => {
      if (rs.replicas !== targets[i]) {
        rs.replicas = targets[i];
        changed = true;
      }
    });
    return changed;
  }

  /** `rolloutRecreate` (spec 3.5): old ReplicaSets to 0, and the new one up only once every old pod is gone. */
  private rolloutRecreate(): boolean {
    let changed = false;
    for (const rs of this.oldReplicaSets) {
      if (rs.replicas !== 0) {
        rs.replicas = 0;
        changed = true;
      }
    }
    if (changed || !this.oldPodsGone() || this.current.replicas === this.replicas) return changed;
    this.current.replicas = this.replicas;
    return true;
  }
}
