// The DaemonSet controller (pkg/controller/daemon/daemon_controller.go and update.go): one pod on
// every node, bound there. A node whose pod is terminating gets no new one until it is gone
// (`podsShouldBeOnNode`). A RollingUpdate either replaces (maxSurge 0: the old pod is deleted,
// up to maxUnavailable nodes at once, and its successor starts once it is gone) or surges (the
// new pod starts next to the old one, up to maxSurge nodes at once, and the old one is deleted
// once the new one is available). Exactly one of the two is above zero (semantics 7.3); both
// round up.

import { ClusterPod, isActive } from './cluster-pod';
import { QueuedWorkloadController } from './queued-controller';
import { DeletionBatch, WorkloadController } from './workload-controller';
import { resolveIntOrPercent } from '../../timing/rollout-plan';

export class DaemonSetController extends QueuedWorkloadController implements WorkloadController {
  public readonly kind = 'DaemonSet';
  public readonly pods: ClusterPod[] = [];
  public readonly deletions: DeletionBatch[] = [];
  private readonly node = new Map<ClusterPod, string>();

  /** One pod per node. */
  public get replicas(): number {
    return this.host.nodes().length;
  }

  /** Nodes updated at once by surging (0: the update replaces). */
  public get maxSurge(): number {
    return resolveIntOrPercent(this.spec.maxSurge, this.replicas, true);
  }

  public get maxUnavailable(): number {
    return resolveIntOrPercent(this.spec.maxUnavailable, this.replicas, true);
  }

  public available(): number {
    return this.pods.filter(p => p.revision === this.revision && this.isAvailable(p)).length;
  }

  public complete(): boolean {
    return this.host.nodes().every(n => {
      const { current, old } = this.onNode(n);
      return current !== undefined && this.isAvailable(current) && old === undefined;
    });
  }

  public oldPodsGone(): boolean {
    return this.pods.every(p => p.revision === this.revision || p.gone);
  }

  public active(): ClusterPod[] {
    return this.pods.filter(isActive);
  }

  /** The node a pod runs on. */
  public nodeOf(pod: ClusterPod): string | undefined {
    return this.node.get(pod);
  }

  /** A node's pods that are not terminating, by revision (`findUpdatedPodsOnNode`), and whether any exists at all. */
  private onNode(node: string): { current?: ClusterPod; old?: ClusterPod; exists: boolean } {
    const here = this.pods.filter(p => this.node.get(p) === node && !p.gone);
    const live = here.filter(p => !p.terminating);
    return { current: live.find(p => p.revision === this.revision), old: live.find(p => p.revision !== this.revision), exists: here.length > 0 };
  }

  protected sync(): void {
    if (!this.created) return;
    const before = this.pods.length + this.deletions.length;
    // `manage`: a node without any pod of the DaemonSet (a terminating one counts) gets one.
    for (const node of this.host.nodes()) {
      if (!this.onNode(node).exists) this.createOn(node);
    }
    if (this.spec.strategy !== 'OnDelete') {
      if (this.maxSurge > 0) this.surge(); else this.replace();
    }
    if (this.pods.length + this.deletions.length !== before) this.host.statusChanged();
  }

  /** maxSurge 0: delete old pods while fewer than maxUnavailable nodes are unavailable. */
  private replace(): void {
    let unavailable = 0;
    const allowed: ClusterPod[] = [];
    const candidates: ClusterPod[] = [];
    for (const node of this.host.nodes()) {
      const { current, old } = this.onNode(node);
      if ((!current && !old) || (current && old)) {
        unavailable++;
      } else if (current) {
        if (!this.isAvailable(current)) unavailable++;
      } else if (!this.isAvailable(old!)) {
        allowed.push(old!);
      } else if (unavailable < this.maxUnavailable) {
        candidates.push(old!);
      }
    }
    const room = Math.min(candidates.length, Math.max(0, this.maxUnavailable - unavailable));
    this.delete([...allowed, ...candidates.slice(0, room)]);
  }

  /** maxSurge above 0: a new pod next to the old one on up to maxSurge nodes; the old one goes once the new one is available. */
  private surge(): void {
    let surging = 0;
    const victims: ClusterPod[] = [];
    const allowedNodes: string[] = [];
    const candidateNodes: string[] = [];
    for (const node of this.host.nodes()) {
      const { current, old } = this.onNode(node);
      if (!old) continue;
      if (!current) {
        if (!this.isAvailable(old)) allowedNodes.push(node);
        else if (surging < this.maxSurge) candidateNodes.push(node);
      } else if (!this.isAvailable(current)) {
        surging++;
      } else {
        victims.push(old);
      }
    }
    const room = Math.min(candidateNodes.length, Math.max(0, this.maxSurge - surging));
    [...allowedNodes, ...candidateNodes.slice(0, room)].forEach(n => this.createOn(n));
    this.delete(victims);
  }

  private createOn(node: string): void {
    const pod = this.host.createPod(`${this.spec.name}-${node}-r${this.revision}`, this.revision, node);
    this.node.set(pod, node);
    this.pods.push(pod);
  }

  private delete(victims: ClusterPod[]): void {
    if (victims.length === 0) return;
    this.deletions.push({ at: this.host.clock.now(), revision: victims[0].revision, pods: victims.map(p => p.name) });
    victims.forEach(p => p.delete(this.spec.graceSeconds));
  }
}
