// Node drains, evictions and autoscaling: enough replicas, spread, and a PodDisruptionBudget
// that protects them without blocking drains (spec 6).

import { replicaRange } from './rollout';
import { DEPLOYMENT_DEFAULTS } from '../../kubernetes/defaults';
import { PdbView, pdbAllowedDisruptions, pdbBudgetText, pdbOf, pdbProtectsNothing } from '../../manifest/disruption';
import { nameOf } from '../../manifest/kube-object';
import { selectorMatches } from '../../manifest/selectors';

import { REPLICATED_KINDS, WorkloadView } from '../../manifest/workload';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** Replicas at the workload's smallest: the scalers' minimum, or spec.replicas (default 1). */
export function smallestReplicas(ctx: WorkloadContext): number {
  const scalers = ctx.rel.scalers;
  return scalers.length > 0 ? Math.min(...scalers.map(s => s.minReplicas)) : ctx.w.replicas ?? DEPLOYMENT_DEFAULTS.replicas;
}

/** Replicas at the workload's largest: the scalers' maximum, or spec.replicas (default 1). */
function largestReplicas(ctx: WorkloadContext): number {
  const scalers = ctx.rel.scalers;
  return scalers.length > 0 ? Math.max(...scalers.map(s => s.maxReplicas)) : ctx.w.replicas ?? DEPLOYMENT_DEFAULTS.replicas;
}

/** Availability rules judge workloads that take client traffic: a leader-elected controller is not one. */
function serves(ctx: WorkloadContext): boolean {
  return ctx.traffic.serving.length > 0;
}

function pdbsOf(ctx: WorkloadContext): PdbView[] {
  return ctx.rel.pdbs.map(pdbOf).filter(p => p.problems.length === 0);
}

/** The PDB field that sets its budget. */
function budgetPointer(p: PdbView): string {
  return p.maxUnavailable !== undefined ? '/spec/maxUnavailable' : p.minAvailable !== undefined ? '/spec/minAvailable' : '/spec';
}

/**
 * Whether replicas are spread across nodes: a topology spread constraint or a pod anti-affinity
 * term on kubernetes.io/hostname whose label selector picks the workload's own pods (one that
 * selects labels no pod carries never applies).
 */
function podSpread(w: WorkloadView): boolean {
  const spec = w.podSpec;
  const own = (term: any) => term?.topologyKey === 'kubernetes.io/hostname' && (term.labelSelector === undefined || selectorMatches(term.labelSelector, w.templateLabels));
  const constraints: any[] = Array.isArray(spec.topologySpreadConstraints) ? spec.topologySpreadConstraints : [];
  if (constraints.some(own)) {
    return true;
  }
  const anti = spec.affinity?.podAntiAffinity;
  const terms = [
    ...(Array.isArray(anti?.requiredDuringSchedulingIgnoredDuringExecution) ? anti.requiredDuringSchedulingIgnoredDuringExecution : []),
    ...(Array.isArray(anti?.preferredDuringSchedulingIgnoredDuringExecution) ? anti.preferredDuringSchedulingIgnoredDuringExecution : [])
      .map((p: any) => p?.podAffinityTerm),
  ];
  return terms.some(own);
}

/** Whether a budget wants at least one pod healthy at some replica count the workload runs at. */
function mayWantHealthyPods(pdb: PdbView, ctx: WorkloadContext): boolean {
  const { min, max } = replicaRange(ctx);
  for (let n = min; n <= max; n++) {
    if (n - pdbAllowedDisruptions(pdb, n) > 0) return true;
  }
  return false;
}

function fewReplicas(ctx: WorkloadContext): RawFinding[] {
  if (!serves(ctx)) {
    return [];
  }
  const scalers = ctx.rel.scalers;
  if (scalers.length === 0) {
    return (ctx.w.replicas ?? DEPLOYMENT_DEFAULTS.replicas) < 2 ? [{ pointer: '/spec/replicas', message: `replicas is ${ctx.w.replicas ?? '1 (the default)'}: a drain or crash leaves nothing serving` }] : [];
  }
  // A ScaledObject with minReplicaCount 0 scales to zero on purpose (an idle release): not judged.
  return scalers.filter(s => s.minReplicas === 1).map(s => ({
    pointer: '/metadata',
    message: `${s.kind} '${s.name}' may scale ${ctx.w.kind} '${ctx.w.name}' down to 1 replica: a drain or crash then leaves nothing serving`,
  }));
}

