import { ApiObject, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import { GracefulPod, createDisruptionBudget, initContainersWithSidecars, renderForValidation, sortedKeys } from './_graceful-pod';
import * as kplus from './_kplus';
import { checkWorkloadName, DURATIONS, got, PropsProblems, resolvePodOptions, resolveReplicaOptions } from './_props';
import { CheckOptions } from './checks/engine';
import { startupWindowSeconds } from './checks/rules/probes';
import { addSuppressions } from './checks/suppressions';
import { recordWarning } from './checks/warnings';
import { ContainerShutdownBudget, GracefulPodOptions, GracefulReplicaOptions } from './graceful-options';
import { GracefulService } from './graceful-service';
import { DEFAULT_GRACE_SECONDS } from './kubernetes/defaults';
import { KubernetesVersion } from './kubernetes-version';
import { isRecord } from './manifest/fields';
import { workloadOf } from './manifest/workload';
import { ShutdownBudget, ceilSeconds } from './timing/shutdown-budget';
import { StatefulSetRolloutPlan, planStatefulSetRollout } from './timing/stateful-set-rollout';
import { ITrafficPathTarget, TrafficPath } from './traffic-path';

/**
 * A PersistentVolumeClaim template: each pod gets its own volume, kept across rollouts and
 * rescheduling (`spec.volumeClaimTemplates`).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#volume-claim-templates
 */
export interface StatefulSetVolumeClaim {
  /** Name of the claim (and of the volume in the pod): a DNS-1123 label. */
  readonly name: string;

  /** Requested size. */
  readonly storage: Size;

  /** Where every app container mounts it. */
  readonly mountPath: string;

  /**
   * Storage class.
   *
   * @default - the cluster's default storage class
   * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
   */
  readonly storageClassName?: string;

  /**
   * Access mode.
   *
   * @default kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE - one pod per volume, as a StatefulSet's pods each have their own
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
   */
  readonly accessMode?: kplus.PersistentVolumeAccessMode;
}

/**
 * Properties of a GracefulStatefulSet: every cdk8s-plus StatefulSet property, plus the
 * graceful-shutdown settings.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
export interface GracefulStatefulSetProps extends kplus.StatefulSetProps, GracefulPodOptions, GracefulReplicaOptions {
  /**
   * Pods replaced at once during a rolling update (`updateStrategy.rollingUpdate.maxUnavailable`).
   * On by default from Kubernetes 1.37 (feature gate `MaxUnavailableStatefulSet`: alpha through
   * 1.34, beta in 1.35 but off by default from 1.35.4 and in 1.36, see `KubernetesVersion.V1_35`):
   * an API server without the gate drops the field and updates one pod at a time. Below 1.37 it
   * needs `kubernetesVersion.withFeatureGates('MaxUnavailableStatefulSet')`; above 1 it needs
   * `allowCapacityDrop`.
   *
   * @default - one pod at a time
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#maximum-unavailable-pods
   */
  readonly maxUnavailable?: kplus.PercentOrAbsolute;

  /**
   * The name of the governing headless Service (peer discovery), which every pod's DNS name
   * contains (`<pod>.<service>.<namespace>.svc`) and which `serviceName` fixes for good: the API
   * server refuses to change a StatefulSet's `serviceName`. A DNS-1035 label.
   *
   * @default - derived from the construct path, with a hash suffix (as every cdk8s name)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
   */
  readonly peerServiceName?: string;

  /**
   * Volumes of each pod's own (PersistentVolumeClaim templates), mounted in every app container.
   *
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#volume-claim-templates
   */
  readonly volumeClaims?: StatefulSetVolumeClaim[];
}

/**
 * Options for `GracefulStatefulSet.rolloutPlan`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#rolling-updates
 */
export interface StatefulSetRolloutPlanOptions {
  /**
   * Time from pod creation to Ready.
   *
   * @default - `startupTimeout`, else the probes' worst case
   */
  readonly startupTime?: Duration;
}

/** Default minReady: a pod must stay Ready for one more readiness period before the next one goes. */
const DEFAULT_MIN_READY = Duration.seconds(10);
/** Default replicas: quorum stores (Redis Sentinel, Kafka KRaft, etcd) keep a majority while one pod is replaced. */
const DEFAULT_REPLICAS = 3;

/** The StatefulSet under construction, read by its governing Service (see below): how messages name it, the Service's name. */
let constructing: { readonly owner: string; readonly peerServiceName?: string } | undefined;

