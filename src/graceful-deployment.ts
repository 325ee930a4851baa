import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GracefulPod, createDisruptionBudget, initContainersWithSidecars, renderForValidation, renderOncePerSynth, sortedKeys } from './_graceful-pod';
import * as kplus from './_kplus';
import { checkWorkloadName, DURATIONS, got, PropsProblems, ReplicaRange, resolveAutoscaling, resolvePodOptions, resolveReplicaOptions } from './_props';
import { CheckOptions } from './checks/engine';
import { startupWindowSeconds } from './checks/rules/probes';
import { addSuppressions } from './checks/suppressions';
import { recordWarning } from './checks/warnings';
import { ContainerShutdownBudget, GracefulAutoscalingOptions, GracefulPodOptions, GracefulReplicaOptions } from './graceful-options';
import { KubernetesVersion } from './kubernetes-version';
import { isRecord } from './manifest/fields';
import { workloadOf } from './manifest/workload';
import { parseQuantity } from './timing/quantity';
import { RolloutPlan, planRollout } from './timing/rollout-plan';
import { ShutdownBudget, ceilSeconds } from './timing/shutdown-budget';
import { ITrafficPathTarget, TrafficPath } from './traffic-path';

/**
 * Properties of a GracefulDeployment: every cdk8s-plus Deployment property, plus the
 * graceful-shutdown settings.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export interface GracefulDeploymentProps extends kplus.DeploymentProps, GracefulPodOptions, GracefulReplicaOptions {
  /**
   * Create a HorizontalPodAutoscaler (autoscaling/v2); `spec.replicas` is then omitted so
   * GitOps syncs do not fight the HPA.
   *
   * @default - fixed `replicas`
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly autoscaling?: GracefulAutoscalingOptions;
}

/**
 * Options for `GracefulDeployment.rolloutPlan`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export interface RolloutPlanOptions {
  /**
   * Time from pod creation to Ready.
   *
   * @default - `startupTimeout`, else the probes' worst case
   */
  readonly startupTime?: Duration;
}

/**
 * A rolling update of a GracefulDeployment, estimated: the plan, and what the cluster will show
 * of it.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status
 */
export interface DeploymentRolloutPlan extends RolloutPlan {
  /**
   * Whether the Deployment counts the pods still shutting down in `.status.terminatingReplicas`:
   * Kubernetes 1.35 and later (beta, on by default), or 1.33-1.34 with the feature gate
   * `DeploymentReplicaSetTerminatingReplicas` (KEP-3973).
   */
  readonly reportsTerminatingReplicas: boolean;

  /**
   * What `kubectl rollout status` says of the rollout and when, and what it leaves out: it reports
   * success once the new pods are available, while old pods may still be running out their grace
   * period.
   */
  readonly rolloutStatus: string;
}

