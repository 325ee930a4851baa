// What the drill needs from a synthesized manifest: the workload's kind (Deployment, StatefulSet
// or DaemonSet), its pod template timings, its rollout strategy, placement rules, the Service in
// front of it, the PodDisruptionBudget and autoscaler of its pods. Read with the reader the rule
// pack uses (`workloadOf`, `pdbOf`, `fieldProblemsOf`: probe defaults, preStop parsing,
// fenceposts, selectors), so the drill and the checker cannot disagree on what a manifest means;
// a field the checker reports as GS000 (the API server would reject it) stops the drill the same
// way (manifest-problems.ts).

import { ManifestProblem, ManifestProblems } from './manifest-problems';
import { DEPLOYMENT_DEFAULTS } from '../../kubernetes/defaults';
import { scalerOf } from '../../manifest/cluster';
import { pdbOf } from '../../manifest/disruption';
import { FieldReader } from '../../manifest/fields';
import { KubeObject } from '../../manifest/kube-object';
import { fieldProblemsOf } from '../../manifest/object-problems';
import { PreStopView } from '../../manifest/pre-stop-hook';
import { ResolvedProbe } from '../../manifest/probe';
import { selectorMatches, serviceSelects } from '../../manifest/selectors';
import { ContainerView, WorkloadView, workloadOf } from '../../manifest/workload';
import { resolveFenceposts, resolveIntOrPercent } from '../../timing/rollout-plan';
import { DisruptionBudgetSpec } from '../cluster/eviction-api';
import { PlacementRules } from '../cluster/scheduler';
import { DRILLED_KINDS, WorkloadKind, WorkloadSpecView } from '../cluster/workload-controller';

/** A container the drill can run as a local process. */
export interface DrillContainer {
  readonly name: string;
  /** A native sidecar: an init container with `restartPolicy: Always` (spec 1.9). */
  readonly sidecar?: boolean;
  /** Declared container ports (numbers and names); all map to the process's one local port. */
  readonly ports: Array<{ name?: string; containerPort: number }>;
  readonly readiness?: ResolvedProbe;
  readonly startup?: ResolvedProbe;
  readonly preStop: PreStopView;
  /** The raw preStop hook, for httpGet paths. */
  readonly preStopHook?: any;
  /** Plain `value` env vars of the container. */
  readonly env: Record<string, string>;
  /** The image: its family says which shell its `sh` is. */
  readonly image: string;
  /** `command` and `args` as the manifest writes them (undefined: the image's entrypoint). */
  readonly command?: string[];
  readonly args?: string[];
}

/** Where the replicas the drill runs come from. */
export type ReplicasSource = 'manifest' | 'autoscaler' | 'default' | 'flag' | 'nodes';

/** Everything the drill replays. */
export interface DrillSpec extends WorkloadSpecView {
  readonly namespace: string;
  /** Where `replicas` came from: spec.replicas, the autoscaler's minReplicas, the API default, --replicas, or a DaemonSet's nodes. */
  readonly replicasFrom: ReplicasSource;
  /** Resolved maxSurge (spec 3.2; a StatefulSet: 0). */
  readonly surge: number;
  /** Resolved maxUnavailable (spec 3.2; a StatefulSet: the pods replaced at once). */
  readonly unavailable: number;
  /** The container behind the Service's port, run with `--exec`. */
  readonly container: DrillContainer;
  /**
   * Every container that runs for the pod's life: `containers`, then native sidecars in
   * `initContainers` order; the serving one among them. Those given a command are run.
   */
  readonly containers: DrillContainer[];
  /** The Service selecting the pods, if the manifest has one. */
  readonly service?: string;
  readonly publishNotReadyAddresses: boolean;
  /** The Service's internalTrafficPolicy: `Local` keeps a node's traffic on its own pods (spec 4.2). */
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  /** Template rules on kubernetes.io/hostname that the scheduler applies. */
  readonly placement: PlacementRules;
  /** PodDisruptionBudgets in the namespace that select the pods. */
  readonly budgets: DisruptionBudgetSpec[];
  /** The HorizontalPodAutoscaler's minReplicas, when one targets the workload. */
  readonly autoscalerMinReplicas?: number;
}

/** How the drill reads a workload. */
export interface SpecOptions {
  /** Which workload, when the manifest has several. */
  readonly name?: string;
  /** Replicas to run instead of the manifest's. */
  readonly replicas?: number;
  /** Feature gates of the simulated cluster. */
  readonly featureGates?: readonly string[];
}

const HOSTNAME = 'kubernetes.io/hostname';

/** What the drill needs of one container. */
function drillContainerOf(c: ContainerView): DrillContainer {
  const env: Record<string, string> = {};
  for (const e of Array.isArray(c.json.env) ? c.json.env : []) {
    if (e?.name && typeof e.value === 'string') {
      env[e.name] = e.value;
    }
  }
  const words = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  return {
    name: c.name,
    sidecar: c.role === 'native-sidecar' || undefined,
    ports: c.ports.map(p => ({ name: p.name, containerPort: p.containerPort })),
    readiness: c.readiness,
    startup: c.startup,
    preStop: c.preStop,
    preStopHook: c.json.lifecycle?.preStop,
    env,
    image: c.image,
    command: words(c.json.command),
    args: words(c.json.args),
  };
}