/**
 * A cdk8s-plus StatefulSet (Redis, Kafka, databases) that does not drop requests during
 * rollouts and node drains.
 *
 * The same shutdown budget, preStop, probes rules, PodDisruptionBudget and spread as
 * GracefulDeployment. Its governing headless Service (`serviceName`) is a peer-discovery
 * GracefulService (`publishNotReadyAddresses: true`, so peers find each other before they are
 * Ready); give clients a second GracefulService, which never publishes not-ready pods.
 *
 * Rollouts differ from a Deployment's: pods are replaced one at a time from the highest ordinal
 * down to `partition`, each deleted before its replacement (same name, same volume) is created,
 * so capacity drops by one pod during each step. That is inherent, not refused; size the
 * replicas for it (`rolloutPlan()` says by how much and for how long).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#rolling-updates
 */
export class GracefulStatefulSet extends kplus.StatefulSet implements ITrafficPathTarget {
  /** The PodDisruptionBudget, when created. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** Target Kubernetes version. */
  public readonly kubernetesVersion: KubernetesVersion;
  /**
   * The governing headless Service for peer discovery, unless `service` was given.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
   */
  public readonly peerService?: GracefulService;
  /** The native sidecars (`sidecars`), as cdk8s-plus containers. */
  public readonly sidecars: kplus.Container[];

  private readonly pod: GracefulPod;
  private readonly startupTimeout?: Duration;
  private readonly maxUnavailableValue?: number | string;
  private readonly volumeClaims: StatefulSetVolumeClaim[];