/** Default minReady: one readiness period, so a pod must pass a second probe before it counts. */
const DEFAULT_MIN_READY = Duration.seconds(10);
/** Default share of replicas added during a rollout (at least one pod, spec 3.2). */
const DEFAULT_MAX_SURGE = kplus.PercentOrAbsolute.percent(25);
/** Kubernetes' default progressDeadlineSeconds (spec 3.1). */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/**
 * A cdk8s-plus Deployment that does not drop requests during rollouts, node drains and
 * scale-downs.
 *
 * Every container, including ones added later with `addContainer`, gets a preStop delay
 * that keeps it serving while proxies learn of its removal; the grace period covers the
 * worst container's preStop + drain (native sidecars after the app) + margin; the rollout
 * never drops capacity; a PodDisruptionBudget and topology spread protect against drains.
 * Synth fails, listing every problem, when the result would drop requests (the GS rule pack).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export class GracefulDeployment extends kplus.Deployment implements ITrafficPathTarget {
  /**
   * The PodDisruptionBudget, when created.
   *
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /**
   * The HorizontalPodAutoscaler, when `autoscaling` is set.
   *
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** Target Kubernetes version. */
  public readonly kubernetesVersion: KubernetesVersion;
  /** The native sidecars (`sidecars`), as cdk8s-plus containers: mount volumes and add env on them. */
  public readonly sidecars: kplus.Container[];

  private readonly pod: GracefulPod;
  private readonly startupTimeout?: Duration;

  constructor(scope: Construct, id: string, props: GracefulDeploymentProps = {}) {
    // Known at once: fail before cdk8s-plus builds anything (errors list every problem).
    const owner = `GracefulDeployment '${id}'`;
    const p = new PropsProblems();
    if (!isRecord(props)) {
      throw new Error(`${owner}: props (${got(props)}) must be an object of options, or left out; e.g. { containers: [{ image: 'ghcr.io/acme/api:1.0' }] }`);
    }
    const settings = resolvePodOptions(p, props, owner);
    const autoscaling = resolveAutoscaling(p, props.autoscaling, props.replicas, settings.version);
    const replicas = autoscaling ? undefined : p.count('replicas', props.replicas, { min: 0 }) ?? (props.replicas === undefined ? 2 : undefined);
    const replicaSettings = resolveReplicaOptions(p, props, replicaRange(autoscaling, replicas));
    const minReady = p.duration('minReady', props.minReady, DURATIONS.minReady) ?? DEFAULT_MIN_READY.toSeconds();
    const progressDeadline = p.duration('progressDeadline', props.progressDeadline, DURATIONS.progressDeadline);
    // progressDeadlineSeconds must be greater than minReadySeconds (semantics 7.1).
    if ((progressDeadline ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) <= minReady) {
      p.add(progressDeadline !== undefined
        ? `'progressDeadline' (${progressDeadline}s) must exceed 'minReady' (${minReady}s); raise 'progressDeadline'`
        : `'minReady' (${minReady}s) must be less than the default 'progressDeadline' (${DEFAULT_PROGRESS_DEADLINE_SECONDS}s); lower it or raise 'progressDeadline'`);
    }
    strategyProblems(p, props.strategy);
    p.throwIfAny(owner);

    super(scope, id, {
      minReady: DEFAULT_MIN_READY,
      ...props,
      replicas: autoscaling ? undefined : replicas,
      strategy: props.strategy ?? kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: DEFAULT_MAX_SURGE,
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      // The real value is rendered from the budget (containers and paths added later change it).
      terminationGracePeriod: Duration.seconds(settings.explicitGraceSeconds ?? 30),
      initContainers: initContainersWithSidecars(settings, props.initContainers),
    });

    checkWorkloadName(owner, 'Deployment', this.name, this.node.path);
    this.kubernetesVersion = settings.version;
    this.startupTimeout = props.startupTimeout;
    this.pod = new GracefulPod(this, settings, replicaSettings.spread, undefined, {
      strategy: props.strategy !== undefined || props.allowCapacityDrop !== undefined,
      replicas: props.replicas !== undefined || props.autoscaling !== undefined,
      disruptionBudget: props.podDisruptionBudget !== undefined || props.disruptionBudget !== undefined,
      spread: props.spreadAcrossNodes !== undefined || props.topologySpread !== undefined,
    });
    this.sidecars = this.pod.sidecars;
    p.warnings.forEach(w => recordWarning(this, w));

    if (settings.allowCapacityDrop !== undefined) {
      addSuppressions(this.apiObject, owner, { GS007: settings.allowCapacityDrop, GS008: settings.allowCapacityDrop });
    }
    if (replicaSettings.budget) {
      this.podDisruptionBudget = createDisruptionBudget(this, replicaSettings.budget);
    }
    if (autoscaling) {
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { ...(autoscaling.name !== undefined ? { name: autoscaling.name } : {}), namespace: this.metadata.namespace },
        target: this,
        minReplicas: autoscaling.minReplicas ?? 2,
        maxReplicas: autoscaling.maxReplicas,
        metrics: autoscaling.metrics ?? [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
        scaleUp: autoscaling.scaleUp,
        scaleDown: {
          ...autoscaling.scaleDown,
          stabilizationWindow: autoscaling.scaleDown?.stabilizationWindow ?? autoscaling.scaleDownStabilization ?? Duration.minutes(5),
        },
      });
      if (autoscaling.tolerance !== undefined) {
        renderTolerance(ApiObject.of(this.autoscaler), autoscaling.tolerance);
      }
      renderOncePerSynth(ApiObject.of(this.autoscaler));
    }
    this.node.addValidation({
      // The rules judge a rollout over the autoscaler's whole range (GS007), as the CLI does. The
      // companions are rendered once for validation; the synth that follows takes them (renderOncePerSynth).
      validate: () => this.pod.validate(this, () => [this.podDisruptionBudget, this.autoscaler && ApiObject.of(this.autoscaler)]
        .filter(o => o).map(o => renderForValidation(o!))),
    });
  }

  /**
   * The shutdown numbers written to the manifest: preStop, drain, margin, grace period and
   * when SIGTERM and SIGKILL come. Without an explicit `shutdown.preStopDelay`, the preStop
   * covers the slowest traffic path in front of the workload (`addTrafficPath`). The grace
   * period covers every container (`containerBudgets`).
   */
  public get shutdownBudget(): ShutdownBudget {
    return this.pod.plan().budget;
  }

  /** When each container (native sidecars after the app containers) gets SIGTERM and is done. */
  public get containerBudgets(): ContainerShutdownBudget[] {
    return this.pod.plan().containers;
  }

  /**
   * Makes the preStop delay and grace period cover a traffic path in front of the workload
   * (GracefulService calls it for its `trafficPaths`). An explicit `shutdown.preStopDelay`
   * shorter than the path's propagation delay fails synth.
   */
  public addTrafficPath(path: TrafficPath): void {
    this.pod.addTrafficPath(path);
  }

  /**
   * An object in front of the workload (Service, Ingress, BackendConfig), checked with it at
   * synth so that the rule pack judges the whole path.
   */
  public addFrontend(frontend: ApiObject): void {
    this.pod.addFrontend(frontend);
  }

  /** The traffic paths in front of the workload. */
  public get trafficPathsInFront(): TrafficPath[] {
    return this.pod.trafficPaths;
  }

  /** Whether `shutdown.preStopDelay` was set: then traffic paths cannot raise it. */
  public get hasExplicitPreStop(): boolean {
    return this.pod.hasExplicitPreStop;
  }

  /**
   * The objects this construct's own validation checks (GracefulChecks does not repeat its findings).
   *
   * @internal
   */
  public _checkedObjects(): any[] {
    return this.pod.checkedObjects(this.companions());
  }

  /**
   * The options of the rule pack in this construct's own validation (GracefulChecks reports what
   * they leave out).
   *
   * @internal
   */
  public _synthCheckOptions(): CheckOptions {
    return this.pod.synthCheckOptions();
  }

  /**
   * Estimates a rollout of the current settings: peak pods (replicas + surge + pods still
   * terminating, which Kubernetes does not count against maxSurge), the CPU and memory
   * requests at that peak, how long it takes, and what `kubectl rollout status` shows of it.
   *
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#terminating-pods
   */
  public rolloutPlan(options: RolloutPlanOptions = {}): DeploymentRolloutPlan {
    const json = this.pod.renderFresh();
    const workload = workloadOf(json)!;
    const rolling = json.spec?.strategy?.rollingUpdate ?? {};
    const replicas = this.autoscaler ? this.autoscaler.maxReplicas : (this.replicas ?? 2);
    const startup = options.startupTime ?? this.startupTimeout;
    const { cpuMillis, memoryBytes } = podRequests(json);
    const isRecreate = json.spec?.strategy?.type === 'Recreate';
    const grace = this.shutdownBudget.terminationGracePeriodSeconds;
    const plan = planRollout({
      replicas,
      maxSurge: isRecreate ? 0 : rolling.maxSurge ?? '25%',
      maxUnavailable: isRecreate ? replicas : rolling.maxUnavailable ?? '25%',
      startupSeconds: startup ? ceilSeconds(startup) : startupWindowSeconds(workload),
      minReadySeconds: this.minReady.toSeconds(),
      terminatingSeconds: grace,
      cpuMillisPerPod: Math.round(cpuMillis),
      memoryBytesPerPod: memoryBytes,
    });
    const v = this.kubernetesVersion;
    const reportsTerminatingReplicas = v.isAtLeast(KubernetesVersion.V1_35)
      || (v.isAtLeast(KubernetesVersion.V1_33) && v.hasFeatureGate('DeploymentReplicaSetTerminatingReplicas'));
    return { ...plan, reportsTerminatingReplicas, rolloutStatus: rolloutStatusText(plan, grace, reportsTerminatingReplicas) };
  }

  /** Objects this construct emits besides the Deployment. */
  private companions(): any[] {
    return [this.podDisruptionBudget?.toJson(), this.autoscaler ? ApiObject.of(this.autoscaler).toJson() : undefined].filter(o => o);
  }
}

