import { ApiObject, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkManifests, errorMessages } from './checks/engine';
import { startupWindowSeconds } from './checks/rules/probes';
import { MIN_SUPPRESSION_REASON_LENGTH, addSuppressions } from './checks/suppressions';
import { reportWarnings } from './checks/warnings';
import { KubernetesVersion } from './kubernetes-version';
import { DRAIN_ANNOTATION, PRE_STOP_ANNOTATION } from './manifest/kube-object';
import { probeWindowSeconds, resolveProbe } from './manifest/probe';
import { workloadOf } from './manifest/workload';
import { PreStop } from './pre-stop';
import { parseQuantity } from './timing/quantity';
import { RolloutPlan, planRollout } from './timing/rollout-plan';
import { DEFAULT_PRE_STOP_SECONDS, ShutdownBudget, ShutdownOptions, ceilSeconds, computeShutdownBudget, resolveShutdownBudget } from './timing/shutdown-budget';
import { ITrafficPathTarget, TrafficPath } from './traffic-path';

/**
 * Horizontal autoscaling of a GracefulDeployment.
 */
export interface GracefulAutoscalingOptions {
  /**
   * Most replicas.
   */
  readonly maxReplicas: number;

  /**
   * Fewest replicas.
   *
   * @default 2 - one replica leaves nothing serving while it is evicted or crashes
   */
  readonly minReplicas?: number;

  /**
   * What to scale on.
   *
   * @default - average CPU utilization of 70 % of the requests
   */
  readonly metrics?: kplus.Metric[];

  /**
   * How long the HPA waits for load to stay low before it scales down.
   *
   * @default Duration.minutes(5) - the Kubernetes default; it keeps a short dip from
   * removing pods (each removal runs the full shutdown sequence)
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * Properties of a GracefulDeployment: every cdk8s-plus Deployment property, plus the
 * graceful-shutdown settings.
 */
export interface GracefulDeploymentProps extends kplus.DeploymentProps {
  /**
   * preStop delay, drain time and margin; `terminationGracePeriod` is derived from them.
   *
   * @default - preStop 15 s, drain 15 s, margin 5 s: grace 35 s
   */
  readonly shutdown?: ShutdownOptions;

  /**
   * How containers wait during the preStop delay.
   *
   * @default PreStop.sleepCommand() - works on every Kubernetes version; needs `sleep` in the image
   */
  readonly preStop?: PreStop;

  /**
   * preStop handler per container name, where it differs from `preStop`
   * (e.g. a distroless sidecar that needs `PreStop.nativeSleep()`).
   *
   * @default - every container uses `preStop`
   */
  readonly containerPreStop?: { [containerName: string]: PreStop };

  /**
   * The oldest Kubernetes version the manifest must run on.
   *
   * @default KubernetesVersion.V1_27 - the API of the cdk8s-plus-27 types
   */
  readonly kubernetesVersion?: KubernetesVersion;

  /**
   * The longest a container may take to start. When it exceeds what the liveness probe
   * tolerates, containers get a startup probe (or a longer one) so liveness cannot kill
   * them while they boot (spec 2.5).
   *
   * @default - the probes as given
   */
  readonly startupTimeout?: Duration;

  /**
   * Accept a rollout that drops capacity (maxUnavailable > 0, maxSurge 0, or Recreate),
   * with the reason. Recorded as a suppression of GS007/GS008 on the Deployment.
   *
   * @default - such strategies are refused
   */
  readonly allowCapacityDrop?: string;

  /**
   * Create a PodDisruptionBudget (maxUnavailable 1, unhealthyPodEvictionPolicy AlwaysAllow).
   *
   * @default true - without one a node drain may evict every replica at once
   */
  readonly podDisruptionBudget?: boolean;

  /**
   * Spread replicas across nodes and zones (topologySpreadConstraints with
   * whenUnsatisfiable: ScheduleAnyway).
   *
   * @default true - preferred, not required, so small clusters still schedule every pod
   */
  readonly spreadAcrossNodes?: boolean;