export const DISRUPTION_RULES = area('disruption', [
  {
    id: 'GS009',
    severity: Severity.WARNING,
    title: 'Fewer than 2 replicas (or an autoscaler minimum of 1)',
    rationale: 'A single replica is a single point of failure: a node drain, eviction or crash leaves no pod to serve, whatever the shutdown settings. '
      + 'Judged for workloads that take client traffic; a ScaledObject that scales an idle workload to zero is not.',
    fix: 'run at least 2 replicas (or an HPA with minReplicas ≥ 2)',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(fewReplicas),
  },
  {
    id: 'GS010',
    severity: Severity.WARNING,
    title: 'spec.replicas set while an autoscaler targets the workload',
    rationale: 'Every GitOps sync resets spec.replicas to the committed value, fighting the HPA: pods are scaled down under load, then back up.',
    fix: 'omit spec.replicas from the manifest and let the autoscaler own it',
    phase: TimelinePhase.SCALING,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => ctx.rel.scalers.length > 0 && ctx.w.replicas !== undefined ? [{
      pointer: '/spec/replicas',
      message: `spec.replicas is ${ctx.w.replicas} while ${ctx.rel.scalers[0].kind} '${ctx.rel.scalers[0].name}' scales this ${ctx.w.kind}; each sync resets the autoscaler's choice`,
    }] : []),
  },
  {
    id: 'GS011',
    severity: Severity.WARNING,
    title: 'No PodDisruptionBudget',
    rationale: 'Without a PDB, a node drain may evict every replica at once (spec 6.1). A policy/v1 PDB that sets neither minAvailable nor maxUnavailable has no default budget: it allows every eviction (spec 6.2).',
    fix: 'add a PodDisruptionBudget selecting the pods with maxUnavailable: 1 and unhealthyPodEvictionPolicy: AlwaysAllow',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => {
      if (!serves(ctx) || smallestReplicas(ctx) < 2) return [];
      if (ctx.rel.pdbs.length === 0) {
        return [{
          pointer: '/metadata',
          message: `no PodDisruptionBudget selects the pods of ${ctx.w.kind} '${ctx.w.name}': a drain may evict all ${smallestReplicas(ctx)} replicas at once`,
        }];
      }
      // policy/v1 has no default budget: a PDB with neither field allows every eviction.
      const budgets = ctx.rel.pdbs.map(pdbOf);
      return budgets.every(pdbProtectsNothing) ? budgets.map(p => ({
        pointer: '/spec',
        on: p.object,
        message: `sets neither minAvailable nor maxUnavailable: the disruption controller then wants no pod of ${ctx.w.kind} '${ctx.w.name}' healthy `
          + `and allows every eviction, so a drain may evict all ${smallestReplicas(ctx)} replicas at once`,
        fix: 'set maxUnavailable: 1 (policy/v1 has no default budget)',
      })) : [];
    }),
  },
  {
    id: 'GS012',
    severity: Severity.ERROR,
    title: 'PodDisruptionBudget blocks every eviction',
    rationale: 'A PDB with maxUnavailable 0, or minAvailable equal to the replicas, answers every eviction with 429, so node drains and cluster upgrades hang (spec 6.2).',
    fix: 'use maxUnavailable: 1 (or a percentage) instead of minAvailable = replicas',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => {
      const replicas = largestReplicas(ctx);
      return pdbsOf(ctx).filter(p => replicas > 0 && pdbAllowedDisruptions(p, replicas) === 0).map(p => ({
        pointer: budgetPointer(p),
        on: p.object,
        message: `(${pdbBudgetText(p)}) allows 0 evictions at ${replicas} replica(s) of ${ctx.w.kind} '${ctx.w.name}': node drains block`,
      }));
    }),
  },
  {
    id: 'GS013',
    severity: Severity.ERROR,
    title: 'PodDisruptionBudget allows no eviction at the autoscaler minimum',
    rationale: 'When the autoscaler scales down to its minimum, a PDB sized for more replicas allows no eviction: node drains and cluster upgrades '
      + 'hang whenever load is low (spec 6.2).',
    fix: 'size the PDB with maxUnavailable (e.g. 1 or 25%) rather than minAvailable, or raise the autoscaler minimum above the PDB\'s minAvailable',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => {
      if (ctx.rel.scalers.length === 0) return [];
      const min = smallestReplicas(ctx);
      const max = largestReplicas(ctx);
      // A PDB that blocks at every scale is GS012's finding; a scale to zero has nothing to evict.
      return min === 0 ? [] : pdbsOf(ctx).filter(p => pdbAllowedDisruptions(p, min) === 0 && pdbAllowedDisruptions(p, max) > 0).map(p => ({
        pointer: budgetPointer(p),
        on: p.object,
        message: `(${pdbBudgetText(p)}) allows 0 evictions at the autoscaler minimum of ${min} replica(s) of ${ctx.w.kind} '${ctx.w.name}': `
          + 'node drains block while the workload is scaled down',
      }));
    }),
  },
  {
    id: 'GS014',
    severity: Severity.WARNING,
    title: 'Replicas not spread across nodes',
    rationale: 'Replicas packed on one node all go down with it, and a drain of that node evicts them back to back.',
    fix: 'add topologySpreadConstraints on kubernetes.io/hostname (and topology.kubernetes.io/zone) with whenUnsatisfiable: ScheduleAnyway, or a preferred podAntiAffinity',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => serves(ctx) && smallestReplicas(ctx) >= 2 && !podSpread(ctx.w) ? [{
      pointer: ctx.w.podSpecPointer,
      message: `${ctx.w.kind} '${ctx.w.name}' has no topologySpreadConstraints or podAntiAffinity on kubernetes.io/hostname: its replicas may share a node`,
    }] : []),
  },
  {
    id: 'GS018',
    severity: Severity.WARNING,
    title: 'PodDisruptionBudget without unhealthyPodEvictionPolicy: AlwaysAllow',
    rationale: 'With the default IfHealthyBudget, a crash-looping pod cannot be evicted while the budget is exhausted, blocking node drains; the docs '
      + 'recommend AlwaysAllow (spec 6.3).',
    fix: 'set spec.unhealthyPodEvictionPolicy: AlwaysAllow on the PodDisruptionBudget',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    // Only a budget that wants some pod healthy can refuse an unhealthy pod's eviction (desiredHealthy > 0):
    // maxUnavailable 1 over 1 replica never does (spec 6.2, 6.3).
    check: onWorkload(ctx => ctx.rel.pdbs.filter(p => p.spec?.unhealthyPodEvictionPolicy !== 'AlwaysAllow' && mayWantHealthyPods(pdbOf(p), ctx)).map(p => ({
      pointer: '/spec',
      on: p,
      message: `keeps the default unhealthyPodEvictionPolicy (IfHealthyBudget): an unhealthy pod of ${ctx.w.kind} '${ctx.w.name}' can block node drains`,
    }))),
  },
  {
    id: 'GS032',
    severity: Severity.ERROR,
    title: 'Pod without a controller behind a Service',
    rationale: 'A bare Pod has no controller to replace it: kubectl drain refuses to evict it without --force (node drains and upgrades stop there), '
      + 'and with --force it is deleted for good, leaving its Service without the endpoint until someone recreates it by hand.',
    fix: 'run it as a Deployment (or a StatefulSet for stable identity) with at least 2 replicas',
    phase: TimelinePhase.DISRUPTION,
    kinds: ['Pod'],
    check: onWorkload(ctx => serves(ctx) ? [{
      pointer: '/metadata',
      message: 'no controller owns this Pod, yet it takes client traffic: a drain either blocks on it or deletes it for good',
    }] : []),
  },
  {
    id: 'GS022',
    severity: Severity.ERROR,
    title: 'Several PodDisruptionBudgets select the same pods',
    rationale: 'The Eviction API refuses to evict a pod that more than one PDB selects (HTTP 500, spec 6.1): kubectl drain, cluster upgrades and the '
      + 'cluster autoscaler cannot move these pods at all.',
    fix: 'keep one PodDisruptionBudget per set of pods: delete the extra ones or make their selectors disjoint',
    phase: TimelinePhase.DISRUPTION,
    kinds: REPLICATED_KINDS,
    check: onWorkload(ctx => ctx.rel.pdbs.length > 1 ? [{
      pointer: '/metadata',
      message: `PodDisruptionBudgets ${ctx.rel.pdbs.map(p => `'${nameOf(p)}'`).join(', ')} all select the pods of ${ctx.w.kind} '${ctx.w.name}': every eviction answers 500`,
    }] : []),
  },
]);
