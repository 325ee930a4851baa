// Places pods on simulated nodes as the default scheduler roughly would, for the template's
// kubernetes.io/hostname rules: required podAntiAffinity and DoNotSchedule topology spread
// filter nodes; among the rest the node with the fewest pods of the Deployment wins (preferred
// anti-affinity, ScheduleAnyway spread, and the default spreading and least-allocated scores
// all lean that way), ties to the first node. Zones and resources are not modelled.

import { ClusterPod, isActive } from './cluster-pod';

/** The template's placement rules on kubernetes.io/hostname. */
export interface PlacementRules {
  /** A topologySpreadConstraint on kubernetes.io/hostname selecting the pods. */
  readonly spread?: { readonly maxSkew: number; readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' };
  /** podAntiAffinity on kubernetes.io/hostname against the Deployment's own pods. */
  readonly antiAffinity?: 'required' | 'preferred';
}

/** A simulated node. */
export interface NodeState {
  readonly name: string;
  /** `kubectl cordon`: spec.unschedulable. */
  cordoned: boolean;
}

export class Scheduler {
  public readonly nodes: NodeState[];

  constructor(nodeCount: number, private readonly rules: PlacementRules, private readonly pods: () => ClusterPod[]) {
    this.nodes = Array.from({ length: nodeCount }, (_, i) => ({ name: `node-${i + 1}`, cordoned: false }));
  }

  public cordon(name: string): void {
    const node = this.nodes.find(n => n.name === name);
    if (node) node.cordoned = true;
  }

  /** Pods of the Deployment on a node: active ones, or every one still there. */
  public podsOn(node: string, includeTerminating = false): ClusterPod[] {
    return this.pods().filter(p => p.node === node && !p.gone && (includeTerminating || isActive(p)));
  }

  /** The node for a pod, or undefined when no node fits (the pod stays Pending). */
  public place(): string | undefined {
    // Topology spread skips terminating pods; inter-pod anti-affinity still sees them.
    const count = (n: NodeState) => this.podsOn(n.name).length;
    let feasible = this.nodes.filter(n => !n.cordoned);
    if (this.rules.antiAffinity === 'required') {
      feasible = feasible.filter(n => this.podsOn(n.name, true).length === 0);
    }
    const spread = this.rules.spread;
    if (spread?.whenUnsatisfiable === 'DoNotSchedule') {
      // nodeTaintsPolicy defaults to Ignore: a cordoned node still counts for the skew.
      const least = Math.min(...this.nodes.map(count));
      feasible = feasible.filter(n => count(n) + 1 - least <= spread.maxSkew);
    }
    let best: NodeState | undefined;
    for (const n of feasible) {
      if (!best || count(n) < count(best)) best = n;
    }
    return best?.name;
  }
}