  /**
   * Create a HorizontalPodAutoscaler (autoscaling/v2); `spec.replicas` is then omitted so
   * GitOps syncs do not fight the HPA.
   *
   * @default - fixed `replicas`
   */
  readonly autoscaling?: GracefulAutoscalingOptions;
}

/**
 * Options for `GracefulDeployment.rolloutPlan`.
 */
export interface RolloutPlanOptions {
  /**
   * Time from pod creation to Ready.
   *
   * @default - `startupTimeout`, else the probes' worst case
   */
  readonly startupTime?: Duration;
}

/** Default minReady: one readiness period, so a pod must pass a second probe before it counts. */
const DEFAULT_MIN_READY = Duration.seconds(10);
/** Default share of replicas added during a rollout (at least one pod, spec 3.2). */
const DEFAULT_MAX_SURGE = kplus.PercentOrAbsolute.percent(25);

/**
 * A cdk8s-plus Deployment that does not drop requests during rollouts, node drains and
 * scale-downs.
 *
 * Every container, including ones added later with `addContainer`, gets a preStop delay
 * that keeps it serving while proxies learn of its removal; the grace period covers
 * preStop + drain + margin; the rollout never drops capacity; a PodDisruptionBudget and
 * topology spread protect against drains. Synth fails, listing every problem, when the
 * result would drop requests (the GS rule pack).
 */
export class GracefulDeployment extends kplus.Deployment implements ITrafficPathTarget {
  /** The PodDisruptionBudget, when created. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The HorizontalPodAutoscaler, when `autoscaling` is set. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** Target Kubernetes version. */
  public readonly kubernetesVersion: KubernetesVersion;

  private readonly shutdownOptions: ShutdownOptions;
  private readonly explicitGrace?: Duration;
  private readonly trafficPaths: TrafficPath[] = [];
  private readonly frontends: ApiObject[] = [];
  private readonly defaultPreStop: PreStop;
  private readonly containerPreStop: { [name: string]: PreStop };
  private readonly startupTimeout?: Duration;
  private readonly spreadAcrossNodes: boolean;
  /**
   * The JSON rendered for validation, reused by the synth that follows in the same
   * synchronous call (cdk8s validates, then renders): rendering is most of synth's cost.
   * Cleared at the next microtask, so a later change is always rendered afresh.
   */
  private renderedForSynth?: any;