/** topologySpreadConstraints and podAntiAffinity on kubernetes.io/hostname that select the pods themselves. */
export function placementOf(w: WorkloadView): PlacementRules {
  const selects = (selector: any) => selectorMatches(selector, w.templateLabels);
  const spreads = Array.isArray(w.podSpec.topologySpreadConstraints) ? w.podSpec.topologySpreadConstraints : [];
  const spread = spreads.find((c: any) => c?.topologyKey === HOSTNAME && selects(c.labelSelector));
  const anti = w.podSpec.affinity?.podAntiAffinity ?? {};
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const required = list(anti.requiredDuringSchedulingIgnoredDuringExecution)
    .some((t: any) => t?.topologyKey === HOSTNAME && selects(t.labelSelector));
  const preferred = list(anti.preferredDuringSchedulingIgnoredDuringExecution)
    .some((t: any) => t?.podAffinityTerm?.topologyKey === HOSTNAME && selects(t.podAffinityTerm.labelSelector));
  return {
    spread: spread && {
      maxSkew: Number(spread.maxSkew ?? 1),
      whenUnsatisfiable: spread.whenUnsatisfiable === 'ScheduleAnyway' ? 'ScheduleAnyway' : 'DoNotSchedule',
    },
    antiAffinity: required ? 'required' : preferred ? 'preferred' : undefined,
  };
}

/** PodDisruptionBudgets of the namespace whose selector matches the pod template (spec 6). */
function budgetObjects(objects: KubeObject[], w: WorkloadView): KubeObject[] {
  return objects
    .filter(o => o?.kind === 'PodDisruptionBudget' && (o.metadata?.namespace ?? '') === w.namespace)
    .filter(o => selectorMatches(o.spec?.selector, w.templateLabels));
}

export function budgetsOf(objects: KubeObject[], w: WorkloadView): DisruptionBudgetSpec[] {
  return budgetObjects(objects, w).map(o => {
    const view = pdbOf(o);
    return {
      name: String(o.metadata?.name ?? ''),
      maxUnavailable: view.maxUnavailable,
      minAvailable: view.minAvailable,
      unhealthyPodEvictionPolicy: o.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ? 'AlwaysAllow' : 'IfHealthyBudget',
    };
  });
}

/** The workload to drill: by name, or the only one of a drilled kind. Throws naming the fix. */
function pickWorkload(objects: KubeObject[], name?: string): KubeObject {
  const drillable = objects.filter(o => DRILLED_KINDS.includes(o?.kind as WorkloadKind));
  const named = drillable.filter(o => !name || o.metadata?.name === name);
  const list = (os: KubeObject[]) => os.map(o => `${o.kind} ${o.metadata?.name}`).join(', ');
  if (named.length === 0) {
    const others = objects.filter(o => workloadOf(o) !== undefined && !DRILLED_KINDS.includes(o.kind as WorkloadKind));
    throw new Error(name
      ? `no Deployment, StatefulSet or DaemonSet named '${name}' in the manifest; names found: ${list(drillable) || 'none'}`
      : `the manifest has no Deployment, StatefulSet or DaemonSet${others.length ? ` (it has ${list(others)}, which the drill does not drill)` : ''}; `
        + 'pass the synthesized YAML of a workload (and the Service selecting it)');
  }
  if (named.length > 1) {
    throw new Error(`the manifest has ${named.length} workloads (${list(named)}); choose one with --deployment <name>`);
  }
  return named[0];
}

/** The replicas to run: --replicas, spec.replicas, the autoscaler's minimum, the API default. */
function replicasOf(
  w: WorkloadView, hpaMin: number | undefined, options: SpecOptions, nodes: number | undefined,
): { replicas: number; from: ReplicasSource } {
  if (w.kind === 'DaemonSet') return { replicas: nodes ?? 0, from: 'nodes' };
  if (options.replicas !== undefined) return { replicas: options.replicas, from: 'flag' };
  if (w.replicas !== undefined) return { replicas: w.replicas, from: 'manifest' };
  // An autoscaler owns the replicas (no spec.replicas): it keeps at least its minimum.
  if (hpaMin !== undefined) return { replicas: hpaMin, from: 'autoscaler' };
  return { replicas: DEPLOYMENT_DEFAULTS.replicas, from: 'default' };
}

/**
 * Fields the drill reads that a problem in the shared reader does not yet cover: a probe's exec
 * command given as a string would otherwise reach the kubelet as one.
 */
function drillFieldProblems(w: WorkloadView): ManifestProblem[] {
  const reader = new FieldReader();
  w.running.forEach(c => {
    for (const probe of ['readinessProbe', 'startupProbe', 'livenessProbe']) {
      const exec = c.json[probe]?.exec;
      if (exec !== undefined && exec !== null) reader.stringListAt(exec, 'command', `${c.pointer}/${probe}/exec`);
    }
  });
  return reader.problems.map(p => ({ object: w.object, ...p }));
}

