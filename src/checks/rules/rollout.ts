// Rolling updates that never drop serving capacity (spec 3).

import { ClusterModel } from '../../manifest/cluster';

import { selectorMatches } from '../../manifest/selectors';
import { WorkloadView } from '../../manifest/workload';
import { resolveFenceposts, worstCapacityDrop } from '../../timing/rollout-plan';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** The replica counts a rollout may run at: spec.replicas, else the scalers' range (at least 1). */
export function replicaRange({ w, rel }: Pick<WorkloadContext, 'w' | 'rel'>): { min: number; max: number } {
  if (w.replicas !== undefined && rel.scalers.length === 0) return { min: w.replicas, max: w.replicas };
  if (rel.scalers.length === 0) return { min: 1, max: 1 };
  return {
    min: Math.max(1, Math.min(...rel.scalers.map(s => s.minReplicas))),
    max: Math.max(1, ...rel.scalers.map(s => s.maxReplicas)),
  };
}

/** Required pod anti-affinity on kubernetes.io/hostname: at most one replica per node, so a surge pod needs a free node. */
export function requiredHostnameAntiAffinity(w: WorkloadView): boolean {
  const terms = w.podSpec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) && terms.some((term: any) => term?.topologyKey === 'kubernetes.io/hostname' && selectorMatches(term?.labelSelector, w.templateLabels));
}

/** Replicas a rollout works with: spec.replicas, else the smallest a scaler allows (at least 1). */
export function rolloutReplicas({ w, rel }: Pick<WorkloadContext, 'w' | 'rel'>): number {
  if (w.replicas !== undefined) return w.replicas;
  const mins = rel.scalers.map(s => Math.max(1, s.minReplicas));
  return mins.length > 0 ? Math.min(...mins) : 1;
}