/**
 * Writes the HPA's per-object tolerance into both scaling directions. cdk8s-plus's ScalingRules
 * have no tolerance (and the 1.27 types drop it, even after a JSON patch): added to the render.
 */
function renderTolerance(hpa: ApiObject, tolerance: number): void {
  const typed = hpa.toJson.bind(hpa);
  hpa.toJson = () => {
    const json = typed();
    const behavior = json.spec?.behavior ?? {};
    const withTolerance = (rules: any) => sortedKeys({ ...rules, tolerance: String(tolerance) });
    const withBoth = sortedKeys({ ...behavior, scaleDown: withTolerance(behavior.scaleDown), scaleUp: withTolerance(behavior.scaleUp) });
    json.spec = sortedKeys({ ...json.spec, behavior: withBoth });
    return json;
  };
}

/** What `kubectl rollout status` shows of a planned rollout (it waits for available new pods, not for old pods to exit). */
function rolloutStatusText(plan: RolloutPlan, grace: number, reportsTerminating: boolean): string {
  const round = (x: number) => Math.round(x * 10) / 10;
  const range = (a: number, b: number) => (round(a) === round(b) ? `${round(b)}s` : `${round(a)}-${round(b)}s`);
  const after = Math.max(0, plan.lastOldPodGoneAfterSeconds - plan.completeAfterSeconds);
  const shows = reportsTerminating
    ? '.status.terminatingReplicas counts them until the last is gone (kubectl get deployment <name> -o jsonpath=\'{.status.terminatingReplicas}\')'
    : 'the Deployment\'s status does not count them before Kubernetes 1.35 (.status.terminatingReplicas): watch the pods';
  return `kubectl rollout status reports "successfully rolled out" ${range(plan.earliestCompleteAfterSeconds, plan.completeAfterSeconds)} after the change, `
    + `once every new pod is available; old pods then run out their grace period (${grace}s) for up to ${round(after)}s more, `
    + `the last gone after ${range(plan.earliestLastOldPodGoneAfterSeconds, plan.lastOldPodGoneAfterSeconds)}: ${shows}`;
}

