import {
  BATCH_KINDS, ContainerView, KubeObject, WorkloadView, probeWindowSeconds, scriptSwallowsSigterm, shellScriptOf,
  DRAIN_ANNOTATION,
} from './_manifest';
import { resolveFenceposts, resolveIntOrPercent } from './rollout-plan';
import { graceShortfallSeconds } from './shutdown-budget';

/**
 * How bad a finding is.
 */
export enum Severity {
  /** Drops requests or blocks operations: fails synth and the CLI. */
  ERROR = 'error',
  /** Risky; reported without failing. */
  WARNING = 'warning',
}

/**
 * A rule of the graceful-shutdown pack, as documented.
 */
export interface RuleInfo {
  /** Stable id, never renumbered (e.g. `GS001`). */
  readonly id: string;
  /** Severity of its findings. */
  readonly severity: Severity;
  /** One-line title. */
  readonly title: string;
  /** Why it matters, with the spec points it rests on. */
  readonly rationale: string;
  /** The usual fix. */
  readonly fix: string;
}

/**
 * One problem found in one object.
 */
export interface Finding {
  /** Rule id. */
  readonly ruleId: string;
  /** Severity. */
  readonly severity: Severity;
  /** Rule title. */
  readonly title: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object ('' when unset). */
  readonly namespace: string;
  /** Container the finding is about, when it is about one. */
  readonly container?: string;
  /** What is wrong, with the numbers. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** JSON pointer of the offending field in the object. */
  readonly pointer: string;
}

/** Objects that relate to a workload, matched as Kubernetes matches them. */
export interface WorkloadRelations {
  readonly services: KubeObject[];
  readonly pdbs: KubeObject[];
  readonly hpas: KubeObject[];
}

/** What a rule reports before the engine adds the object's identity. */
export interface RawFinding {
  readonly message: string;
  readonly fix?: string;
  readonly container?: string;
  readonly pointer: string;
}

/** @internal */
export interface Rule extends RuleInfo {
  /** Kinds the rule looks at. */
  readonly kinds: string[];
  readonly check: (w: WorkloadView, rel: WorkloadRelations) => RawFinding[];
}

const ROLLOUT_KINDS = ['Deployment'];
const REPLICATED_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet'];
const POD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', ...BATCH_KINDS];
const SERVING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/** Containers that serve: they declare a container port. */
function serving(w: WorkloadView): ContainerView[] {
  return w.containers.filter(c => c.ports.length > 0);
}

function on(c: ContainerView, field: string): string {
  return `${c.pointer}/${field}`;
}

function stableJson(value: any): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Replicas an HPA can scale to at least (HPA default minReplicas 1). */
function hpaMin(hpa: KubeObject): number {
  return typeof hpa.spec?.minReplicas === 'number' ? hpa.spec.minReplicas : 1;
}

/** Replicas the workload runs with at its smallest: the HPA minimum, or spec.replicas (default 1). */
function smallestReplicas(w: WorkloadView, rel: WorkloadRelations): number {
  if (rel.hpas.length > 0) {
    return Math.min(...rel.hpas.map(hpaMin));
  }
  return w.replicas ?? 1;
}

/** Evictions a PDB allows at `replicas` healthy pods (spec 6.2). */
export function pdbAllowedDisruptions(pdb: KubeObject, replicas: number): number {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    // maxUnavailable percentages round up in the disruption controller.
    return Math.max(0, resolveIntOrPercent(spec.maxUnavailable, replicas, true));
  }
  if (spec.minAvailable !== undefined) {
    return Math.max(0, replicas - resolveIntOrPercent(spec.minAvailable, replicas, true));
  }
  // Neither set: the API defaults to minAvailable 1.
  return Math.max(0, replicas - 1);
}

function podSpread(w: WorkloadView): boolean {
  const spec = w.podSpec;
  const constraints: any[] = spec.topologySpreadConstraints ?? [];
  if (constraints.some(c => c?.topologyKey === 'kubernetes.io/hostname')) {
    return true;
  }
  const anti = spec.affinity?.podAntiAffinity;
  const terms = [
    ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p: any) => p?.podAffinityTerm),
  ];
  return terms.some(t => t?.topologyKey === 'kubernetes.io/hostname');
}