/** Claims of ReadWriteOnce(Pod) volumes the pod mounts, when the claim is in view. */
export function readWriteOnceClaims(w: WorkloadView, model: ClusterModel): string[] {
  const volumes: any[] = Array.isArray(w.podSpec.volumes) ? w.podSpec.volumes : [];
  return volumes
    .map(v => v?.persistentVolumeClaim?.claimName)
    .filter((name): name is string => typeof name === 'string')
    .filter(name => {
      const modes = model.find('PersistentVolumeClaim', w.namespace, name)?.spec?.accessModes;
      return Array.isArray(modes) && modes.some(m => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod');
    });
}

/** Whether a pod binds node ports, so that two of its pods cannot share a node. */
export function bindsHostPorts(w: WorkloadView): boolean {
  return w.hostNetwork || w.running.some(c => c.ports.some(p => p.hostPort !== undefined));
}

function capacityDrop(ctx: WorkloadContext): RawFinding[] {
  const { w, traffic, model } = ctx;
  const strategy = w.strategy;
  if (!strategy || strategy.type === 'OnDelete') {
    return [];
  }
  const isDeployment = w.kind === 'Deployment';
  // A workload that serves no client traffic (a queue worker) loses no request by a pause; a
  // DaemonSet whose host ports forbid a surge pod has no better choice.
  if (traffic.serving.length === 0 || (!isDeployment && bindsHostPorts(w))) {
    return [];
  }
  if (strategy.type === 'Recreate') {
    // Recreate forced by a ReadWriteOnce volume is GS030's finding.
    if (readWriteOnceClaims(w, model).length > 0) return [];
    return [{ pointer: `${strategy.pointer}/type`, message: `strategy is Recreate: every pod is stopped before new ones start, so the ${w.kind} serves nothing during each rollout` }];
  }
  const written = `maxUnavailable ${JSON.stringify(strategy.maxUnavailable)}${strategy.declared.maxUnavailable ? '' : ' (the default)'}`;
  const pointer = strategy.declared.maxUnavailable ? `${strategy.pointer}/rollingUpdate/maxUnavailable` : strategy.pointer;
  if (!isDeployment) {
    // DaemonSets count per node: any non-zero value takes a node's pod down.
    if (strategy.maxUnavailable === 0 || strategy.maxUnavailable === '0%') return [];
    return [{
      pointer,
      message: `${written} with maxSurge ${JSON.stringify(strategy.maxSurge)}: each node's pod stops before its replacement is ready, so the node serves nothing in between`,
      fix: 'set updateStrategy.rollingUpdate to maxSurge: 1 and maxUnavailable: 0 (possible when the pods bind no hostPort)',
    }];
  }
  // Judged over the autoscaler's whole range: 25% takes nothing down at 2 replicas and 7 at 30.
  const { min, max } = replicaRange(ctx);
  const drop = worstCapacityDrop(min, max, strategy.maxSurge, strategy.maxUnavailable);
  if (!drop) {
    return []; // nothing drops, or maxSurge 0 forces it (GS008)
  }
  const range = min === max ? '' : ` (at ${drop.fromReplicas}${drop.fromReplicas < max ? `–${max}` : ''} of the autoscaler's ${min}–${max} replicas)`;
  return [{
    pointer,
    message: `${written} lets a rollout take ${drop.unavailable} of ${drop.replicas} serving pod(s) down before replacements are available${range}`,
    fix: requiredHostnameAntiAffinity(ctx.w)
      ? 'set maxUnavailable: 0 only if a node without a replica is free for the surge pod (required anti-affinity on kubernetes.io/hostname); '
        + 'otherwise keep maxUnavailable: 1 with maxSurge: 0 and a PodDisruptionBudget, or make the anti-affinity preferred'
      : undefined,
  }];
}

/** Node labels every node of a kind carries (os, architecture): selecting on them picks no pool. */
const CLUSTER_WIDE_NODE_LABEL = /^(beta\.)?kubernetes\.io\/(os|arch)$/;

/** Where the pods may run is limited to a pool of nodes (nodeSelector or required node affinity beyond os and architecture). */
function pinnedToNodePool(w: WorkloadView): string | undefined {
  const selector = w.podSpec.nodeSelector;
  const pool = selector && typeof selector === 'object' ? Object.entries(selector).filter(([k]) => !CLUSTER_WIDE_NODE_LABEL.test(k)) : [];
  if (pool.length > 0) {
    return `nodeSelector ${pool.map(([k, v]) => `${k}: ${String(v)}`).join(', ')}`;
  }
  const terms = w.podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const keys: string[] = (Array.isArray(terms) ? terms : [])
    .flatMap((term: any) => (Array.isArray(term?.matchExpressions) ? term.matchExpressions : []).map((e: any) => String(e?.key)));
  return keys.some(k => !CLUSTER_WIDE_NODE_LABEL.test(k)) ? 'required node affinity' : undefined;
}

function surgeMayNotSchedule(ctx: WorkloadContext): RawFinding[] {
  const { w } = ctx;
  const s = w.strategy;
  const pool = pinnedToNodePool(w);
  if (!s || s.type !== 'RollingUpdate' || !pool || !requiredHostnameAntiAffinity(w) || ctx.traffic.serving.length === 0) return [];
  const { min, max } = replicaRange(ctx);
  const surge = resolveFenceposts(max, s.maxSurge, s.maxUnavailable).surge;
  const unavailable = resolveFenceposts(min, s.maxSurge, s.maxUnavailable).unavailable;
  if (surge === 0 || unavailable > 0) return [];
  return [{
    pointer: `${w.podSpecPointer}/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution`,
    message: `the rollout starts a surge pod (maxSurge ${JSON.stringify(s.maxSurge)}, maxUnavailable ${JSON.stringify(s.maxUnavailable)}) that needs a node of its pool `
      + `(${pool}) without a replica (required anti-affinity on kubernetes.io/hostname): when the pool has ${max === min ? max : `${min}–${max}`} node(s), `
      + 'as many as the replicas, it never schedules and the rollout stops at its progress deadline',
  }];
}

export const ROLLOUT_RULES = area('rollout', [
  {
    id: 'GS007',
    severity: Severity.ERROR,
    title: 'Rollout drops capacity (maxUnavailable > 0 or Recreate)',
    rationale: 'A RollingUpdate with maxUnavailable > 0 removes serving pods before their replacements are available; Recreate stops every pod before '
      + 'starting new ones, serving nothing meanwhile (spec 3.2, 3.5). A serving DaemonSet can surge instead unless its pods bind host ports. '
      + 'Workloads that take no client traffic (queue workers) are not judged.',
    fix: 'use strategy RollingUpdate with maxUnavailable: 0 and maxSurge: 25% (at least 1), or suppress with a reason if the downtime is accepted',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment', 'DaemonSet'],
    check: onWorkload(capacityDrop),
  },
  {
    id: 'GS008',
    severity: Severity.ERROR,
    title: 'maxSurge of 0: no replacement before removal',
    rationale: 'With maxSurge 0 a rollout can only proceed by first taking old pods down (the API rejects both 0), so capacity drops on every rollout (spec 3.2).',
    fix: 'set maxSurge to 25% or at least 1 and maxUnavailable to 0',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment'],
    check: onWorkload(ctx => {
      const s = ctx.w.strategy;
      if (!s || s.type !== 'RollingUpdate' || !s.declared.maxSurge || ctx.traffic.serving.length === 0) {
        return [];
      }
      const replicas = rolloutReplicas(ctx);
      return resolveFenceposts(replicas, s.maxSurge, s.maxUnavailable).surge === 0 ? [{
        pointer: '/spec/strategy/rollingUpdate/maxSurge',
        message: `maxSurge ${JSON.stringify(s.maxSurge)} resolves to 0 extra pods at ${replicas} replica(s): no replacement can start before an old pod is gone`,
        // A surge pod needs a node without a replica under required hostname anti-affinity (GS043).
        fix: requiredHostnameAntiAffinity(ctx.w)
          ? 'with required anti-affinity on kubernetes.io/hostname a surge pod needs a free node: set maxSurge: 1 and maxUnavailable: 0 only if the pool '
            + 'keeps a spare node; otherwise accept maxUnavailable: 1 (suppress with the reason) and keep a PodDisruptionBudget'
          : undefined,
      }] : [];
    }),
  },
  {
    id: 'GS029',
    severity: Severity.ERROR,
    title: 'DaemonSet surges pods that bind host ports',
    rationale: 'A DaemonSet surge pod runs on the same node as the pod it replaces; with a hostPort (or hostNetwork) both bind the same node port, '
      + 'so the new pod cannot start and the rollout stalls on every node.',
    fix: 'use maxSurge: 0 and maxUnavailable: 1 for pods that bind host ports (and let the node-local load balancer health check move traffic), '
      + 'or drop the hostPort and route through a Service',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['DaemonSet'],
    check: onWorkload(({ w }) => {
      const s = w.strategy;
      if (!s || s.type !== 'RollingUpdate' || !bindsHostPorts(w) || s.maxSurge === 0 || s.maxSurge === '0%') {
        return [];
      }
      return [{
        pointer: `${s.pointer}/rollingUpdate/maxSurge`,
        message: `maxSurge ${JSON.stringify(s.maxSurge)} but the pods bind ${w.hostNetwork ? 'the host network' : 'host ports'}: the surge pod cannot start next to the old one`,
      }];
    }),
  },
  {
    id: 'GS030',
    severity: Severity.ERROR,
    title: 'RollingUpdate of a Deployment that mounts a ReadWriteOnce volume',
    rationale: 'A ReadWriteOnce volume attaches to one node. The surge pod of a RollingUpdate cannot mount it on another node (Multi-Attach error), '
      + 'or blocks on the data\'s lock on the same node, while the old pod holds it and is never removed: every rollout stalls until the progress '
      + 'deadline. (Recreate forced by such a volume is accepted downtime, not judged by GS007.)',
    fix: 'run it as a StatefulSet with volumeClaimTemplates (one volume per pod), use a ReadWriteMany volume, or accept the downtime with strategy Recreate',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment'],
    check: onWorkload(({ w, model }) => {
      const claims = readWriteOnceClaims(w, model);
      if (claims.length === 0 || w.strategy?.type !== 'RollingUpdate') {
        return [];
      }
      return [{
        pointer: `${w.podSpecPointer}/volumes`,
        message: `ReadWriteOnce claim(s) ${claims.map(c => `'${c}'`).join(', ')} with a RollingUpdate: the new pod cannot attach the volume while the old one `
          + 'holds it, and the rollout stalls',
      }];
    }),
  },
  {
    id: 'GS043',
    severity: Severity.WARNING,
    title: 'Surge pod may not schedule under required hostname anti-affinity',
    rationale: 'With required pod anti-affinity on kubernetes.io/hostname each node runs at most one replica. A RollingUpdate that surges (maxSurge > 0, '
      + 'maxUnavailable 0) starts the new pod before an old one goes, so it needs a node of the pool without a replica: where the pool has as many '
      + 'nodes as replicas it stays Pending, no old pod is removed, and the rollout stops at progressDeadlineSeconds (spec 3.3, 3.6). The manifest '
      + 'cannot show the node count, hence a warning.',
    fix: 'keep a spare node in the pool (or let the cluster autoscaler add one), or roll without a surge: maxSurge: 0 and maxUnavailable: 1 with a '
      + 'PodDisruptionBudget (one pod less during the rollout), or make the anti-affinity preferred',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment'],
    check: onWorkload(surgeMayNotSchedule),
  },
]);
