import { Duration } from 'cdk8s';
import * as kplus from './_kplus';
import { KubernetesVersion } from './kubernetes-version';
import { PreStop } from './pre-stop';
import { ShutdownOptions } from './timing/shutdown-budget';
import { TrafficPath } from './traffic-path';

/**
 * The signal the kubelet sends a container to stop it (`lifecycle.stopSignal`), instead of the
 * image's `STOPSIGNAL` (SIGTERM when the image declares none).
 *
 * `lifecycle.stopSignal` is alpha from Kubernetes 1.33 (feature gate `ContainerStopSignals`, off by
 * default; beta is targeted for 1.38, see `KubernetesVersion.V1_38`) and needs `spec.os.name`,
 * which the constructs then set to `linux` (spec 1.8).
 *
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
 */
export class StopSignal {
  /** nginx's and OpenResty's graceful stop: finish requests in flight, then exit. */
  public static readonly SIGQUIT = new StopSignal('SIGQUIT');
  /** Apache httpd's graceful stop. */
  public static readonly SIGWINCH = new StopSignal('SIGWINCH');
  /** The default stop signal. */
  public static readonly SIGTERM = new StopSignal('SIGTERM');
  /** Interrupt (Ctrl-C). */
  public static readonly SIGINT = new StopSignal('SIGINT');
  /** User-defined signal 1. */
  public static readonly SIGUSR1 = new StopSignal('SIGUSR1');
  /** User-defined signal 2. */
  public static readonly SIGUSR2 = new StopSignal('SIGUSR2');

  /**
   * A Linux signal by name, e.g. `'SIGQUIT'`.
   */
  public static of(name: string): StopSignal {
    // The Linux signals lifecycle.stopSignal accepts (semantics 7.4; KEP-4960).
    const known = ['SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT', 'SIGIO', 'SIGIOT', 'SIGKILL',
      'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR', 'SIGQUIT', 'SIGSEGV', 'SIGSTKFLT', 'SIGSTOP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTSTP', 'SIGTTIN',
      'SIGTTOU', 'SIGURG', 'SIGUSR1', 'SIGUSR2', 'SIGVTALRM', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ'];
    if (typeof name !== 'string' || !known.includes(name)) {
      throw new Error(`'StopSignal.of' name (${JSON.stringify(name)}) must be a Linux signal name such as 'SIGQUIT'; known: ${known.join(', ')}`);
    }
    return new StopSignal(name);
  }

  private constructor(
    /** The signal name, as `lifecycle.stopSignal` takes it. */
    public readonly name: string) {}
}

/**
 * A container's own shutdown, where it differs from the pod's `shutdown`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export interface ContainerShutdownOptions {
  /**
   * How long the container keeps serving after the pod's deletion before SIGTERM.
   *
   * @default - app containers: `shutdown.preStopDelay` (derived from the traffic paths when that
   * is unset); native sidecars: none, since the kubelet stops them only after the app (spec 1.9)
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  readonly preStopDelay?: Duration;

  /**
   * How long the container needs after SIGTERM to finish and exit.
   *
   * @default - app containers: `shutdown.drainTimeout`; native sidecars: 5 s, to flush and close
   * once the app, their only client, is gone
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  readonly drainTimeout?: Duration;

  /**
   * The signal that stops the container (`lifecycle.stopSignal`), e.g. `StopSignal.SIGQUIT` for
   * nginx in an image without `STOPSIGNAL SIGQUIT`. Needs
   * `kubernetesVersion: KubernetesVersion.of('1.33').withFeatureGates('ContainerStopSignals')`.
   *
   * @default - the image's STOPSIGNAL (SIGTERM when it declares none)
   * @see https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/
   */
  readonly stopSignal?: StopSignal;
}

/**
 * A native sidecar: a container that starts before the app containers and is stopped only
 * after they have exited (an init container with `restartPolicy: Always`, spec 1.9).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
 */
export interface GracefulSidecarProps extends kplus.ContainerProps {
  /**
   * Its preStop delay, drain and stop signal.
   *
   * @default - no preStop, a 5 s drain: it gets SIGTERM after the app containers exited
   */
  readonly shutdown?: ContainerShutdownOptions;

  /**
   * How it waits during its preStop delay, when it has one.
   *
   * @default - the workload's `preStop`
   */
  readonly preStop?: PreStop;
}

/**
 * When one container of the pod gets SIGTERM and is done, counted from the pod's deletion.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export interface ContainerShutdownBudget {
  /** Container name. */
  readonly container: string;
  /** Whether it is a native sidecar, stopped after the app containers (spec 1.9). */
  readonly sidecar: boolean;
  /** Seconds its preStop keeps it serving (0 without a hook). */
  readonly preStopSeconds: number;
  /** Seconds it needs after SIGTERM. */
  readonly drainSeconds: number;
  /** Seconds after the deletion at which it gets SIGTERM. */
  readonly sigtermAtSeconds: number;
  /** Seconds after the deletion at which it has drained; within `terminationGracePeriodSeconds`. */
  readonly doneAtSeconds: number;
}