/** Startup budget: the longest a container may take to become ready (spec 2.2, 2.5). */
export function startupWindowSeconds(w: WorkloadView): number {
  let longest = 0;
  for (const c of w.containers) {
    const startup = c.startup ? probeWindowSeconds(c.startup) : 0;
    const ready = c.readiness ? c.readiness.initialDelaySeconds + c.readiness.periodSeconds * c.readiness.successThreshold : 0;
    longest = Math.max(longest, startup + ready);
  }
  return longest;
}

const DISTROLESS_IMAGE = /(^|[/:@-])(distroless|scratch|static)([/:@-]|$)|cgr\.dev\/chainguard\//;

/**
 * The rule pack. Ids are stable; a retired rule keeps its id reserved.
 *
 * @internal
 */
export const RULES: Rule[] = [
  {
    id: 'GS001',
    severity: Severity.ERROR,
    title: 'Serving container without a readiness probe',
    rationale: 'Without a readiness probe a container is Ready as soon as it runs (spec 2.3), so the Service sends it traffic before the app listens, and a new pod of a rollout takes requests it cannot serve.',
    fix: 'add a readinessProbe (httpGet on a /ready endpoint, or tcpSocket on the port); in cdk8s-plus: `readiness: Probe.fromHttpGet(\'/ready\')`',
    kinds: SERVING_KINDS,
    check: w => serving(w).filter(c => !c.readiness).map(c => ({
      container: c.name,
      pointer: c.pointer,
      message: `container '${c.name}' serves port(s) ${c.ports.map(p => p.containerPort).join(', ')} but has no readinessProbe; it receives traffic as soon as it starts`,
    })),
  },
  {
    id: 'GS002',
    severity: Severity.ERROR,
    title: 'Readiness probe identical to liveness probe',
    rationale: 'When readiness and liveness are the same check, a pod that is merely busy or draining fails liveness as well and is restarted, dropping its in-flight requests; readiness should say "send me traffic", liveness "I am stuck".',
    fix: 'give liveness a cheaper endpoint (e.g. /healthz) or a higher failureThreshold than readiness, or drop the liveness probe',
    kinds: POD_KINDS,
    check: w => w.containers
      .filter(c => c.readiness && c.liveness && stableJson(c.readiness) === stableJson(c.liveness))
      .map(c => ({
        container: c.name,
        pointer: on(c, 'livenessProbe'),
        message: `container '${c.name}' has a livenessProbe identical to its readinessProbe (${stableJson(c.liveness!.handler)}, period ${c.liveness!.periodSeconds}s, failureThreshold ${c.liveness!.failureThreshold}); a busy pod would be restarted instead of taken out of rotation`,
      })),
  },
  {
    id: 'GS003',
    severity: Severity.ERROR,
    title: 'Serving container without a preStop delay',
    rationale: 'Endpoint removal and SIGTERM start at the same time (spec 1.3); proxies learn of the removal up to seconds later (spec 4.4, 5.2), so a container that stops at once still receives new connections and refuses them.',
    fix: 'add a preStop hook that waits while the app keeps serving: `lifecycle.preStop.sleep.seconds: 15` (Kubernetes ≥ 1.30) or `exec: [sleep, "15"]`',
    kinds: SERVING_KINDS,
    check: w => serving(w).filter(c => c.preStop.kind === 'none' || (c.preStop.kind === 'sleep' && (c.preStop.seconds ?? 0) === 0)).map(c => ({
      container: c.name,
      pointer: c.pointer,
      message: `container '${c.name}' serves port(s) ${c.ports.map(p => p.containerPort).join(', ')} and has no preStop delay; it gets SIGTERM while proxies still route to it`,
    })),
  },
  {
    id: 'GS004',
    severity: Severity.ERROR,
    title: 'preStop longer than the grace period',
    rationale: 'The grace period counts from the deletion and includes the preStop (spec 1.4, 1.7). The API server rejects a native sleep longer than terminationGracePeriodSeconds; an exec sleep is cut off and the app gets only 2 s after SIGTERM (spec 1.5).',
    fix: 'raise terminationGracePeriodSeconds to preStop + drain + margin, or shorten the preStop',
    kinds: POD_KINDS,
    check: w => w.containers.filter(c => c.preStop.seconds !== undefined && c.preStop.seconds > w.graceSeconds).map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop'),
      message: `container '${c.name}' preStop waits ${c.preStop.seconds}s but terminationGracePeriodSeconds is ${w.graceSeconds}s${c.preStop.kind === 'sleep' ? '; the API server rejects this pod' : '; the hook is cut off and the app gets SIGKILL 2s after SIGTERM'}`,
    })),
  },
  {
    id: 'GS005',
    severity: Severity.ERROR,
    title: 'Grace period shorter than preStop + drain',
    rationale: 'SIGKILL comes when the grace period runs out, counted from the deletion with the preStop included (spec 1.4, 1.7). If preStop + drain does not fit, the drain is cut short and in-flight requests are dropped. The drain is declared with the graceful-k8s.io/drain-seconds annotation (15 s assumed when absent).',
    fix: `raise terminationGracePeriodSeconds to at least preStop + drain + a few seconds, or declare the real drain with the '${DRAIN_ANNOTATION}' annotation`,
    kinds: POD_KINDS,
    check: w => w.containers
      .filter(c => c.preStop.seconds !== undefined && c.preStop.seconds <= w.graceSeconds)
      .filter(c => graceShortfallSeconds(w.graceSeconds, c.preStop.seconds!, w.drainSeconds) > 0)
      .map(c => ({
        container: c.name,
        pointer: `${w.podSpecPointer}/terminationGracePeriodSeconds`,
        message: `terminationGracePeriodSeconds (${w.graceSeconds}s) is less than container '${c.name}' preStop (${c.preStop.seconds}s) + drain (${w.drainSeconds}s${w.drainDeclared ? '' : ', assumed'}) = ${c.preStop.seconds! + w.drainSeconds}s; SIGKILL cuts the drain ${graceShortfallSeconds(w.graceSeconds, c.preStop.seconds!, w.drainSeconds)}s short`,
        fix: `raise terminationGracePeriodSeconds to at least ${c.preStop.seconds! + w.drainSeconds + 5}, or declare the real drain with the '${DRAIN_ANNOTATION}' annotation`,
      })),
  },
  {
    id: 'GS006',
    severity: Severity.ERROR,
    title: 'Shell entrypoint without exec swallows SIGTERM',
    rationale: 'With `sh -c "…"` the shell is PID 1; it does not forward SIGTERM to the app, which never drains and is SIGKILLed at the end of the grace period.',
    fix: 'run the binary directly (command: [/app/server]), start the last command with `exec` in the script, or use an init such as tini',
    kinds: POD_KINDS,
    check: w => w.containers.flatMap(c => {
      const script = shellScriptOf(c.json.command, c.json.args);
      if (script === undefined || !scriptSwallowsSigterm(script)) {
        return [];
      }
      return [{
        container: c.name,
        pointer: on(c, c.json.command ? 'command' : 'args'),
        message: `container '${c.name}' runs ${JSON.stringify(script.length > 60 ? script.slice(0, 57) + '...' : script)} through a shell without exec; the shell is PID 1 and does not forward SIGTERM to the app`,
      }];
    }),
  },
  {
    id: 'GS007',
    severity: Severity.ERROR,
    title: 'Rollout drops capacity (maxUnavailable > 0 or Recreate)',
    rationale: 'A RollingUpdate with maxUnavailable > 0 removes serving pods before their replacements are available; Recreate stops every pod before starting new ones, serving nothing meanwhile (spec 3.2, 3.5).',
    fix: 'use strategy RollingUpdate with maxUnavailable: 0 and maxSurge: 25% (at least 1), or suppress with a reason if the downtime is accepted',
    kinds: ['Deployment', 'DaemonSet'],
    check: (w, rel) => {
      if (w.kind !== 'Deployment' && rel.services.length === 0) {
        return [];
      }
      const strategy = w.object.spec?.strategy ?? w.object.spec?.updateStrategy ?? {};
      if (strategy.type === 'Recreate') {
        return [{ pointer: '/spec/strategy/type', message: `strategy is Recreate: every pod is stopped before new ones start, so the ${w.kind} serves nothing during each rollout` }];
      }
      if (strategy.type === 'OnDelete') {
        return [];
      }
      const replicas = w.replicas ?? 1;
      const isDeployment = w.kind === 'Deployment';
      const maxUnavailable = strategy.rollingUpdate?.maxUnavailable ?? (isDeployment ? '25%' : 1);
      const maxSurge = strategy.rollingUpdate?.maxSurge ?? (isDeployment ? '25%' : 0);
      const { surge, unavailable } = resolveFenceposts(replicas, maxSurge, maxUnavailable);
      // A Deployment with maxSurge 0 is GS008's finding: the unavailability is forced by it.
      if (unavailable === 0 || (isDeployment && surge === 0)) {
        return [];
      }
      return [{
        pointer: strategy.rollingUpdate?.maxUnavailable !== undefined ? `${w.kind === 'Deployment' ? '/spec/strategy' : '/spec/updateStrategy'}/rollingUpdate/maxUnavailable` : (w.kind === 'Deployment' ? '/spec/strategy' : '/spec/updateStrategy'),
        message: `maxUnavailable ${JSON.stringify(maxUnavailable)}${strategy.rollingUpdate?.maxUnavailable === undefined ? ' (the default)' : ''} lets a rollout take ${unavailable} of ${replicas} serving pod(s) down before replacements are available`,
      }];
    },
  },
  {
    id: 'GS008',
    severity: Severity.ERROR,
    title: 'maxSurge of 0: no replacement before removal',
    rationale: 'With maxSurge 0 a rollout can only proceed by first taking old pods down (the API rejects both 0), so capacity drops on every rollout (spec 3.2).',
    fix: 'set maxSurge to 25% or at least 1 and maxUnavailable to 0',
    kinds: ROLLOUT_KINDS,
    check: w => {
      const strategy = w.object.spec?.strategy ?? {};
      if (strategy.type === 'Recreate' || strategy.rollingUpdate?.maxSurge === undefined) {
        return [];
      }
      const replicas = w.replicas ?? 1;
      const { surge } = resolveFenceposts(replicas, strategy.rollingUpdate.maxSurge, strategy.rollingUpdate.maxUnavailable ?? '25%');
      return surge === 0 ? [{
        pointer: '/spec/strategy/rollingUpdate/maxSurge',
        message: `maxSurge ${JSON.stringify(strategy.rollingUpdate.maxSurge)} resolves to 0 extra pods at ${replicas} replica(s): no replacement can start before an old pod is gone`,
      }] : [];
    },
  },
  {
    id: 'GS009',
    severity: Severity.WARNING,
    title: 'Fewer than 2 replicas and no autoscaler',
    rationale: 'A single replica is a single point of failure: a node drain, eviction or crash leaves no pod to serve, whatever the shutdown settings.',
    fix: 'run at least 2 replicas (or an HPA with minReplicas ≥ 2)',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => rel.hpas.length === 0 && (w.replicas ?? 1) < 2 ? [{
      pointer: '/spec/replicas',
      message: `replicas is ${w.replicas ?? '1 (the default)'}: a drain or crash leaves nothing serving`,
    }] : [],
  },
  {
    id: 'GS010',
    severity: Severity.WARNING,
    title: 'spec.replicas set while an HPA targets the workload',
    rationale: 'Every GitOps sync resets spec.replicas to the committed value, fighting the HPA: pods are scaled down under load, then back up.',
    fix: 'omit spec.replicas from the manifest and let the HPA own it',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => rel.hpas.length > 0 && w.replicas !== undefined ? [{
      pointer: '/spec/replicas',
      message: `spec.replicas is ${w.replicas} while HorizontalPodAutoscaler '${rel.hpas[0].metadata?.name}' scales this ${w.kind}; each sync resets the HPA's choice`,
    }] : [],
  },
  {
    id: 'GS011',
    severity: Severity.WARNING,
    title: 'No PodDisruptionBudget',
    rationale: 'Without a PDB, a node drain may evict every replica at once (spec 6.1).',
    fix: 'add a PodDisruptionBudget selecting the pods with maxUnavailable: 1 and unhealthyPodEvictionPolicy: AlwaysAllow',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => rel.pdbs.length === 0 && smallestReplicas(w, rel) >= 2 ? [{
      pointer: '/metadata',
      message: `no PodDisruptionBudget selects the pods of ${w.kind} '${w.name}': a drain may evict all ${smallestReplicas(w, rel)} replicas at once`,
    }] : [],
  },
  {
    id: 'GS012',
    severity: Severity.ERROR,
    title: 'PodDisruptionBudget blocks every eviction',
    rationale: 'A PDB with maxUnavailable 0, or minAvailable equal to the replicas, answers every eviction with 429, so node drains and cluster upgrades hang (spec 6.2).',
    fix: 'use maxUnavailable: 1 (or a percentage) instead of minAvailable = replicas',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => {
      const replicas = rel.hpas.length > 0 ? Math.max(...rel.hpas.map(h => h.spec?.maxReplicas ?? 1)) : (w.replicas ?? 1);
      return rel.pdbs.filter(p => pdbAllowedDisruptions(p, replicas) === 0).map(p => ({
        pointer: '/metadata',
        message: `PodDisruptionBudget '${p.metadata?.name}' (${p.spec?.maxUnavailable !== undefined ? `maxUnavailable ${JSON.stringify(p.spec.maxUnavailable)}` : `minAvailable ${JSON.stringify(p.spec?.minAvailable ?? 1)}`}) allows 0 evictions at ${replicas} replica(s): node drains block`,
      }));
    },
  },
  {
    id: 'GS013',
    severity: Severity.WARNING,
    title: 'PodDisruptionBudget and HPA minimum do not fit',
    rationale: 'When the HPA scales down to its minimum, a PDB sized for more replicas allows no eviction, and an HPA minimum of 1 leaves nothing serving while that pod is evicted (spec 6.2).',
    fix: 'set the HPA minReplicas to at least 2 and size the PDB with maxUnavailable rather than minAvailable',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => rel.hpas.flatMap(h => {
      const min = hpaMin(h);
      if (min < 2) {
        return [{ pointer: '/metadata', message: `HorizontalPodAutoscaler '${h.metadata?.name}' may scale ${w.kind} '${w.name}' down to ${min} replica: a drain or crash then leaves nothing serving` }];
      }
      // A PDB that blocks at every scale is GS012's finding.
      const max = h.spec?.maxReplicas ?? min;
      return rel.pdbs.filter(p => pdbAllowedDisruptions(p, min) === 0 && pdbAllowedDisruptions(p, max) > 0).map(p => ({
        pointer: '/metadata',
        message: `at the HPA minimum of ${min} replicas, PodDisruptionBudget '${p.metadata?.name}' allows 0 evictions: node drains block while the workload is scaled down`,
      }));
    }),
  },
  {
    id: 'GS014',
    severity: Severity.WARNING,
    title: 'Replicas not spread across nodes',
    rationale: 'Replicas packed on one node all go down with it, and a drain of that node evicts them back to back.',
    fix: 'add topologySpreadConstraints on kubernetes.io/hostname (and topology.kubernetes.io/zone) with whenUnsatisfiable: ScheduleAnyway, or a preferred podAntiAffinity',
    kinds: REPLICATED_KINDS,
    check: (w, rel) => smallestReplicas(w, rel) >= 2 && !podSpread(w) ? [{
      pointer: w.podSpecPointer,
      message: `${w.kind} '${w.name}' has no topologySpreadConstraints or podAntiAffinity on kubernetes.io/hostname: its replicas may share a node`,
    }] : [],
  },
  {
    id: 'GS015',
    severity: Severity.ERROR,
    title: 'tcpSocket preStop hook',
    rationale: 'Kubernetes does not support tcpSocket as a lifecycle handler; the hook always fails at once, so SIGTERM comes immediately and the propagation delay is lost (spec 1.6).',
    fix: 'use a sleep preStop (`sleep.seconds`, Kubernetes ≥ 1.30, or `exec: [sleep, "15"]`) or an httpGet endpoint that waits',
    kinds: POD_KINDS,
    check: w => w.containers.filter(c => c.preStop.kind === 'tcpSocket').map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop/tcpSocket'),
      message: `container '${c.name}' has a tcpSocket preStop hook, which Kubernetes does not run; it fails at once and the container gets SIGTERM while still routed to`,
    })),
  },
  {
    id: 'GS016',
    severity: Severity.WARNING,
    title: 'exec preStop in an image that likely has no shell utilities',
    rationale: 'Distroless, scratch and static images have no `sleep` or shell; the exec hook fails with "executable file not found" and costs 0 s, so the delay is lost (spec 1.6).',
    fix: 'use the native sleep action `lifecycle.preStop.sleep.seconds` (Kubernetes ≥ 1.30; GracefulDeployment: `preStop: PreStop.nativeSleep()`)',
    kinds: POD_KINDS,
    check: w => w.containers.filter(c => c.preStop.kind === 'exec' && DISTROLESS_IMAGE.test(c.image)).map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop/exec'),
      message: `container '${c.name}' runs exec preStop ${JSON.stringify(c.preStop.command)} in image '${c.image}', which likely has no such binary; the hook would fail at once`,
    })),
  },
  {
    id: 'GS017',
    severity: Severity.ERROR,
    title: 'progressDeadlineSeconds not above minReadySeconds + startup time',
    rationale: 'The Deployment is marked ProgressDeadlineExceeded when a new pod cannot become available in time (spec 3.6); with a deadline below startup + minReadySeconds every healthy rollout is reported failed and CD tools roll it back.',
    fix: 'raise progressDeadlineSeconds above minReadySeconds + the startup probe window, with room for image pulls',
    kinds: ROLLOUT_KINDS,
    check: w => {
      const deadline = w.object.spec?.progressDeadlineSeconds ?? 600;
      const minReady = w.object.spec?.minReadySeconds ?? 0;
      const startup = startupWindowSeconds(w);
      return deadline <= minReady + startup ? [{
        pointer: '/spec/progressDeadlineSeconds',
        message: `progressDeadlineSeconds (${deadline}s) must exceed minReadySeconds (${minReady}s) + startup (${startup}s) = ${minReady + startup}s`,
        fix: `raise progressDeadlineSeconds to at least ${minReady + startup + 60}`,
      }] : [];
    },
  },
  {
    id: 'GS018',
    severity: Severity.WARNING,
    title: 'PodDisruptionBudget without unhealthyPodEvictionPolicy: AlwaysAllow',
    rationale: 'With the default IfHealthyBudget, a crash-looping pod cannot be evicted while the budget is exhausted, blocking node drains; the docs recommend AlwaysAllow (spec 6.3).',
    fix: 'set spec.unhealthyPodEvictionPolicy: AlwaysAllow on the PodDisruptionBudget',
    kinds: REPLICATED_KINDS,
    check: (_w, rel) => rel.pdbs.filter(p => p.spec?.unhealthyPodEvictionPolicy !== 'AlwaysAllow').map(p => ({
      pointer: '/metadata',
      message: `PodDisruptionBudget '${p.metadata?.name}' keeps the default unhealthyPodEvictionPolicy (IfHealthyBudget): an unhealthy pod can block node drains`,
    })),
  },
  {
    id: 'GS019',
    severity: Severity.ERROR,
    title: 'Service publishes not-ready addresses',
    rationale: 'publishNotReadyAddresses: true marks every endpoint ready (spec 1.3), so starting and terminating pods receive traffic and readiness probes stop protecting anything.',
    fix: 'set publishNotReadyAddresses: false (the default) on Services that carry client traffic',
    kinds: SERVING_KINDS,
    check: (_w, rel) => rel.services.filter(s => s.spec?.publishNotReadyAddresses === true).map(s => ({
      pointer: '/metadata',
      message: `Service '${s.metadata?.name}' selects these pods with publishNotReadyAddresses: true; starting and terminating pods get traffic`,
    })),
  },
];

/** Rules by id. @internal */
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map(r => [r.id, r]));
