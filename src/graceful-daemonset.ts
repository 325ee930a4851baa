import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GracefulPod, initContainersWithSidecars, sortedKeys } from './_graceful-pod';
import * as kplus from './_kplus';
import { checkWorkloadName, DURATIONS, got, PropsProblems, resolvePodOptions } from './_props';
import { CheckOptions } from './checks/engine';
import { addSuppressions } from './checks/suppressions';
import { recordNote, recordWarning } from './checks/warnings';
import { ContainerShutdownBudget, GracefulPodOptions } from './graceful-options';
import { KubernetesVersion } from './kubernetes-version';
import { isRecord } from './manifest/fields';
import { ShutdownBudget } from './timing/shutdown-budget';
import { ITrafficPathTarget, TrafficPath } from './traffic-path';

/**
 * How a DaemonSet replaces its pod on each node during an update. Kubernetes accepts exactly
 * one of maxSurge and maxUnavailable non-zero (semantics 7.3).
 *
 * @see https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/
 */
export class GracefulDaemonSetStrategy {
  /**
   * Starts the new pod next to the old one on each node and removes the old one once the new
   * one is available: the node never goes without a serving pod. Impossible when the pods bind
   * a hostPort or the host network (both pods would need the same node port). For an agent that
   * must be alone on its node (a log shipper with a position file on a hostPath, a device or CNI
   * agent), two pods at once means duplicate or conflicting work: use `replace()` (docs/workloads.md).
   *
   * @param maxSurge nodes updated at once; default 1
   * @see https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/
   */
  public static surge(maxSurge?: kplus.PercentOrAbsolute): GracefulDaemonSetStrategy {
    return new GracefulDaemonSetStrategy('surge', maxSurge);
  }

  /**
   * Stops the old pod on a node before starting the new one: the node serves nothing in between,
   * so a load balancer in front must stop sending to it first (`TrafficPath.nodeLocal()`). The
   * only choice for pods that bind host ports, and the right one for node agents that must be
   * alone on their node (docs/workloads.md); a pod that serves traffic without host ports needs
   * `allowCapacityDrop` for it.
   *
   * @param maxUnavailable nodes updated at once; default 1
   * @see https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/
   */
  public static replace(maxUnavailable?: kplus.PercentOrAbsolute): GracefulDaemonSetStrategy {
    return new GracefulDaemonSetStrategy('replace', maxUnavailable);
  }

  /**
   * No automatic update: a node's pod is replaced when someone deletes it.
   *
   * @see https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/
   */
  public static onDelete(): GracefulDaemonSetStrategy {
    return new GracefulDaemonSetStrategy('onDelete');
  }

  private constructor(
    /** @internal */
    public readonly _kind: 'surge' | 'replace' | 'onDelete',
    /** @internal */
    public readonly _amount?: kplus.PercentOrAbsolute) {}
}

/** Default minReady: one readiness period, so a pod must pass a second probe before the next node's pod goes. */
const DEFAULT_MIN_READY_SECONDS = 10;

/**
 * Properties of a GracefulDaemonSet: every cdk8s-plus DaemonSet property, plus the
 * graceful-shutdown settings. No PodDisruptionBudget: node drains skip DaemonSet pods.
 *
 * cdk8s-plus's `DaemonSetProps` adds one field to `WorkloadProps`, `minReadySeconds` (a number);
 * it is declared here (deprecated for `minReady`, a Duration as elsewhere) rather than inherited.
 */
export interface GracefulDaemonSetProps extends kplus.WorkloadProps, GracefulPodOptions {
  /**
   * How long a new pod must be Ready, without a container crashing, before it counts as
   * available and the update moves on to the next node (`minReadySeconds`).
   *
   * @default Duration.seconds(10) - one readiness period: a pod must pass a second probe before the next node's pod goes
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/
   */
  readonly minReady?: Duration;

  /**
   * Seconds a new pod must be Ready before it counts as available.
   *
   * @default 10
   * @deprecated use `minReady: Duration.seconds(n)`, as the other graceful workloads take it
   */
  readonly minReadySeconds?: number;

  /**
   * How each node's pod is replaced during an update.
   *
   * @default - `surge()` (maxSurge 1, maxUnavailable 0: no gap on the node), or `replace()`
   * (maxUnavailable 1) when a container binds a hostPort or the pod uses the host network, which
   * forbid a second pod on the node
   * @see https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/
   */
  readonly strategy?: GracefulDaemonSetStrategy;
}

/**
 * A cdk8s-plus DaemonSet (node agents, ingress controllers) that does not drop requests when it
 * is updated.
 *
 * The same shutdown budget, preStop and probe rules as GracefulDeployment. Updates surge a new
 * pod next to the old one on each node, unless host ports or the host network forbid it; then
 * the old pod stops first, and the load balancer in front must have stopped sending to the node
 * by the time it stops serving: name that path (`TrafficPath.nodeLocal()`) on the workload or its
 * GracefulService, and the preStop delay covers the load balancer's health checks.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/
 */