/** The replica counts the PDB must work at. */
function replicaRange(autoscaling: GracefulAutoscalingOptions | undefined, replicas: number | undefined): ReplicaRange | undefined {
  if (autoscaling) {
    const min = autoscaling.minReplicas ?? 2;
    return Number.isInteger(autoscaling.maxReplicas) && Number.isInteger(min)
      ? { smallest: min, largest: autoscaling.maxReplicas, smallestFrom: `'autoscaling.minReplicas' (${min})` } : undefined;
  }
  return replicas === undefined ? undefined : { smallest: replicas, largest: replicas, smallestFrom: `'replicas' (${replicas})` };
}

/** maxSurge and maxUnavailable as the API server reads them (semantics 7.1). */
function strategyProblems(p: PropsProblems, strategy: kplus.DeploymentStrategy | undefined): void {
  if (strategy === undefined) {
    return;
  }
  const kube = typeof (strategy as any)?._toKube === 'function' ? (strategy as any)._toKube() : undefined;
  if (!kube) {
    p.add(`'strategy' (${got(strategy)}) must be a DeploymentStrategy; e.g. DeploymentStrategy.rollingUpdate({ maxSurge: PercentOrAbsolute.percent(25), maxUnavailable: PercentOrAbsolute.absolute(0) })`);
    return;
  }
  if (kube.type !== 'RollingUpdate') {
    return;
  }
  // maxSurge: a whole number or N% (more than 100% is accepted); maxUnavailable: at most 100%.
  p.intOrPercent('strategy.maxSurge', kube.rollingUpdate?.maxSurge);
  p.intOrPercent('strategy.maxUnavailable', kube.rollingUpdate?.maxUnavailable, { maxPercent: 100 });
}

/** CPU (millicores) and memory (bytes) requested by one pod: its app containers and native sidecars, which run beside them. */
function podRequests(json: any): { cpuMillis: number; memoryBytes: number } {
  let cpuMillis = 0;
  let memoryBytes = 0;
  const spec = json.spec?.template?.spec ?? {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((i: any) => i.restartPolicy === 'Always')]) {
    const requests = c.resources?.requests ?? {};
    cpuMillis += requests.cpu !== undefined ? parseQuantity(requests.cpu) * 1000 : 0;
    memoryBytes += requests.memory !== undefined ? parseQuantity(requests.memory) : 0;
  }
  return { cpuMillis, memoryBytes };
}