/**
 * The size of a PodDisruptionBudget: how many pods a node drain may evict at once. Set one of
 * the two; percentages are of the replicas at the time of the drain.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export interface DisruptionBudgetOptions {
  /**
   * Pods that may be unavailable at once, e.g. `PercentOrAbsolute.percent(10)` for an HPA of 3-30.
   *
   * @default - 1 when `minAvailable` is unset
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget
   */
  readonly maxUnavailable?: kplus.PercentOrAbsolute;

  /**
   * Pods that must stay available. Checked against the replicas (or the autoscaler's minimum) so
   * that it never blocks a node drain.
   *
   * @default - unset: the budget is `maxUnavailable`
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget
   */
  readonly minAvailable?: kplus.PercentOrAbsolute;

  /**
   * The PodDisruptionBudget's name (`metadata.name`): a DNS-1123 subdomain.
   *
   * @default - derived from the construct path, with a hash suffix (as every cdk8s name)
   */
  readonly name?: string;
}

/**
 * How replicas are spread (`topologySpreadConstraints`).
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export interface TopologySpreadOptions {
  /**
   * Largest allowed difference in pods between two nodes (or zones).
   *
   * @default 1
   */
  readonly maxSkew?: number;

  /**
   * Spread across nodes (`kubernetes.io/hostname`).
   *
   * @default true - a node that goes down or is drained takes as few replicas as possible with it
   */
  readonly acrossNodes?: boolean;

  /**
   * Spread across zones (`topology.kubernetes.io/zone`).
   *
   * @default true
   */
  readonly acrossZones?: boolean;

  /**
   * Refuse to schedule a pod that would break the spread (`DoNotSchedule`) instead of preferring
   * the spread (`ScheduleAnyway`).
   *
   * @default false - preferred: small clusters and surge pods still schedule
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly required?: boolean;
}

/**
 * Graceful-shutdown options every graceful workload takes (GracefulDeployment,
 * GracefulStatefulSet, GracefulDaemonSet).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export interface GracefulPodOptions {
  /**
   * preStop delay, drain time and margin; `terminationGracePeriod` is derived from them.
   *
   * @default - preStop 15 s (or what the traffic paths in front need), drain 15 s, margin 5 s: grace 35 s
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  readonly shutdown?: ShutdownOptions;

  /**
   * How containers wait during the preStop delay.
   *
   * @default - `PreStop.nativeSleep()` when `kubernetesVersion` is 1.30 or newer (the kubelet's own
   * sleep: nothing needed in the image; so by default in graceful-k8s-33 and -34), else
   * `PreStop.sleepCommand()`, which works on every version but needs `sleep` in the image
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  readonly preStop?: PreStop;

  /**
   * preStop handler per container name, where it differs from `preStop`
   * (e.g. `PreStop.sleepThen(['nginx', '-s', 'quit'])` for nginx in an image without
   * `STOPSIGNAL SIGQUIT`, or `PreStop.nativeSleep()` for a distroless container).
   *
   * @default - every container uses `preStop`
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
   */
  readonly containerPreStop?: { [containerName: string]: PreStop };

  /**
   * preStop delay, drain and stop signal per container name, where a container differs from
   * `shutdown` (e.g. a proxy that must outlive the app). The grace period covers the worst
   * container.
   *
   * @default - every container uses `shutdown`
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  readonly containerShutdown?: { [containerName: string]: ContainerShutdownOptions };

  /**
   * Native sidecars (init containers with `restartPolicy: Always`): started before the app
   * containers and stopped only after they exit, so a database or mesh proxy outlives the app's
   * drain (spec 1.9). The grace period covers the app's preStop + drain, then each sidecar's drain.
   * Needs Kubernetes 1.29 or newer.
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  readonly sidecars?: GracefulSidecarProps[];

  /**
   * The oldest Kubernetes version the manifest must run on, with the feature gates its clusters
   * enable beyond the defaults.
   *
   * @default - the version whose API the cdk8s-plus types describe: `KubernetesVersion.V1_27` in
   * graceful-k8s (cdk8s-plus-27), `V1_33` in graceful-k8s-33, `V1_34` in graceful-k8s-34
   * @see https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/
   */
  readonly kubernetesVersion?: KubernetesVersion;

  /**
   * The longest a container may take to start. When it exceeds what the liveness probe
   * tolerates, containers get a startup probe (or a longer one) so liveness cannot kill them
   * while they boot (spec 2.5).
   *
   * @default - the probes as given
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
   */
  readonly startupTimeout?: Duration;

  /**
   * Paths that bring traffic to the pods without a GracefulService: host ports behind an
   * external load balancer (`TrafficPath.nodeLocal()`), a data plane of your own
   * (`TrafficPath.custom()`). The preStop delay and grace period cover the slowest path.
   *
   * @default - only the paths of the GracefulServices in front
   * @see https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
   */
  readonly trafficPaths?: TrafficPath[];

  /**
   * Accept an update strategy that drops serving capacity (maxUnavailable > 0, maxSurge 0,
   * Recreate), with the reason. Recorded as a suppression of GS007/GS008.
   *
   * @default - such strategies are refused
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable
   */
  readonly allowCapacityDrop?: string;
}

