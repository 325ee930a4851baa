// PodDisruptionBudgets and autoscalers as the disruption rules read them (spec 6).


import { FieldProblem, FieldReader } from './fields';
import { KubeObject } from './kube-object';
import { PDB_DESIRED_HEALTHY_WITHOUT_BUDGET } from '../kubernetes/defaults';
import { resolveIntOrPercent } from '../timing/rollout-plan';

/** A PodDisruptionBudget's budget, read as the API server reads it. */
export interface PdbView {
  readonly object: KubeObject;
  readonly maxUnavailable?: number | string;
  readonly minAvailable?: number | string;
  readonly problems: FieldProblem[];
}

export function pdbOf(pdb: KubeObject): PdbView {
  const reader = new FieldReader();
  const spec = reader.record(pdb.spec, '/spec') ?? {};
  const maxUnavailable = reader.intOrPercent(spec.maxUnavailable, '/spec/maxUnavailable', { maxPercent: 100 });
  const minAvailable = reader.intOrPercent(spec.minAvailable, '/spec/minAvailable', { maxPercent: 100 });
  if (spec.maxUnavailable !== undefined && spec.minAvailable !== undefined) {
    reader.report('/spec', 'both minAvailable and maxUnavailable are set; the API server accepts only one', 'keep maxUnavailable (it keeps working when replicas change) and remove minAvailable');
  }
  if (spec.unhealthyPodEvictionPolicy !== undefined && !['IfHealthyBudget', 'AlwaysAllow'].includes(spec.unhealthyPodEvictionPolicy)) {
    reader.report('/spec/unhealthyPodEvictionPolicy', `unhealthyPodEvictionPolicy is ${JSON.stringify(spec.unhealthyPodEvictionPolicy)}; it must be IfHealthyBudget or AlwaysAllow`, 'use AlwaysAllow');
  }
  return { object: pdb, maxUnavailable, minAvailable, problems: reader.problems };
}

/** Evictions a PDB allows at `replicas` healthy pods (spec 6.2). */
export function pdbAllowedDisruptions(pdb: PdbView, replicas: number): number {
  if (pdb.maxUnavailable !== undefined) {
    // maxUnavailable percentages round up in the disruption controller.
    return Math.max(0, resolveIntOrPercent(pdb.maxUnavailable, replicas, true));
  }
  if (pdb.minAvailable !== undefined) {
    return Math.max(0, replicas - resolveIntOrPercent(pdb.minAvailable, replicas, true));
  }
  // Neither set: policy/v1 has no default; the disruption controller wants no pod healthy.
  return Math.max(0, replicas - PDB_DESIRED_HEALTHY_WITHOUT_BUDGET);
}

/** A PDB that sets neither minAvailable nor maxUnavailable: it allows every eviction. */
export function pdbProtectsNothing(pdb: PdbView): boolean {
  return pdb.maxUnavailable === undefined && pdb.minAvailable === undefined;
}

/** How a PDB states its budget, for messages. */
export function pdbBudgetText(pdb: PdbView): string {
  return pdb.maxUnavailable !== undefined ? `maxUnavailable ${JSON.stringify(pdb.maxUnavailable)}`
    : pdb.minAvailable !== undefined ? `minAvailable ${JSON.stringify(pdb.minAvailable)}` : 'neither minAvailable nor maxUnavailable';
}