export class GracefulDaemonSet extends kplus.DaemonSet implements ITrafficPathTarget {
  /** Target Kubernetes version. */
  public readonly kubernetesVersion: KubernetesVersion;
  /** How long a new pod must be Ready before it counts as available (`minReadySeconds`). */
  public readonly minReady: Duration;
  /** The native sidecars (`sidecars`), as cdk8s-plus containers. */
  public readonly sidecars: kplus.Container[];

  private readonly pod: GracefulPod;
  private readonly strategy?: GracefulDaemonSetStrategy;
  private readonly strategyValue?: number | string;

  constructor(scope: Construct, id: string, props: GracefulDaemonSetProps = {}) {
    const owner = `GracefulDaemonSet '${id}'`;
    if (!isRecord(props)) {
      throw new Error(`${owner}: props (${got(props)}) must be an object of options, or left out; e.g. { containers: [{ image: 'ghcr.io/acme/agent:1.0' }] }`);
    }
    const p = new PropsProblems();
    const settings = resolvePodOptions(p, props, owner);
    const minReady = p.duration('minReady', props.minReady, DURATIONS.minReady);
    const minReadySeconds = p.count('minReadySeconds', props.minReadySeconds, { min: 0 });
    if (props.minReady !== undefined && props.minReadySeconds !== undefined) {
      p.add(`'minReady' (${got(props.minReady)}) and the deprecated 'minReadySeconds' (${got(props.minReadySeconds)}) are the same setting; keep 'minReady'`);
    }
    const strategy = p.instance('strategy', props.strategy, GracefulDaemonSetStrategy, 'a GracefulDaemonSetStrategy, e.g. GracefulDaemonSetStrategy.surge()');
    // Each ≤ 100 %, and the one that is set non-zero: the other is 0 (semantics 7.3).
    const value = strategy?._amount !== undefined
      ? p.intOrPercent(`strategy ${strategy._kind === 'surge' ? 'maxSurge' : 'maxUnavailable'}`, strategy._amount, { maxPercent: 100, nonZero: true })
      : undefined;
    p.throwIfAny(owner);

    super(scope, id, {
      ...props,
      minReadySeconds: minReady ?? minReadySeconds ?? DEFAULT_MIN_READY_SECONDS,
      initContainers: initContainersWithSidecars(settings, props.initContainers),
    });
    checkWorkloadName(owner, 'DaemonSet', this.name, this.node.path);
    this.kubernetesVersion = settings.version;
    this.minReady = Duration.seconds(this.minReadySeconds);
    this.strategy = strategy;
    this.strategyValue = value;
    this.pod = new GracefulPod(this, settings, undefined, json => this.renderStrategy(json));
    this.sidecars = this.pod.sidecars;
    p.warnings.forEach(w => recordWarning(this, w));
    if (settings.allowCapacityDrop !== undefined) {
      addSuppressions(this.apiObject, owner, { GS007: settings.allowCapacityDrop });
    }
    this.node.addValidation({ validate: () => this.pod.validate(this, () => []) });
  }

  /** The shutdown numbers written to the manifest (see GracefulDeployment.shutdownBudget). */
  public get shutdownBudget(): ShutdownBudget {
    return this.pod.plan().budget;
  }

  /** When each container (native sidecars after the app containers) gets SIGTERM and is done. */
  public get containerBudgets(): ContainerShutdownBudget[] {
    return this.pod.plan().containers;
  }

  /** Makes the preStop delay and grace period cover a traffic path in front of the pods. */
  public addTrafficPath(path: TrafficPath): void {
    this.pod.addTrafficPath(path);
  }

  /** An object in front of the pods, checked with them at synth. */
  public addFrontend(frontend: ApiObject): void {
    this.pod.addFrontend(frontend);
  }

  /** The traffic paths in front of the pods. */
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
    return this.pod.checkedObjects([]);
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
   * Whether the pods bind node ports (a container hostPort, or the host network): then two pods
   * cannot share a node and updates cannot surge.
   */
  public get bindsHostPorts(): boolean {
    return bindsHostPorts(this.pod.renderFresh().spec.template.spec);
  }

  /** The update strategy, decided from the rendered pod: surge unless host ports forbid it. */
  private renderStrategy(json: any): boolean {
    const hostPorts = bindsHostPorts(json.spec.template.spec);
    const kind = this.strategy?._kind ?? (hostPorts ? 'replace' : 'surge');
    if (!this.strategy && hostPorts) {
      recordNote(this, 'the pods bind host ports (or the host network), so a second pod cannot start on a node: updates use maxUnavailable 1 (the node\'s pod '
        + 'stops before its replacement starts). Put the load balancer in front on its health checks (TrafficPath.nodeLocal()) so it stops sending '
        + 'to the node within the preStop delay');
    }
    const amount = this.strategyValue ?? 1;
    json.spec.updateStrategy = kind === 'onDelete' ? { type: 'OnDelete' } : {
      rollingUpdate: sortedKeys(kind === 'surge' ? { maxSurge: amount, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: amount }),
      type: 'RollingUpdate',
    };
    return true;
  }
}

/** A pod that binds node ports: the host network, or a container hostPort. */
function bindsHostPorts(podSpec: any): boolean {
  return podSpec?.hostNetwork === true || [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]
    .some((c: any) => (c.ports ?? []).some((port: any) => typeof port.hostPort === 'number' && port.hostPort > 0));
}
