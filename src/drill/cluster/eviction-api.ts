// The Eviction API with PodDisruptionBudgets (spec 6.1-6.3, pkg/registry/core/pod/storage/
// eviction.go and the disruption controller): 200 and the pod is deleted with its grace
// period, 429 when the budget allows no disruption, 500 when several budgets match.

import { ClusterPod, isActive } from './cluster-pod';
import { PDB_DESIRED_HEALTHY_WITHOUT_BUDGET } from '../../kubernetes/defaults';
import { resolveIntOrPercent } from '../../timing/rollout-plan';

/** A PodDisruptionBudget selecting the Deployment's pods. */
export interface DisruptionBudgetSpec {
  readonly name: string;
  readonly maxUnavailable?: number | string;
  readonly minAvailable?: number | string;
  readonly unhealthyPodEvictionPolicy: 'IfHealthyBudget' | 'AlwaysAllow';
}

export interface EvictionResult {
  readonly code: 200 | 429 | 500;
  readonly message: string;
}

/** Healthy pods the budget wants (spec 6.2): percentages round up; with neither field (policy/v1 has no default) none. */
export function desiredHealthy(budget: DisruptionBudgetSpec, expected: number): number {
  if (budget.maxUnavailable !== undefined) {
    return Math.max(0, expected - resolveIntOrPercent(budget.maxUnavailable, expected, true));
  }
  if (budget.minAvailable === undefined) return PDB_DESIRED_HEALTHY_WITHOUT_BUDGET;
  return resolveIntOrPercent(budget.minAvailable, expected, true);
}

export class EvictionApi {
  constructor(
    private readonly budgets: DisruptionBudgetSpec[],
    /** The pods the budgets select. */
    private readonly pods: () => ClusterPod[],
    /** The owning controller's scale (the Deployment's spec.replicas). */
    private readonly expected: () => number,
    private readonly graceSeconds: number,
  ) {}

  /**
   * disruptionsAllowed = currentHealthy - desiredHealthy, at least 0 (spec 6.2). Healthy =
   * Ready and not terminating, so an eviction in progress counts against the budget until
   * its replacement is Ready. Read at the moment of the request: the disruption controller's
   * status lags by its sync, which a 5 s retry does not notice.
   */
  public disruptionsAllowed(budget: DisruptionBudgetSpec): number {
    return Math.max(0, this.healthy() - desiredHealthy(budget, this.expected()));
  }

  /** POST pods/eviction for one pod. */
  public evict(pod: ClusterPod): EvictionResult {
    // Terminating, Pending and finished pods bypass the budget (spec 6.1).
    if (pod.gone || pod.terminating || !pod.running) {
      pod.delete(this.graceSeconds);
      return { code: 200, message: 'evicted (no budget applies to a pod that is not running)' };
    }
    if (this.budgets.length > 1) {
      return { code: 500, message: `this pod has more than one PodDisruptionBudget (${this.budgets.map(b => b.name).join(', ')}), which the eviction API does not support` };
    }
    const budget = this.budgets[0];
    if (budget && !pod.ready) {
      // spec 6.3: an unhealthy pod goes with AlwaysAllow, or with IfHealthyBudget while the budget is met.
      if (budget.unhealthyPodEvictionPolicy === 'AlwaysAllow' || this.healthy() >= desiredHealthy(budget, this.expected())) {
        pod.delete(this.graceSeconds);
        return { code: 200, message: 'evicted (not ready)' };
      }
      return { code: 429, message: `Cannot evict pod as it would violate the pod's disruption budget '${budget.name}' (unhealthy pod, budget not met)` };
    }
    if (budget && this.disruptionsAllowed(budget) === 0) {
      return { code: 429, message: `Cannot evict pod as it would violate the pod's disruption budget '${budget.name}'` };
    }
    pod.delete(this.graceSeconds);
    return { code: 200, message: 'evicted' };
  }

  private healthy(): number {
    return this.pods().filter(p => isActive(p) && p.ready).length;
  }
}