  constructor(scope: Construct, id: string, props: GracefulDeploymentProps = {}) {
    // Known at once: fail before cdk8s-plus builds anything (errors list every problem).
    const version = props.kubernetesVersion ?? KubernetesVersion.V1_27;
    const defaultPreStop = props.preStop ?? PreStop.sleepCommand();
    const containerPreStop = props.containerPreStop ?? {};
    const problems: string[] = [];
    let budget: ShutdownBudget | undefined;
    try {
      budget = computeShutdownBudget(props.shutdown, props.terminationGracePeriod);
    } catch (e) {
      problems.push(...(e as Error).message.split('\n'));
    }
    problems.push(...constructorProblems(props, version, defaultPreStop, containerPreStop));
    if (!budget || problems.length > 0) {
      throw new Error(`GracefulDeployment '${id}':\n  ${problems.join('\n  ')}`);
    }

    super(scope, id, {
      minReady: DEFAULT_MIN_READY,
      ...props,
      replicas: props.autoscaling ? undefined : (props.replicas ?? 2),
      strategy: props.strategy ?? kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: DEFAULT_MAX_SURGE,
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      terminationGracePeriod: Duration.seconds(budget.terminationGracePeriodSeconds),
    });

    this.shutdownOptions = props.shutdown ?? {};
    this.explicitGrace = props.terminationGracePeriod;
    this.kubernetesVersion = version;
    this.defaultPreStop = defaultPreStop;
    this.containerPreStop = containerPreStop;
    this.startupTimeout = props.startupTimeout;
    this.spreadAcrossNodes = props.spreadAcrossNodes ?? true;

    if (props.allowCapacityDrop !== undefined) {
      addSuppressions(this.apiObject, `GracefulDeployment '${id}'`, { GS007: props.allowCapacityDrop, GS008: props.allowCapacityDrop });
    }

    if (props.podDisruptionBudget ?? true) {
      this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { namespace: this.metadata.namespace },
        spec: {
          // One at a time: drains proceed, and never more than one replica is lost (spec 6.2).
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: Lazy.any({ produce: () => ({ matchLabels: this.matchLabels }) }),
          // A crash-looping pod must not block drains (spec 6.3).
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    if (props.autoscaling) {
      const a = props.autoscaling;
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { namespace: this.metadata.namespace },
        target: this,
        minReplicas: a.minReplicas ?? 2,
        maxReplicas: a.maxReplicas,
        metrics: a.metrics ?? [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
        scaleDown: { stabilizationWindow: a.scaleDownStabilization ?? Duration.minutes(5) },
      });
    }

    // cdk8s-plus renders through the 1.27 types, which drop fields they do not know (the
    // native preStop `sleep`), even after JSON patches. The rendered JSON is the one place
    // where every container is visible, including those added after construction.
    const resource: ApiObject = this.apiObject;
    const render = resource.toJson.bind(resource);
    resource.toJson = () => this.renderedForSynth ?? this.applyGracefulSettings(render());

    this.node.addValidation({ validate: () => this.validateGraceful() });
  }

  /**
   * The shutdown numbers written to the manifest: preStop, drain, margin, grace period and
   * when SIGTERM and SIGKILL come. Without an explicit `shutdown.preStopDelay`, the preStop
   * covers the slowest traffic path in front of the workload (`addTrafficPath`).
   */
  public get shutdownBudget(): ShutdownBudget {
    return this.resolveBudget().budget;
  }

  /**
   * Makes the preStop delay and grace period cover a traffic path in front of the workload
   * (GracefulService calls it for its `trafficPaths`). An explicit `shutdown.preStopDelay`
   * shorter than the path's propagation delay fails synth.
   */
  public addTrafficPath(path: TrafficPath): void {
    this.trafficPaths.push(path);
  }

  /**
   * An object in front of the workload (Service, Ingress, BackendConfig), checked with it at
   * synth so that the rule pack judges the whole path.
   */
  public addFrontend(frontend: ApiObject): void {
    this.frontends.push(frontend);
  }

  /** The traffic paths in front of the workload. */
  public get trafficPathsInFront(): TrafficPath[] {
    return [...this.trafficPaths];
  }

  /** Whether `shutdown.preStopDelay` was set: then traffic paths cannot raise it. */
  public get hasExplicitPreStop(): boolean {
    return this.shutdownOptions.preStopDelay !== undefined;
  }

  /** The budget from the options and the paths in front, with what is wrong with it. */
  private resolveBudget(): { budget: ShutdownBudget; problems: string[] } {
    const explicit = this.shutdownOptions.preStopDelay;
    const slowest = Math.max(DEFAULT_PRE_STOP_SECONDS, ...this.trafficPaths.map(p => ceilSeconds(p.recommendedPreStop)));
    return resolveShutdownBudget({ ...this.shutdownOptions, preStopDelay: explicit ?? Duration.seconds(slowest) }, this.explicitGrace);
  }

  /** What the traffic paths need that the budget does not give. */
  private trafficPathProblems(budget: ShutdownBudget): string[] {
    const problems: string[] = [];
    for (const path of this.trafficPaths) {
      const lag = ceilSeconds(path.propagationDelay);
      if (budget.preStopSeconds < lag) {
        problems.push(`'shutdown.preStopDelay' (${budget.preStopSeconds}s) must cover the traffic path ${path.name}, which may send new requests for up to ${lag}s after a pod's deletion `
          + `(${path.source}); raise it to at least ${ceilSeconds(path.recommendedPreStop)}s, or omit it to derive it from the paths`);
      }
      const lbDrain = path._drainSeconds(budget.drainSeconds);
      if (lbDrain !== undefined && lbDrain > budget.preStopSeconds + budget.drainSeconds) {
        problems.push(`the load balancer drain of ${path.name} (${lbDrain}s) must not exceed preStop (${budget.preStopSeconds}s) + drain (${budget.drainSeconds}s) = `
          + `${budget.preStopSeconds + budget.drainSeconds}s, or the pod closes connections the load balancer still uses; lower it or raise 'shutdown.drainTimeout'`);
      }
    }
    return problems;
  }

  /**
   * Estimates a rollout of the current settings: peak pods (replicas + surge + pods still
   * terminating, which Kubernetes does not count against maxSurge), the CPU and memory
   * requests at that peak, and how long it takes.
   */
  public rolloutPlan(options: RolloutPlanOptions = {}): RolloutPlan {
    const json = this.renderFresh();
    const workload = workloadOf(json)!;
    const rolling = json.spec?.strategy?.rollingUpdate ?? {};
    const replicas = this.autoscaler ? this.autoscaler.maxReplicas : (this.replicas ?? 2);
    const startup = options.startupTime ?? this.startupTimeout;
    let cpuMillis = 0;
    let memoryBytes = 0;
    for (const c of workload.containers) {
      const requests = c.json.resources?.requests ?? {};
      cpuMillis += requests.cpu !== undefined ? parseQuantity(requests.cpu) * 1000 : 0;
      memoryBytes += requests.memory !== undefined ? parseQuantity(requests.memory) : 0;
    }
    const isRecreate = json.spec?.strategy?.type === 'Recreate';
    return planRollout({
      replicas,
      maxSurge: isRecreate ? 0 : rolling.maxSurge ?? '25%',
      maxUnavailable: isRecreate ? replicas : rolling.maxUnavailable ?? '25%',
      startupSeconds: startup ? ceilSeconds(startup) : startupWindowSeconds(workload),
      minReadySeconds: this.minReady.toSeconds(),
      terminatingSeconds: this.shutdownBudget.terminationGracePeriodSeconds,
      cpuMillisPerPod: Math.round(cpuMillis),
      memoryBytesPerPod: memoryBytes,
    });
  }

  /** The Deployment as JSON from the current state, never from the synth cache. */
  private renderFresh(): any {
    this.renderedForSynth = undefined;
    return this.apiObject.toJson();
  }

  /** The preStop handler a container gets. */
  private preStopFor(containerName: string): PreStop {
    return this.containerPreStop[containerName] ?? this.defaultPreStop;
  }

  /** Adds the graceful settings to the rendered Deployment JSON. */
  private applyGracefulSettings(json: any): any {
    const podSpec = json?.spec?.template?.spec;
    if (!podSpec) {
      return json;
    }
    const budget = this.shutdownBudget;
    // Rendered here, not in the constructor: traffic paths added later change the budget.
    podSpec.terminationGracePeriodSeconds = budget.terminationGracePeriodSeconds;
    // Declared for the rule pack (and any checker reading the YAML): the drain the grace
    // period must cover, and the delay of preStop hooks that are not a plain sleep.
    json.metadata = sortedKeys({
      ...json.metadata,
      annotations: sortedKeys({ ...json.metadata?.annotations, [DRAIN_ANNOTATION]: String(budget.drainSeconds), [PRE_STOP_ANNOTATION]: String(budget.preStopSeconds) }),
    });
    podSpec.containers = (podSpec.containers ?? []).map((container: any) => {
      const ports: number[] = (container.ports ?? []).map((p: any) => p.containerPort);
      // A container's own preStop is respected; the budget takes shutdown.preStopDelay as its delay.
      if (!container.lifecycle?.preStop) {
        container.lifecycle = sortedKeys({
          ...container.lifecycle,
          preStop: this.preStopFor(container.name)._render(budget.preStopSeconds, ports),
        });
      }
      this.fitStartupProbe(container);
      // Keep the key order cdk8s gives everything else, unless the user turned sorting off.
      return sortedKeys(container);
    });
    if (this.spreadAcrossNodes && !podSpec.topologySpreadConstraints && !podSpec.affinity?.podAntiAffinity) {
      const matchLabels = json.spec.selector?.matchLabels;
      podSpec.topologySpreadConstraints = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
        // Copies, not shared references: shared objects would render as YAML anchors.
        labelSelector: matchLabels ? { matchLabels: { ...matchLabels } } : undefined,
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
      }));
    }
    json.spec.template.spec = sortedKeys(podSpec);
    return json;
  }

  /**
   * Gives a slow starter a startup probe long enough for `startupTimeout` (spec 2.5:
   * liveness waits for it). A startup probe left at its defaults (such as the tcpSocket
   * one cdk8s-plus adds) is lengthened; one with timings of its own that is too short
   * fails validation instead.
   */
  private fitStartupProbe(container: any): void {
    if (!this.startupTimeout) {
      return;
    }
    const timeout = ceilSeconds(this.startupTimeout);
    const startup = container.startupProbe;
    if (startup) {
      if (leftAtDefaults(startup)) {
        const resolved = resolveProbe(startup)!;
        startup.failureThreshold = Math.max(resolved.failureThreshold, Math.ceil((timeout - resolved.initialDelaySeconds) / resolved.periodSeconds));
      }
      return;
    }
    const liveness = resolveProbe(container.livenessProbe);
    if (!liveness || probeWindowSeconds(liveness) >= timeout) {
      return;
    }
    const { handler, periodSeconds } = resolveProbe(container.readinessProbe) ?? liveness;
    container.startupProbe = sortedKeys({ ...structuredClone(handler), periodSeconds, failureThreshold: Math.ceil(timeout / periodSeconds) });
  }

  /** Synth-time checks: the GS rule pack on what this construct renders. */
  private validateGraceful(): string[] {
    if (this.containers.length === 0) {
      return ['GracefulDeployment has no containers; add one with `containers: [{ image: ... }]` or `addContainer()`'];
    }
    const problems: string[] = [];
    const json = this.renderFresh();
    this.renderedForSynth = json;
    queueMicrotask(() => this.renderedForSynth = undefined);
    for (const container of json.spec.template.spec.containers) {
      if (this.startupTimeout && container.startupProbe) {
        const window = probeWindowSeconds(resolveProbe(container.startupProbe)!);
        if (window < ceilSeconds(this.startupTimeout)) {
          problems.push(`container '${container.name}': its startupProbe allows ${window}s (initialDelay + failureThreshold × period) but 'startupTimeout' is ${ceilSeconds(this.startupTimeout)}s; liveness could kill it while it boots. Raise the startup probe's failureThreshold to ${Math.ceil(ceilSeconds(this.startupTimeout) / resolveProbe(container.startupProbe)!.periodSeconds)} or lower 'startupTimeout'`);
        }
      }
    }
    const { budget, problems: budgetProblems } = this.resolveBudget();
    problems.push(...budgetProblems, ...this.trafficPathProblems(budget));
    const objects = [json, this.podDisruptionBudget?.toJson(), this.autoscaler ? ApiObject.of(this.autoscaler).toJson() : undefined, ...this.frontends.map(f => f.toJson())]
      .filter(o => o);
    const report = checkManifests(objects);
    reportWarnings(this, report.findings);
    return [...problems, ...errorMessages(report)];
  }
}

