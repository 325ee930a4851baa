// The Deployment controller's RollingUpdate and the ReplicaSet controller (spec 3.2-3.5),
// over local pods.

import { Clock } from './clock';
import { DrillSpec } from './drill-spec';
import { PodSim } from './kubelet';

/** A ReplicaSet: one revision of the pod template. */
export interface ReplicaSetSim {
  readonly revision: number;
  /** spec.replicas */
  replicas: number;
  readonly pods: PodSim[];
}

/** Counts at one moment of the rollout. */
export interface RolloutSample {
  readonly at: number;
  readonly running: number;
  readonly terminating: number;
}

export class DeploymentSim {
  public readonly replicaSets: ReplicaSetSim[] = [];
  public readonly samples: RolloutSample[] = [];
  public peakPods = 0;
  public peakTerminating = 0;
  private podCounter = 0;
  private stopped = false;

  constructor(
    private readonly spec: DrillSpec,
    private readonly clock: Clock,
    private readonly newPod: (name: string, revision: number) => PodSim,
  ) {}

  /** The current (newest) ReplicaSet. */
  public get current(): ReplicaSetSim {
    return this.replicaSets[this.replicaSets.length - 1];
  }

  /** All pods ever created. */
  public get pods(): PodSim[] {
    return this.replicaSets.flatMap(rs => rs.pods);
  }

  /** Stops reconciling (the end of a drill) and kills every pod. */
  public stop(): void {
    this.stopped = true;
    this.pods.forEach(p => p.destroy());
  }

  /** Creates the first ReplicaSet at full scale. */
  public create(): void {
    this.replicaSets.push({ revision: 1, replicas: this.spec.replicas, pods: [] });
    this.sync();
  }

  /** A template change: a new ReplicaSet at 0, scaled up by the rollout. */
  public rollout(): void {
    this.replicaSets.push({ revision: this.current.revision + 1, replicas: 0, pods: [] });
    this.sync();
  }

  /** Pods that count for the ReplicaSet: not terminating (spec 3.5). */
  public active(rs: ReplicaSetSim): PodSim[] {
    return rs.pods.filter(p => !p.terminating && !p.gone);
  }

  public available(rs: ReplicaSetSim): number {
    return rs.pods.filter(p => p.isAvailable(this.spec.minReadySeconds)).length;
  }

  /** updated = replicas = available, old ReplicaSets at 0 (spec 3.6); old pods may still terminate. */
  public complete(): boolean {
    const rs = this.current;
    return rs.replicas === this.spec.replicas && this.available(rs) === this.spec.replicas
      && this.active(rs).length === this.spec.replicas && this.replicaSets.slice(0, -1).every(o => o.replicas === 0 && this.active(o).length === 0);
  }

  /** Every pod of the older revisions has exited. */
  public oldPodsGone(): boolean {
    return this.replicaSets.slice(0, -1).every(rs => rs.pods.every(p => p.gone));
  }

  /** One controller pass: the Deployment's rolling update, then each ReplicaSet's reconcile. */
  public sync(): void {
    if (this.stopped) {
      return;
    }
    const { replicas, surge, unavailable } = this.spec;
    const newRs = this.current;
    const old = this.replicaSets.slice(0, -1);
    if (this.spec.strategy === 'Recreate') {
      // Recreate waits for every old pod to be gone before scaling up (spec 3.5).
      old.forEach(rs => rs.replicas = 0);
      if (old.every(rs => rs.pods.every(p => p.gone))) {
        newRs.replicas = replicas;
      }
    } else {
      // Scale up the new ReplicaSet (spec 3.3): up to replicas + surge in total.
      const total = () => this.replicaSets.reduce((n, rs) => n + rs.replicas, 0);
      const maxTotal = replicas + surge;
      if (total() < maxTotal && newRs.replicas < replicas) {
        newRs.replicas += Math.min(maxTotal - total(), replicas - newRs.replicas);
      }
      // Scale down old ReplicaSets.
      const minAvailable = replicas - unavailable;
      const newUnavailable = newRs.replicas - this.available(newRs);
      let maxScaledDown = total() - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        // First the old pods that are not available anyway, oldest ReplicaSet first.
        for (const rs of old) {
          const unhealthy = Math.max(0, rs.replicas - this.available(rs));
          const cut = Math.min(maxScaledDown, unhealthy);
          rs.replicas -= cut;
          maxScaledDown -= cut;
        }
        // Then by availability: keep at least minAvailable pods available.
        let canScaleDown = Math.min(maxScaledDown, this.replicaSets.reduce((n, rs) => n + this.available(rs), 0) - minAvailable);
        for (const rs of old) {
          const cut = Math.max(0, Math.min(canScaleDown, rs.replicas));
          rs.replicas -= cut;
          canScaleDown -= cut;
        }
      }
    }
    for (const rs of this.replicaSets) {
      this.reconcile(rs);
    }
    const pods = this.pods.filter(p => !p.gone);
    const terminating = pods.filter(p => p.terminating).length;
    this.peakPods = Math.max(this.peakPods, pods.length);
    this.peakTerminating = Math.max(this.peakTerminating, terminating);
    this.samples.push({ at: this.clock.now(), running: pods.length - terminating, terminating });
  }

  /** ReplicaSet controller: create or delete pods to match spec.replicas. */
  private reconcile(rs: ReplicaSetSim): void {
    const active = this.active(rs);
    if (active.length < rs.replicas) {
      for (let i = active.length; i < rs.replicas; i++) {
        const pod = this.newPod(`${this.spec.deployment}-r${rs.revision}-${this.podCounter++}`, rs.revision);
        rs.pods.push(pod);
      }
    } else if (active.length > rs.replicas) {
      // Victims (spec 3.3, ActivePodsWithRanks): not ready first, then most recently ready, more restarts, newest.
      const victims = [...active].sort((a, b) =>
        Number(a.ready) - Number(b.ready)
        || (b.readyAt ?? 0) - (a.readyAt ?? 0)
        || b.restarts - a.restarts
        || b.createdAt - a.createdAt);
      for (const pod of victims.slice(0, active.length - rs.replicas)) {
        void pod.delete(this.spec.graceSeconds);
      }
    }
  }
}