  constructor(scope: Construct, id: string, props: GracefulStatefulSetProps) {
    const owner = `GracefulStatefulSet '${id}'`;
    if (!isRecord(props)) {
      throw new Error(`${owner}: props (${got(props)}) must be an object of options; e.g. { containers: [{ image: 'redis:7.4', portNumber: 6379 }] }`);
    }
    const p = new PropsProblems();
    const settings = resolvePodOptions(p, props, owner);
    const replicas = p.count('replicas', props.replicas, { min: 0 }) ?? DEFAULT_REPLICAS;
    const replicaSettings = resolveReplicaOptions(p, props, { smallest: replicas, largest: replicas, smallestFrom: `'replicas' (${replicas})` });
    p.duration('minReady', props.minReady, DURATIONS.minReady);
    const maxUnavailable = statefulSetStrategyProblems(p, props, settings.version, replicas);
    const volumeClaims = volumeClaimProblems(p, props.volumeClaims);
    const peerServiceName = p.objectName('peerServiceName', props.peerServiceName, 'Service', 'redis');
    if (peerServiceName !== undefined && props.service !== undefined) {
      p.add(`'peerServiceName' (${got(peerServiceName)}) names the governing Service this construct creates, but 'service' is given; name that Service instead`);
    }
    p.throwIfAny(owner);

    constructing = { owner, peerServiceName };
    try {
      super(scope, id, {
        minReady: DEFAULT_MIN_READY,
        ...props,
        replicas,
        terminationGracePeriod: Duration.seconds(settings.explicitGraceSeconds ?? DEFAULT_GRACE_SECONDS),
        initContainers: initContainersWithSidecars(settings, props.initContainers),
      });
    } finally {
      constructing = undefined;
    }
    checkWorkloadName(owner, 'StatefulSet', this.name, this.node.path);

    this.kubernetesVersion = settings.version;
    this.startupTimeout = props.startupTimeout;
    this.maxUnavailableValue = maxUnavailable;
    this.volumeClaims = volumeClaims;
    this.pod = new GracefulPod(this, settings, replicaSettings.spread, json => this.renderStatefulSet(json), {
      strategy: [props.strategy, props.maxUnavailable, props.allowCapacityDrop, props.podManagementPolicy].some(v => v !== undefined),
      replicas: props.replicas !== undefined,
      disruptionBudget: props.podDisruptionBudget !== undefined || props.disruptionBudget !== undefined,
      spread: props.spreadAcrossNodes !== undefined || props.topologySpread !== undefined,
    });
    this.sidecars = this.pod.sidecars;
    p.warnings.forEach(w => recordWarning(this, w));
    if (this.service instanceof GracefulService) {
      this.peerService = this.service;
    }
    this.pod.addFrontend(ApiObject.of(this.service));

    if (settings.allowCapacityDrop !== undefined) {
      addSuppressions(this.apiObject, owner, { GS007: settings.allowCapacityDrop, GS008: settings.allowCapacityDrop });
    }
    if (replicaSettings.budget) {
      this.podDisruptionBudget = createDisruptionBudget(this, replicaSettings.budget);
    }
    this.node.addValidation({
      validate: () => this.pod.validate(this, () => (this.podDisruptionBudget ? [renderForValidation(this.podDisruptionBudget)] : [])),
    });
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
    return this.pod.checkedObjects([this.podDisruptionBudget?.toJson()].filter(o => o));
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
   * Estimates a rolling update: which ordinals are replaced (highest first, down to
   * `partition`), how many pods are down at once (one, unless `maxUnavailable`), the fewest
   * pods serving meanwhile, and how long it takes (each step: the old pod terminates, then
   * its replacement starts and stays Ready for minReady).
   */
  public rolloutPlan(options: StatefulSetRolloutPlanOptions = {}): StatefulSetRolloutPlan {
    const json = this.pod.renderFresh();
    const strategy = json.spec?.updateStrategy ?? {};
    const replicas = this.replicas ?? DEFAULT_REPLICAS;
    const startup = options.startupTime ?? this.startupTimeout;
    const atOnce = this.maxUnavailableValue === undefined ? 1
      : typeof this.maxUnavailableValue === 'number' ? this.maxUnavailableValue
        : Math.max(1, Math.floor(parseInt(this.maxUnavailableValue, 10) * replicas / 100));
    return planStatefulSetRollout({
      replicas,
      partition: strategy.type === 'OnDelete' ? replicas : strategy.rollingUpdate?.partition ?? 0,
      podsAtOnce: atOnce,
      startupSeconds: startup ? ceilSeconds(startup) : startupWindowSeconds(workloadOf(json)!),
      minReadySeconds: this.minReady.toSeconds(),
      terminatingSeconds: this.shutdownBudget.terminationGracePeriodSeconds,
    });
  }

  /** What only a StatefulSet renders: the alpha maxUnavailable (opted in) and the volume claims. */
  private renderStatefulSet(json: any): boolean {
    const strategy = json.spec.updateStrategy;
    if (this.maxUnavailableValue !== undefined && strategy?.type === 'RollingUpdate') {
      const rollingUpdate = sortedKeys({ ...strategy.rollingUpdate, maxUnavailable: this.maxUnavailableValue });
      json.spec.updateStrategy = sortedKeys({ ...strategy, rollingUpdate });
    }
    if (this.volumeClaims.length === 0) {
      return false;
    }
    json.spec.volumeClaimTemplates = this.volumeClaims.map(v => sortedKeys({
      metadata: { name: v.name },
      spec: sortedKeys({
        accessModes: [v.accessMode ?? kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
        resources: { requests: { storage: quantityOf(v.storage) } },
        ...(v.storageClassName !== undefined ? { storageClassName: v.storageClassName } : {}),
      }),
    }));
    for (const c of json.spec.template.spec.containers) {
      const mounts = [...(c.volumeMounts ?? []), ...this.volumeClaims.filter(v => !(c.volumeMounts ?? []).some((m: any) => m.name === v.name))
        .map(v => ({ mountPath: v.mountPath, name: v.name }))];
      Object.assign(c, { volumeMounts: mounts });
    }
    return true;
  }
}

// The governing headless Service is created by cdk8s-plus inside its constructor
// (`_createHeadlessService`, private there), before this class's constructor body runs; it is
// made a peer-discovery GracefulService here. Only the workload's containers and selector are
// read, which cdk8s-plus has set up by then.
Object.defineProperty(GracefulStatefulSet.prototype, '_createHeadlessService', {
  value: function createPeerService(this: GracefulStatefulSet): kplus.Service {
    if (kplus.extractContainerPorts(this).length === 0) {
      throw new Error(`${constructing?.owner ?? 'GracefulStatefulSet'}: its governing headless Service (peer discovery) needs a container port; `
        + 'add `portNumber` to a container, or pass \'service\'');
    }
    return new GracefulService(this, 'Service', {
      workload: this,
      peerDiscovery: true,
      metadata: {
        ...(constructing?.peerServiceName !== undefined ? { name: constructing.peerServiceName } : {}),
        namespace: this.metadata.namespace,
      },
    });
  },
});

/** partition and the alpha maxUnavailable (semantics 7.2). */
function statefulSetStrategyProblems(
  p: PropsProblems, props: GracefulStatefulSetProps, version: KubernetesVersion, replicas: number,
): number | string | undefined {
  const kube = props.strategy !== undefined && typeof (props.strategy as any)?._toKube === 'function' ? (props.strategy as any)._toKube() : undefined;
  if (props.strategy !== undefined && !kube) {
    p.add(`'strategy' (${got(props.strategy)}) must be a StatefulSetUpdateStrategy; e.g. StatefulSetUpdateStrategy.rollingUpdate({ partition: 0 })`);
  }
  const partition = kube?.rollingUpdate?.partition;
  if (partition !== undefined && p.count('strategy.partition', partition, { min: 0 }) !== undefined && partition >= replicas && replicas > 0) {
    p.warn(`'strategy.partition' (${partition}) is not below 'replicas' (${replicas}): a rollout updates no pod until the partition is lowered (a staged rollout)`);
  }
  const policy = props.podManagementPolicy;
  if (policy !== undefined && !Object.values(kplus.PodManagementPolicy).includes(policy)) {
    p.add(`'podManagementPolicy' (${got(policy)}) must be PodManagementPolicy.ORDERED_READY or PodManagementPolicy.PARALLEL`);
  }
  if (props.maxUnavailable === undefined) {
    return undefined;
  }
  const value = p.intOrPercent('maxUnavailable', props.maxUnavailable, { maxPercent: 100, nonZero: true });
  if (kube?.type === 'OnDelete') {
    p.add('\'maxUnavailable\' applies to RollingUpdate only; the API server rejects it with an OnDelete strategy. Remove it');
  }
  // On by default from 1.37; off by default through 1.36 (alpha to 1.34; beta in 1.35, turned off again in 1.35.4).
  if (!version.hasFeatureGate('MaxUnavailableStatefulSet') && !version.isAtLeast(KubernetesVersion.V1_37)) {
    p.add(`'maxUnavailable' (${got(props.maxUnavailable)}) needs the feature gate MaxUnavailableStatefulSet, on by default only from Kubernetes 1.37, but 'kubernetesVersion' `
      + `is ${version}: without it the API server drops the field and updates one pod at a time. Set \`kubernetesVersion: KubernetesVersion.V1_37\` if your clusters `
      + 'run it, or `.withFeatureGates(\'MaxUnavailableStatefulSet\')` if they enable the gate, or remove \'maxUnavailable\'');
  }
  if (value !== undefined && value !== 1 && props.allowCapacityDrop === undefined) {
    p.add(`'maxUnavailable' (${value}) replaces more than one pod at a time: that many are down at once during each step; `
      + 'keep the default (one), or accept it with \'allowCapacityDrop: "<reason>"\'');
  }
  return value;
}

function volumeClaimProblems(p: PropsProblems, claims: unknown): StatefulSetVolumeClaim[] {
  if (claims === undefined) return [];
  if (!Array.isArray(claims)) {
    p.add(`'volumeClaims' (${got(claims)}) must be a list; e.g. volumeClaims: [{ name: 'data', storage: Size.gibibytes(10), mountPath: '/data' }]`);
    return [];
  }
  claims.forEach((c, i) => {
    if (!isRecord(c) || typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 63) {
      p.add(`'volumeClaims[${i}].name' (${got(isRecord(c) ? c.name : c)}) must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters`);
    }
    if (!isRecord(c) || typeof c.mountPath !== 'string' || !c.mountPath.startsWith('/')) {
      p.add(`'volumeClaims[${i}].mountPath' (${got(isRecord(c) ? c.mountPath : undefined)}) must be an absolute path, e.g. '/data'`);
    }
    if (!isRecord(c) || typeof c.storage?.toMebibytes !== 'function') {
      p.add(`'volumeClaims[${i}].storage' (${got(isRecord(c) ? c.storage : undefined)}) must be a Size, e.g. Size.gibibytes(10)`);
    }
  });
  return claims as StatefulSetVolumeClaim[];
}

/** A Size as a Kubernetes quantity, in the largest binary unit that holds it exactly. */
function quantityOf(size: Size): string {
  const mebibytes = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isInteger(mebibytes / 1024) ? `${mebibytes / 1024}Gi` : Number.isInteger(mebibytes) ? `${mebibytes}Mi`
    : `${size.toKibibytes({ rounding: SizeRoundingBehavior.NONE })}Ki`;
}
