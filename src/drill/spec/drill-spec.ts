// What the drill needs from a synthesized manifest: the Deployment's pod template timings,
// its rollout strategy, placement rules, the Service in front of it, the PodDisruptionBudget
// and autoscaler of its pods. Read with the same helpers the rule pack uses (probe defaults,
// preStop parsing, fenceposts, selectors), so the drill and the checker cannot disagree on
// what a manifest means.

import { DisruptionBudgetSpec } from '../cluster/eviction-api';
import { PlacementRules } from '../cluster/scheduler';
import { scalerOf } from '../../manifest/cluster';
import { DEPLOYMENT_DEFAULTS } from '../../manifest/defaults';
import { pdbOf } from '../../manifest/disruption';
import { KubeObject } from '../../manifest/kube-object';
import { PreStopView } from '../../manifest/pre-stop-hook';
import { ResolvedProbe } from '../../manifest/probe';
import { selectorMatches, serviceSelects } from '../../manifest/selectors';
import { ContainerView, WorkloadView, workloadOf } from '../../manifest/workload';
import { resolveFenceposts } from '../../timing/rollout-plan';

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
}

/** Everything the drill replays. */
export interface DrillSpec {
  readonly deployment: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly strategy: 'RollingUpdate' | 'Recreate';
  /** Resolved maxSurge (spec 3.2). */
  readonly surge: number;
  /** Resolved maxUnavailable (spec 3.2). */
  readonly unavailable: number;
  /** maxSurge as in the manifest (default 25 %), resolved again when an autoscaler changes replicas. */
  readonly maxSurge: number | string;
  /** maxUnavailable as in the manifest (default 25 %). */
  readonly maxUnavailable: number | string;
  readonly minReadySeconds: number;
  readonly graceSeconds: number;
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
  /** Template rules on kubernetes.io/hostname that the scheduler applies. */
  readonly placement: PlacementRules;
  /** PodDisruptionBudgets in the namespace that select the pods. */
  readonly budgets: DisruptionBudgetSpec[];
  /** The HorizontalPodAutoscaler's minReplicas, when one targets the Deployment. */
  readonly autoscalerMinReplicas?: number;
}

const HOSTNAME = 'kubernetes.io/hostname';

/** What the drill needs of one container. */
function drillContainerOf(c: ContainerView): DrillContainer {
  const env: Record<string, string> = {};
  for (const e of c.json.env ?? []) {
    if (e?.name && typeof e.value === 'string') {
      env[e.name] = e.value;
    }
  }
  return {
    name: c.name,
    sidecar: c.role === 'native-sidecar' || undefined,
    ports: c.ports.map(p => ({ name: p.name, containerPort: p.containerPort })),
    readiness: c.readiness,
    startup: c.startup,
    preStop: c.preStop,
    preStopHook: c.json.lifecycle?.preStop,
    env,
  };
}

/** topologySpreadConstraints and podAntiAffinity on kubernetes.io/hostname that select the pods themselves. */
export function placementOf(w: WorkloadView): PlacementRules {
  const selects = (selector: any) => selectorMatches(selector, w.templateLabels);
  const spread = (w.podSpec.topologySpreadConstraints ?? []).find((c: any) => c?.topologyKey === HOSTNAME && selects(c.labelSelector));
  const anti = w.podSpec.affinity?.podAntiAffinity ?? {};
  const required = (anti.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    .some((t: any) => t?.topologyKey === HOSTNAME && selects(t.labelSelector));
  const preferred = (anti.preferredDuringSchedulingIgnoredDuringExecution ?? [])
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
export function budgetsOf(objects: KubeObject[], w: WorkloadView): DisruptionBudgetSpec[] {
  return objects
    .filter(o => o?.kind === 'PodDisruptionBudget' && (o.metadata?.namespace ?? '') === w.namespace)
    .filter(o => selectorMatches(o.spec?.selector, w.templateLabels))
    .map(o => {
      const view = pdbOf(o);
      return {
        name: String(o.metadata?.name ?? ''),
        maxUnavailable: view.maxUnavailable,
        minAvailable: view.minAvailable,
        unhealthyPodEvictionPolicy: o.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ? 'AlwaysAllow' : 'IfHealthyBudget',
      };
    });
}

/**
 * Reads the drill spec from manifest objects. Throws, naming what is missing, when there is
 * no Deployment (or several and no name to pick one).
 */
export function drillSpecOf(objects: KubeObject[], deploymentName?: string): DrillSpec {
  const deployments = objects.filter(o => o?.kind === 'Deployment' && (!deploymentName || o.metadata?.name === deploymentName));
  if (deployments.length === 0) {
    throw new Error(deploymentName
      ? `no Deployment named '${deploymentName}' in the manifest; names found: ${objects.filter(o => o?.kind === 'Deployment').map(o => o.metadata?.name).join(', ') || 'none'}`
      : 'the manifest has no Deployment; pass the synthesized YAML of a Deployment (and the Service selecting it)');
  }
  if (deployments.length > 1) {
    throw new Error(`the manifest has ${deployments.length} Deployments (${deployments.map(d => d.metadata?.name).join(', ')}); choose one with --deployment <name>`);
  }
  const obj = deployments[0];
  const w = workloadOf(obj)!;
  const replicas = w.replicas ?? DEPLOYMENT_DEFAULTS.replicas;
  const services = objects.filter(o => o?.kind === 'Service' && (o.metadata?.namespace ?? '') === w.namespace && serviceSelects(o, w.templateLabels));
  const service = services[0];
  // The container behind the Service's targetPort, else the first that serves, else the first.
  const targets = (service?.spec?.ports ?? []).map((p: any) => p.targetPort ?? p.port);
  const container = w.containers.find(c => c.ports.some(p => targets.includes(p.containerPort) || (p.name && targets.includes(p.name))))
    ?? w.containers.find(c => c.ports.length > 0) ?? w.containers[0];
  if (!container) {
    throw new Error(`Deployment '${w.name}' has no container`);
  }
  const strategy = obj.spec?.strategy?.type === 'Recreate' ? 'Recreate' : 'RollingUpdate';
  const maxSurge = w.strategy?.maxSurge ?? DEPLOYMENT_DEFAULTS.maxSurge;
  const maxUnavailable = w.strategy?.maxUnavailable ?? DEPLOYMENT_DEFAULTS.maxUnavailable;
  const { surge, unavailable } = strategy === 'Recreate'
    ? { surge: 0, unavailable: replicas }
    : resolveFenceposts(replicas, maxSurge, maxUnavailable);
  const hpa = objects.find(o => o?.kind === 'HorizontalPodAutoscaler' && (o.metadata?.namespace ?? '') === w.namespace
    && o.spec?.scaleTargetRef?.kind === 'Deployment' && o.spec?.scaleTargetRef?.name === w.name);
  return {
    deployment: w.name,
    namespace: w.namespace,
    replicas,
    strategy,
    surge,
    unavailable,
    maxSurge,
    maxUnavailable,
    minReadySeconds: w.minReadySeconds,
    graceSeconds: w.graceSeconds,
    container: drillContainerOf(container),
    containers: w.running.map(drillContainerOf),
    service: service?.metadata?.name,
    publishNotReadyAddresses: service?.spec?.publishNotReadyAddresses === true,
    placement: placementOf(w),
    budgets: budgetsOf(objects, w),
    autoscalerMinReplicas: hpa ? scalerOf(hpa).minReplicas : undefined,
  };
}
