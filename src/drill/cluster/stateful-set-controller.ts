// The StatefulSet controller (pkg/controller/statefulset/stateful_set_control.go), as far as a
// rollout and a scale-down need it: pods are named by ordinal; with OrderedReady they are created
// one at a time, each once the lower ordinals run and are available, and a deleted pod is
// replaced, under the same name, only once it is gone. A RollingUpdate deletes the highest
// ordinal still on the old revision, down to `partition`, and waits until its replacement is
// available before the next (semantics 7.2); with the MaxUnavailableStatefulSet feature gate,
// up to maxUnavailable pods at once, counting those already unavailable.

import { ClusterPod, isActive } from './cluster-pod';
import { QueuedWorkloadController } from './queued-controller';
import { ControllerHost, DeletionBatch, WorkloadController, WorkloadSpecView } from './workload-controller';
import { resolveIntOrPercent } from '../../timing/rollout-plan';

/** One ordinal: the pods that have had its name, the last one current. */
interface Slot {
  readonly ordinal: number;
  readonly pods: ClusterPod[];
}

export class StatefulSetController extends QueuedWorkloadController implements WorkloadController {
  public readonly kind = 'StatefulSet';
  public readonly deletions: DeletionBatch[] = [];
  public replicas: number;
  private readonly slots: Slot[] = [];

  constructor(spec: WorkloadSpecView, host: ControllerHost) {
    super(spec, host);
    this.replicas = spec.replicas;
  }

  public get pods(): ClusterPod[] {
    return this.slots.flatMap(s => s.pods);
  }

  /** Ordinals from `partition` up take the new revision (semantics 7.2). */
  public get partition(): number {
    return Math.max(0, this.spec.partition ?? 0);
  }

  /** Pods deleted at once during an update: 1, or maxUnavailable with the feature gate (at least 1). */
  public get podsAtOnce(): number {
    if (!this.spec.maxUnavailableHonoured) return 1;
    return Math.max(1, resolveIntOrPercent(this.spec.maxUnavailable, this.replicas, false));
  }

  public readonly scale = (replicas: number): void => {
    this.replicas = replicas;
    this.queue.add();
  };

  public available(): number {
    return this.current().filter(p => p.revision === this.targetRevision(this.ordinalOf(p)) && this.isAvailable(p)).length;
  }

  public complete(): boolean {
    const pods = this.current().filter(p => this.ordinalOf(p) < this.replicas);
    return pods.length === this.replicas && pods.every(p => p.revision === this.targetRevision(this.ordinalOf(p)) && this.isAvailable(p));
  }

  public oldPodsGone(): boolean {
    return this.pods.every(p => p.gone || p.revision === this.targetRevision(this.ordinalOf(p)) || this.ordinalOf(p) >= this.replicas);
  }

  public active(): ClusterPod[] {
    return this.pods.filter(isActive);
  }

  /**
   * The revision a pod at this ordinal gets when it is created (`newVersionedStatefulSetPod`):
   * the update revision from the partition up, the current one below it (revision 1: the drill
   * rolls out once).
   */
  private targetRevision(ordinal: number): number {
    return ordinal >= this.partition ? this.revision : 1;
  }

  private ordinalOf(pod: ClusterPod): number {
    return this.slots.find(s => s.pods.includes(pod))?.ordinal ?? -1;
  }

  /** The pod object of each ordinal that still exists (terminating ones included). */
  private current(): ClusterPod[] {
    return this.slots.map(s => s.pods[s.pods.length - 1]).filter((p): p is ClusterPod => p !== undefined && !p.gone);
  }

  private slot(ordinal: number): Slot {
    while (this.slots.length <= ordinal) this.slots.push({ ordinal: this.slots.length, pods: [] });
    return this.slots[ordinal];
  }

  protected sync(): void {
    if (!this.created) return;
    const before = this.pods.length;
    const deleted = this.manageOrdinals() || this.rollingUpdate();
    if (deleted || this.pods.length !== before) this.host.statusChanged();
  }

  /**
   * Creates missing ordinals and removes those above the replicas (highest first); with
   * OrderedReady, one step at a time and only over available pods. Returns whether it acted.
   */
  private manageOrdinals(): boolean {
    const monotonic = this.spec.podManagementPolicy !== 'Parallel';
    for (let ordinal = 0; ordinal < this.replicas; ordinal++) {
      const slot = this.slot(ordinal);
      const pod = slot.pods[slot.pods.length - 1];
      if (!pod || pod.gone) {
        const name = `${this.spec.name}-${ordinal}`;
        slot.pods.push(this.host.createPod(name, this.targetRevision(ordinal)));
        if (monotonic) return true;
        continue;
      }
      // A terminating pod, or one not yet available, holds back the ordinals after it.
      if (monotonic && (pod.terminating || !this.isAvailable(pod))) return true;
    }
    // Scale-down: the highest ordinal first, one at a time when ordered, once the rest are available.
    const extra = this.current().filter(p => this.ordinalOf(p) >= this.replicas && !p.terminating)
      .sort((a, b) => this.ordinalOf(b) - this.ordinalOf(a));
    if (extra.length > 0) {
      const victims = monotonic ? extra.slice(0, 1) : extra;
      if (monotonic && this.current().some(p => p.terminating && this.ordinalOf(p) >= this.replicas)) return true;
      this.delete(victims);
      return true;
    }
    return false;
  }

  /** The update: from the highest ordinal down to the partition, deleting old-revision pods (semantics 7.2). */
  private rollingUpdate(): boolean {
    if (this.spec.strategy === 'OnDelete') return false;
    const pods = this.current().filter(p => this.ordinalOf(p) < this.replicas).sort((a, b) => this.ordinalOf(b) - this.ordinalOf(a));
    const unavailable = pods.filter(p => !this.isAvailable(p)).length + (this.replicas - pods.length);
    if (this.spec.maxUnavailableHonoured) {
      let budget = this.podsAtOnce - unavailable;
      const victims: ClusterPod[] = [];
      for (const p of pods) {
        if (budget <= 0 || this.ordinalOf(p) < this.partition) break;
        if (p.revision !== this.revision && !p.terminating) {
          victims.push(p);
          budget--;
        }
      }
      this.delete(victims);
      return victims.length > 0;
    }
    // Without the gate: the highest old pod, and nothing while a pod above it is unavailable.
    for (const p of pods) {
      if (this.ordinalOf(p) < this.partition) break;
      if (p.revision !== this.revision && !p.terminating) {
        this.delete([p]);
        return true;
      }
      if (!this.isAvailable(p)) return false;
    }
    return false;
  }

  private delete(victims: ClusterPod[]): void {
    if (victims.length === 0) return;
    this.deletions.push({ at: this.host.clock.now(), revision: victims[0].revision, pods: victims.map(p => p.name) });
    victims.forEach(p => p.delete(this.spec.graceSeconds));
  }
}