/** Every problem the checker's GS000 reports on the workload and the objects the drill reads with it. */
function problemsOf(w: WorkloadView, related: KubeObject[]): ManifestProblem[] {
  const problems: ManifestProblem[] = w.problems.map(p => ({ object: w.object, ...p }));
  for (const o of related) problems.push(...fieldProblemsOf(o).map(p => ({ object: o, ...p })));
  const seen = new Set(problems.map(p => `${p.pointer}\n${p.message}`));
  problems.push(...drillFieldProblems(w).filter(p => !seen.has(`${p.pointer}\n${p.message}`)));
  return problems;
}

/**
 * Reads the drill spec from manifest objects. Throws, naming what is missing, when there is
 * no workload to drill (or several and no name to pick one); throws `ManifestProblems` when the
 * workload or an object read with it has fields the API server would reject.
 */
export function drillSpecOf(objects: KubeObject[], options: SpecOptions = {}, nodes?: number): DrillSpec {
  const obj = pickWorkload(objects, options.name);
  const w = workloadOf(obj)!;
  const kind = w.kind as WorkloadKind;
  const inNamespace = (o: KubeObject) => (o.metadata?.namespace ?? '') === w.namespace;
  // A headless Service (a StatefulSet's governing one) is DNS only: the Service clients go through comes first.
  const headless = (o: KubeObject) => o.spec?.clusterIP === 'None';
  const services = objects.filter(o => o?.kind === 'Service' && inNamespace(o) && serviceSelects(o, w.templateLabels))
    .sort((a, b) => Number(headless(a)) - Number(headless(b)));
  const hpa = objects.find(o => o?.kind === 'HorizontalPodAutoscaler' && inNamespace(o)
    && o.spec?.scaleTargetRef?.kind === kind && o.spec?.scaleTargetRef?.name === w.name);
  const problems = problemsOf(w, [...services, ...budgetObjects(objects, w), ...(hpa ? [hpa] : [])]);
  if (problems.length > 0) throw new ManifestProblems(problems);
  const service = services[0];
  // The container behind the Service's targetPort, else the first that serves, else the first.
  const targets = (Array.isArray(service?.spec?.ports) ? service.spec.ports : []).map((p: any) => p?.targetPort ?? p?.port);
  const container = w.containers.find(c => c.ports.some(p => targets.includes(p.containerPort) || (p.name && targets.includes(p.name))))
    ?? w.containers.find(c => c.ports.length > 0) ?? w.containers[0];
  if (!container) {
    throw new Error(`${kind} '${w.name}' has no container`);
  }
  const autoscalerMinReplicas = hpa ? scalerOf(hpa).minReplicas : undefined;
  const { replicas, from } = replicasOf(w, autoscalerMinReplicas, options, nodes);
  const strategy = w.strategy?.type ?? 'RollingUpdate';
  const maxSurge = w.strategy?.maxSurge ?? DEPLOYMENT_DEFAULTS.maxSurge;
  const maxUnavailable = w.strategy?.maxUnavailable ?? DEPLOYMENT_DEFAULTS.maxUnavailable;
  const maxUnavailableHonoured = kind === 'StatefulSet' && (options.featureGates ?? []).includes('MaxUnavailableStatefulSet');
  return {
    kind,
    name: w.name,
    namespace: w.namespace,
    replicas,
    replicasFrom: from,
    strategy,
    ...fenceposts(kind, strategy, replicas, maxSurge, maxUnavailable, maxUnavailableHonoured),
    maxSurge,
    maxUnavailable,
    partition: kind === 'StatefulSet' ? Number(obj.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : undefined,
    podManagementPolicy: kind === 'StatefulSet' ? String(obj.spec?.podManagementPolicy ?? 'OrderedReady') : undefined,
    maxUnavailableHonoured: kind === 'StatefulSet' ? maxUnavailableHonoured : undefined,
    minReadySeconds: w.minReadySeconds,
    graceSeconds: w.graceSeconds,
    container: drillContainerOf(container),
    containers: w.running.map(drillContainerOf),
    service: service?.metadata?.name,
    publishNotReadyAddresses: service?.spec?.publishNotReadyAddresses === true,
    internalTrafficPolicy: service?.spec?.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    placement: placementOf(w),
    budgets: budgetsOf(objects, w),
    autoscalerMinReplicas,
  };
}

/** Pods added and removed at once, as each kind's controller resolves them (spec 3.2; semantics 7.2, 7.3). */
function fenceposts(
  kind: WorkloadKind, strategy: string, replicas: number, maxSurge: number | string, maxUnavailable: number | string, honoured: boolean,
): { surge: number; unavailable: number } {
  if (kind === 'StatefulSet') {
    return { surge: 0, unavailable: honoured ? Math.max(1, resolveIntOrPercent(maxUnavailable, replicas, false)) : 1 };
  }
  if (kind === 'DaemonSet') {
    return { surge: resolveIntOrPercent(maxSurge, replicas, true), unavailable: resolveIntOrPercent(maxUnavailable, replicas, true) };
  }
  return strategy === 'Recreate' ? { surge: 0, unavailable: replicas } : resolveFenceposts(replicas, maxSurge, maxUnavailable);
}