/**
 * The object with its own keys sorted, as cdk8s renders (unless CDK8S_DISABLE_SORT is set).
 * Shallow: the values we insert are built in sorted order.
 */
function sortedKeys(value: any): any {
  if (process.env.CDK8S_DISABLE_SORT) {
    return value;
  }
  const sorted: any = {};
  for (const k of Object.keys(value).sort()) {
    sorted[k] = value[k];
  }
  return sorted;
}

/**
 * True for a probe with no timing of its own: such as the tcpSocket startup probe
 * cdk8s-plus adds to every container with a port (it renders failureThreshold 3).
 */
function leftAtDefaults(probe: any): boolean {
  return probe.initialDelaySeconds === undefined && probe.periodSeconds === undefined
    && probe.timeoutSeconds === undefined && probe.successThreshold === undefined
    && (probe.failureThreshold === undefined || probe.failureThreshold === 3);
}

/** Problems known from the props alone. */
function constructorProblems(props: GracefulDeploymentProps, version: KubernetesVersion, defaultPreStop: PreStop, containerPreStop: { [name: string]: PreStop }): string[] {
  const problems: string[] = [];
  const usesNativeSleep = [defaultPreStop, ...Object.values(containerPreStop)].some(p => p._kind === 'sleep');
  if (usesNativeSleep && !version.isAtLeast(KubernetesVersion.V1_30)) {
    problems.push(`'preStop' PreStop.nativeSleep() needs Kubernetes 1.30 or newer (beta 1.30, GA 1.34) but 'kubernetesVersion' is ${version}; `
      + 'set `kubernetesVersion: KubernetesVersion.of(\'1.30\')` (or newer) if your clusters run it, or use PreStop.sleepCommand() with an image that has `sleep`');
  }
  if (props.autoscaling) {
    if (props.replicas !== undefined) {
      problems.push(`'replicas' (${props.replicas}) must not be set with 'autoscaling': the HPA owns the replica count and GitOps syncs would reset it; remove 'replicas' and use 'autoscaling.minReplicas'`);
    }
    const min = props.autoscaling.minReplicas ?? 2;
    if (!Number.isInteger(props.autoscaling.maxReplicas) || props.autoscaling.maxReplicas < min) {
      problems.push(`'autoscaling.maxReplicas' (${props.autoscaling.maxReplicas}) must be a whole number of at least 'autoscaling.minReplicas' (${min}); raise maxReplicas`);
    }
  }
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0)) {
    problems.push(`'replicas' (${props.replicas}) must be a whole number of zero or more`);
  }
  if (props.allowCapacityDrop !== undefined && props.allowCapacityDrop.trim().length < MIN_SUPPRESSION_REASON_LENGTH) {
    problems.push(`'allowCapacityDrop' (${JSON.stringify(props.allowCapacityDrop)}) must be a reason of at least ${MIN_SUPPRESSION_REASON_LENGTH} characters; say why dropping capacity during rollouts is acceptable`);
  }
  const minReady = props.minReady ?? DEFAULT_MIN_READY;
  if (props.progressDeadline && props.progressDeadline.toSeconds() <= minReady.toSeconds()) {
    problems.push(`'progressDeadline' (${props.progressDeadline.toSeconds()}s) must exceed 'minReady' (${minReady.toSeconds()}s); raise 'progressDeadline'`);
  }
  return problems;
}