/**
 * Options of graceful workloads with replicas (GracefulDeployment, GracefulStatefulSet): node
 * drains evict their pods, so they get a PodDisruptionBudget and spread.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
 */
export interface GracefulReplicaOptions {
  /**
   * Create a PodDisruptionBudget (unhealthyPodEvictionPolicy AlwaysAllow), sized by
   * `disruptionBudget`.
   *
   * @default true - without one a node drain may evict every replica at once
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly podDisruptionBudget?: boolean;

  /**
   * The PodDisruptionBudget's size: `maxUnavailable` (a number or a percentage) or
   * `minAvailable`, checked against the replicas or the autoscaler's minimum so that it never
   * blocks a node drain.
   *
   * @default - maxUnavailable 1
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;

  /**
   * Spread replicas across nodes and zones (topologySpreadConstraints).
   *
   * @default true - preferred, not required, so small clusters still schedule every pod
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly spreadAcrossNodes?: boolean;

  /**
   * How replicas are spread when `spreadAcrossNodes` is on: maxSkew, nodes and/or zones,
   * required or preferred.
   *
   * @default - maxSkew 1 across nodes and zones, preferred (ScheduleAnyway)
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly topologySpread?: TopologySpreadOptions;
}

/**
 * Horizontal autoscaling of a graceful workload (HPA, autoscaling/v2).
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface GracefulAutoscalingOptions {
  /**
   * Most replicas.
   */
  readonly maxReplicas: number;

  /**
   * Fewest replicas. The API server rejects 0 (scale to zero is alpha through 1.34).
   *
   * @default 2 - one replica leaves nothing serving while it is evicted or crashes
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly minReplicas?: number;

  /**
   * What to scale on.
   *
   * @default - average CPU utilization of 70 % of the requests
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/
   */
  readonly metrics?: kplus.Metric[];

  /**
   * How long the HPA waits for load to stay low before it scales down.
   *
   * @default Duration.minutes(5) - the Kubernetes default; it keeps a short dip from
   * removing pods (each removal runs the full shutdown sequence)
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window
   */
  readonly scaleDownStabilization?: Duration;

  /**
   * How the HPA scales down: stabilization window, policies, strategy. Its
   * `stabilizationWindow` and `scaleDownStabilization` are the same setting: set one.
   *
   * @default - `scaleDownStabilization`, and at most the minimum replica count removed per 5 minutes
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
   */
  readonly scaleDown?: kplus.ScalingRules;

  /**
   * How the HPA scales up: stabilization window, policies, strategy. A burst of new pods is a
   * burst of pods starting: with slow starters, a window or a pods-per-period policy keeps the
   * HPA from overshooting while they boot.
   *
   * @default - no stabilization; up to 4 pods or double the replicas per minute, whichever is more
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
   */
  readonly scaleUp?: kplus.ScalingRules;

  /**
   * How far the metric may stray from its target before the HPA scales, as a fraction (0.05 for
   * 5 %), in both directions (`behavior.scaleUp.tolerance` and `behavior.scaleDown.tolerance`).
   * Each scale-down runs the full shutdown sequence on the pods it removes: a larger tolerance
   * keeps a wobbling metric from churning pods; a smaller one suits large deployments, where the
   * cluster-wide 10 % is tens of pods. Needs Kubernetes 1.35 or newer (beta, on by default; GA in
   * 1.37), or 1.33-1.34 with the feature gate `HPAConfigurableTolerance`.
   *
   * @default - the cluster-wide tolerance, 0.1 unless kube-controller-manager's `--horizontal-pod-autoscaler-tolerance` says otherwise
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#tolerance
   */
  readonly tolerance?: number;

  /**
   * The HorizontalPodAutoscaler's name (`metadata.name`): a DNS-1123 subdomain.
   *
   * @default - derived from the construct path, with a hash suffix (as every cdk8s name)
   */
  readonly name?: string;
}
