import { ApiObject, Chart, Duration, JsonPatch, Names } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from './_kplus';
import { rainbowProblems } from './_rainbow-checks';
import { releaseId } from './_rainbow-names';
import { checkManifests, errorMessages } from './checks/engine';
import {
  DRAINING_SINCE_ANNOTATION, DRAIN_FOR_ANNOTATION, RAINBOW_APP_LABEL, RAINBOW_RULES, RELEASE_LABEL, RELEASE_STATE_LABEL, RELEASE_VERSION_ANNOTATION,
  RETIRE_AFTER_ANNOTATION, TEMPLATE_HASH_ANNOTATION, templateHashOf,
} from './checks/rules/rainbow';
import { recordWarning } from './checks/warnings';
import { GracefulDeployment, GracefulDeploymentProps } from './graceful-deployment';
import { GracefulIngressOptions, GracefulService } from './graceful-service';
import { KedaScaledObject, KedaTrigger } from './keda-scaled-object';
import { RainbowRelease, ReleaseState } from './rainbow-release';
import { describeDuration, isFiniteDurationOf } from './timing/duration';
import { ceilSeconds } from './timing/shutdown-budget';


/**
 * Options every scale-to-zero trigger shares.
 */
export interface RainbowScaleToZeroOptions {
  /**
   * How long a draining release must be idle (the trigger inactive) before KEDA scales it to
   * zero (`cooldownPeriod`).
   *
   * @default Duration.minutes(5) - KEDA's default; a connection that reconnects within it finds
   * the active release anyway
   */
  readonly cooldown?: Duration;

  /**
   * How often KEDA evaluates the trigger (`pollingInterval`).
   *
   * @default Duration.seconds(30) - KEDA's default
   */
  readonly pollingInterval?: Duration;
}

/**
 * A Prometheus query that measures one draining release's open connections (or jobs).
 */
export interface PrometheusScaleToZeroOptions extends RainbowScaleToZeroOptions {
  /** Prometheus' address, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly serverAddress: string;

  /**
   * The query, returning one number: what the release still holds. It must name the release
   * with a placeholder, replaced per release: `{{release}}` (the `graceful-k8s.io/release` label
   * value) or `{{deployment}}` (the release's Deployment name); `{{namespace}}` and `{{app}}` are
   * replaced too. E.g. `sum(chat_open_connections{release="{{release}}"})`.
   */
  readonly query: string;

  /**
   * The release counts as idle while the query returns at most this (KEDA's `activationThreshold`).
   *
   * @default 0 - idle means no connection at all
   */
  readonly activationThreshold?: number;

  /**
   * KEDA's `threshold`: the target the HPA KEDA creates scales on. The rainbow disables that
   * HPA's scaling, so it only has to be valid.
   *
   * @default 1
   */
  readonly threshold?: number;

  /**
   * Whether an empty answer counts as 0 (`ignoreNullValues`).
   *
   * @default false - an empty answer (a lost scrape target, a renamed metric) is an error, and
   * KEDA keeps the replicas on errors, instead of reading "no connections" and scaling to zero
   */
  readonly ignoreNullValues?: boolean;

  /**
   * Name of a TriggerAuthentication for Prometheus.
   *
   * @default - no authentication
   */
  readonly authenticationRef?: string;
}

/**
 * Any KEDA scaler as the idle signal of a draining release.
 */
export interface CustomScaleToZeroOptions extends RainbowScaleToZeroOptions {
  /**
   * The trigger. Its metadata values may use the placeholders `{{release}}`, `{{deployment}}`,
   * `{{namespace}}` and `{{app}}`, and must use `{{release}}` or `{{deployment}}` somewhere, so
   * that each release measures its own work (e.g. a queue per release).
   */
  readonly trigger: KedaTrigger;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const PLACEHOLDERS = ['release', 'deployment', 'namespace', 'app'];

/**
 * How a draining release is scaled to zero once idle: a KEDA ScaledObject (keda.sh/v1alpha1)
 * per draining release, with `minReplicaCount: 0`, the trigger you choose, and the HPA KEDA
 * creates kept from adding or removing pods (`selectPolicy: Disabled`), so the release keeps
 * every pod, and every connection, until the trigger says it is idle for `cooldown`.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export class RainbowScaleToZero {
  /** Placeholder for the release label value. */
  public static readonly RELEASE = '{{release}}';
  /** Placeholder for the release's Deployment name. */
  public static readonly DEPLOYMENT = '{{deployment}}';

  /**
   * Idle when a Prometheus query on the release's open connections returns 0 (KEDA's
   * `prometheus` scaler).
   */
  public static prometheus(options: PrometheusScaleToZeroOptions): RainbowScaleToZero {
    const problems: string[] = [];
    if (typeof options.serverAddress !== 'string' || !/^https?:\/\/\S+$/.test(options.serverAddress)) {
      problems.push(`'serverAddress' (${JSON.stringify(options.serverAddress)}) must be an http(s) URL, e.g. 'http://prometheus.monitoring.svc:9090'`);
    }
    const activation = options.activationThreshold ?? 0;
    const threshold = options.threshold ?? 1;
    if (!Number.isFinite(activation) || activation < 0) {
      problems.push(`'activationThreshold' (${activation}) must be a number of zero or more`);
    }
    if (!Number.isFinite(threshold) || threshold <= 0) {
      problems.push(`'threshold' (${threshold}) must be a number above zero`);
    }
    const trigger: KedaTrigger = {
      type: 'prometheus',
      metadata: {
        serverAddress: options.serverAddress,
        query: options.query,
        threshold: String(threshold),
        activationThreshold: String(activation),
        ignoreNullValues: String(options.ignoreNullValues ?? false),
      },
      authenticationRef: options.authenticationRef,
    };
    return new RainbowScaleToZero('RainbowScaleToZero.prometheus', trigger, options, problems);
  }

  /**
   * Idle by any KEDA scaler (a queue per release, a `kubernetes-workload` count, …). CPU and memory
   * alone cannot scale to zero (KEDA refuses them with minReplicaCount 0).
   */
  public static custom(options: CustomScaleToZeroOptions): RainbowScaleToZero {
    const problems: string[] = [];
    const type = options.trigger?.type;
    if (type === 'cpu' || type === 'memory') {
      problems.push(`'trigger.type' (${type}) cannot scale to zero: KEDA refuses a ScaledObject with minReplicaCount 0 whose only trigger is CPU or memory; `
        + 'measure the release\'s open connections or jobs instead');
    }
    return new RainbowScaleToZero('RainbowScaleToZero.custom', options.trigger, options, problems);
  }

  /** Cooldown before a scale to zero. */
  public readonly cooldown: Duration;
  /** How often KEDA evaluates the trigger. */
  public readonly pollingInterval: Duration;
  private readonly template: KedaTrigger;

  private constructor(factory: string, trigger: KedaTrigger, options: RainbowScaleToZeroOptions, problems: string[]) {
    if (typeof trigger?.type !== 'string' || trigger.type.trim() === '') {
      problems.push(`'trigger.type' (${JSON.stringify(trigger?.type)}) must name a KEDA scaler`);
    }
    const values = Object.values(trigger?.metadata ?? {});
    if (values.some(v => typeof v !== 'string')) {
      problems.push('the trigger\'s metadata values must be strings (KEDA reads every value as one)');
    }
    const text = values.join('\n');
    if (!text.includes(RainbowScaleToZero.RELEASE) && !text.includes(RainbowScaleToZero.DEPLOYMENT)) {
      problems.push(`the trigger (${JSON.stringify(trigger?.metadata?.query ?? trigger?.metadata ?? {})}) must name the release with {{release}} or {{deployment}}, `
        + 'or every draining release would measure all releases together and never become idle; '
        + 'e.g. sum(chat_open_connections{release="{{release}}"})');
    }
    const unknown = [...text.matchAll(PLACEHOLDER)].map(m => m[1]).filter(p => !PLACEHOLDERS.includes(p));
    if (unknown.length > 0) {
      problems.push(`the trigger uses unknown placeholder(s) ${unknown.map(p => `{{${p}}}`).join(', ')}; known: ${PLACEHOLDERS.map(p => `{{${p}}}`).join(', ')}`);
    }
    for (const [name, d, least] of [['cooldown', options.cooldown, 0], ['pollingInterval', options.pollingInterval, 1]] as const) {
      if (d !== undefined && !(isFiniteDurationOf(d, 0, true) && ceilSeconds(d) >= least)) {
        problems.push(`'${name}' (${describeDuration(d)}) must be a finite Duration of at least ${least}s; pass e.g. Duration.seconds(${Math.max(least, 30)})`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`${factory}:\n  ${problems.join('\n  ')}`);
    }
    this.template = trigger;
    this.cooldown = options.cooldown ?? Duration.minutes(5);
    this.pollingInterval = options.pollingInterval ?? Duration.seconds(30);
  }

  /** The trigger for one release, placeholders replaced. @internal */
  public _triggerFor(values: { release: string; deployment: string; namespace?: string; app: string }): KedaTrigger {
    const replace = (text: string) => text.replace(PLACEHOLDER, (_whole, key: string) => {
      const value = (values as any)[key];
      if (value === undefined) {
        throw new Error(`the scale-to-zero trigger uses {{${key}}} but the RainbowDeployment has no ${key}; set 'metadata.${key}' or the chart's ${key}`);
      }
      return value;
    });
    const metadata: { [key: string]: string } = {};
    for (const [k, v] of Object.entries(this.template.metadata)) {
      metadata[k] = replace(v);
    }
    return { ...this.template, metadata };
  }
}

/**
 * Properties of a RainbowDeployment: every GracefulDeployment property (applied to every
 * release; `replicas` and `autoscaling` to the serving ones; `trafficPaths` to the Service, whose
 * paths every live release's shutdown covers, so a release's pod template does not change when it
 * stops being active), the releases, and how draining releases end. `containers` and `select` are refused: each release has its own containers
 * (`container` + `RainbowRelease.fromImage`, or `RainbowRelease.of`) and selects its own pods.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export interface RainbowDeploymentProps extends GracefulDeploymentProps {
  /**
   * The releases, one line each, in any order: exactly one ACTIVE, any number STAGED and
   * DRAINING, RETIRED ones kept so their names are never reused. Switching the active release
   * is a change of two states.
   */
  readonly releases: RainbowRelease[];

  /**
   * The container of releases made with `RainbowRelease.fromImage`: everything but the image
   * (port, probes, resources, env). Changing it changes the pod template of every live release,
   * which replaces their pods: pin `templateHash` on draining releases to be stopped at synth.
   *
   * @default - every release lists its own containers (`RainbowRelease.of`)
   */
  readonly container?: kplus.ContainerOpts;

  /**
   * Scale a draining release to zero once idle, with KEDA. Needs `autoscaling`: a release's
   * `spec.replicas` stays out of the manifest for its whole life (an HPA while it serves, KEDA
   * while it drains), because removing the field when it starts draining would reset it to 1.
   *
   * @default - draining releases keep their replicas until you lower them (`replicas` of the
   * release) or retire them
   */
  readonly scaleToZero?: RainbowScaleToZero;

  /**
   * How long a draining release may drain before you retire it, recorded on it as the
   * `graceful-k8s.io/drain-for-seconds` annotation (and `retire-after` with `drainingSince`).
   *
   * @default - not recorded: retire a release once KEDA has scaled it to zero or its connections
   * are gone
   */
  readonly drainFor?: Duration;

  /**
   * Warn when more releases than this are live (staged, active and draining).
   *
   * @default 3 - a staged, an active and a draining release; more means idle releases are not
   * being retired
   */
  readonly maxLiveReleases?: number;

  /**
   * Keep draining releases through a sync that no longer has them: their Deployment, PDB and
   * ScaledObject carry Argo CD's `argocd.argoproj.io/sync-options: Prune=false` and
   * `argocd.argoproj.io/compare-options: IgnoreExtraneous` and Flux's
   * `kustomize.toolkit.fluxcd.io/prune: disabled`. A release removed from Git before it is idle
   * then keeps its connections (and KEDA still scales it to zero), but is never deleted by the
   * GitOps tool: delete it by hand once idle.
   *
   * @default false - retiring a release (removing it from the manifest) deletes it at the next sync
   */
  readonly protectDrainingFromPrune?: boolean;

  /**
   * Ports of the Service.
   *
   * @default - one port per container port of the active release
   */
  readonly servicePorts?: kplus.ServicePort[];

  /**
   * Type of the Service.
   *
   * @default - ClusterIP (LoadBalancer with `TrafficPath.awsNlb()`)
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
   */
  readonly serviceType?: kplus.ServiceType;

}

/** Argo CD and Flux annotations that keep an object when it is no longer in Git. */
const PRUNE_PROTECTION: Record<string, string> = {
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
/** Argo CD applies the Service after every release Deployment is healthy: the switch goes to Ready pods. */
const SERVICE_SYNC_WAVE = { 'argocd.argoproj.io/sync-wave': '1' };
/** Above this grace period the release's own shutdown is probably sized for its connections' lifetime. */
const LONG_GRACE_SECONDS = 600;
const DEFAULT_MAX_LIVE_RELEASES = 3;

/** A live release and the objects it is rendered as. */
interface LiveRelease {
  readonly release: RainbowRelease;
  readonly name: string;
  readonly deployment: GracefulDeployment;
  readonly scaledObject?: KedaScaledObject;
}

/**
 * Zero-downtime releases for long-lived connections (WebSockets, server-sent events, long jobs):
 * every release is a GracefulDeployment of its own (`<name>-<version>`, selecting its own pods);
 * a GracefulService selects the active release only; draining releases get no new connections
 * and keep the ones they hold until they end, then KEDA scales them to zero; retired releases
 * are not emitted, so Argo CD or Flux prune them. The pod template of a release never changes,
 * so no rollout ever cuts a connection.
 *
 * The contract in the YAML (read by the GS033–GS036 rules and the drill): pods carry
 * `graceful-k8s.io/app: <name>` and `graceful-k8s.io/release: <release id>`; each release's
 * Deployment, PDB, HPA and ScaledObject carry the label `graceful-k8s.io/release-state`
 * (`staged`, `active`, `draining`), and the Deployment the annotations
 * `graceful-k8s.io/release-version` and `graceful-k8s.io/template-hash`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 */
export class RainbowDeployment extends Construct {
  /**
   * Pod label: the rainbow's name, the same on every release's pods.
   *
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
   */
  public static readonly APP_LABEL = RAINBOW_APP_LABEL;
  /** Pod label (and Deployment selector): the release id, the suffix of the release's name. */
  public static readonly RELEASE_LABEL = RELEASE_LABEL;
  /** Label of a release's Deployment, PDB, HPA and ScaledObject, never its pods: `staged`, `active` or `draining`. */
  public static readonly STATE_LABEL = RELEASE_STATE_LABEL;
  /**
   * Deployment annotation: the release's version as written.
   *
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/
   */
  public static readonly VERSION_ANNOTATION = RELEASE_VERSION_ANNOTATION;
  /** Deployment annotation: the hash of the release's pod template as rendered. */
  public static readonly TEMPLATE_HASH_ANNOTATION = TEMPLATE_HASH_ANNOTATION;

  /** The name: of the Service, and the prefix of every release's name. */
  public readonly name: string;
  /** The Service, selecting the active release's pods. */
  public readonly service: GracefulService;
  /** The active release's Deployment. */
  public readonly activeDeployment: GracefulDeployment;
  /** Every release, as given (retired ones included). */
  public readonly releases: RainbowRelease[];

  private readonly live: LiveRelease[] = [];
  private readonly ids = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RainbowDeploymentProps) {
    super(scope, id);
    this.name = props.metadata?.name ?? Names.toDnsLabel(this, { maxLen: 40 });
    const problems = rainbowProblems(this.name, props);
    if (problems.length > 0) {
      throw new Error(`RainbowDeployment '${id}':\n  ${problems.join('\n  ')}`);
    }
    this.releases = [...props.releases];
    for (const r of props.releases) {
      this.ids.set(r.version, releaseId(this.name, r.version));
    }
    for (const release of props.releases.filter(r => r.state !== ReleaseState.RETIRED)) {
      this.live.push(this.addRelease(release, props));
    }
    this.activeDeployment = this.live.find(l => l.release.state === ReleaseState.ACTIVE)!.deployment;
    this.service = this.addService(props);
    this.syncTrafficPaths();
    this.warnAtOnce(props.maxLiveReleases ?? DEFAULT_MAX_LIVE_RELEASES, props.drainFor);
    this.node.addValidation({ validate: () => this.validateRainbow() });
  }

  /**
   * Exposes the Service through an Ingress (GracefulService `addIngress`: host, TLS, class); the
   * ingress controller's traffic path is added to every live release's shutdown, so none of their
   * pod templates depends on which release is active.
   */
  public addIngress(path: string, options: GracefulIngressOptions = {}): kplus.Ingress {
    const ingress = this.service.addIngress(path, options);
    this.syncTrafficPaths();
    return ingress;
  }

  /** The live releases (staged, active, draining), in the order given. */
  public get liveReleases(): RainbowRelease[] {
    return this.live.map(l => l.release);
  }

  /**
   * The name of a release's Deployment (also of its PDB, HPA and ScaledObject): `<name>-<version>`,
   * the version shortened and hashed when the name would exceed 63 characters.
   */
  public releaseNameOf(version: string): string {
    return `${this.name}-${this.idOf(version)}`;
  }

  /** The Deployment of a live release. */
  public deploymentOf(version: string): GracefulDeployment {
    const found = this.live.find(l => l.release.version === version);
    if (!found) {
      throw new Error(`RainbowDeployment '${this.node.id}': release '${version}' is not live (live: ${this.live.map(l => l.release.version).join(', ')})`);
    }
    return found.deployment;
  }

  /** The KEDA ScaledObject of a draining release, with `scaleToZero`. */
  public scaledObjectOf(version: string): KedaScaledObject | undefined {
    return this.live.find(l => l.release.version === version)?.scaledObject;
  }

  private idOf(version: string): string {
    const found = this.ids.get(version);
    if (found === undefined) {
      throw new Error(`RainbowDeployment '${this.node.id}': no release '${version}' (releases: ${[...this.ids.keys()].join(', ')})`);
    }
    return found;
  }

  /** A live release: its GracefulDeployment, PDB and HPA or ScaledObject, named and labelled for the release. */
  private addRelease(release: RainbowRelease, props: RainbowDeploymentProps): LiveRelease {
    const {
      releases, container, scaleToZero, drainFor, maxLiveReleases, protectDrainingFromPrune, servicePorts, serviceType, trafficPaths,
      replicas, autoscaling, metadata, podMetadata, containers, select, ...shared
    } = props;
    const rid = this.ids.get(release.version)!;
    const name = `${this.name}-${rid}`;
    const serving = release.state !== ReleaseState.DRAINING;
    const podLabels = { [RAINBOW_APP_LABEL]: this.name, [RELEASE_LABEL]: rid };
    const objectLabels = { ...podLabels, [RELEASE_STATE_LABEL]: release.state };
    const protect = !serving && protectDrainingFromPrune === true;
    const annotations = { ...metadata?.annotations, [RELEASE_VERSION_ANNOTATION]: release.version, ...this.drainAnnotations(release, drainFor) };
    const deployment = new GracefulDeployment(this, `release-${rid}`, {
      ...shared,
      metadata: { ...metadata, name, labels: { ...metadata?.labels, ...objectLabels }, annotations: withPruneProtection(annotations, protect) },
      podMetadata: { ...podMetadata, labels: { ...podMetadata?.labels, ...podLabels } },
      // Each release selects its own pods by app and release: a stable, readable selector
      // (selectors are immutable) that never matches another release's pods.
      select: false,
      containers: release.containers ?? [{ ...container, image: release.image! }],
      replicas: serving ? replicas : (release.replicas ?? replicas),
      // Only serving releases get the HPA: an HPA on a draining release removes pods that hold connections (GS035).
      autoscaling: serving ? autoscaling : undefined,
    });
    deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    this.labelAndName(deployment.podDisruptionBudget, name, objectLabels, protect);
    this.labelAndName(deployment.autoscaler ? ApiObject.of(deployment.autoscaler) : undefined, name, objectLabels, false);

    const namespace = metadata?.namespace ?? Chart.of(this).namespace;
    const scaledObject = !serving && scaleToZero ? new KedaScaledObject(deployment, 'ScaledObject', {
      metadata: {
        namespace: metadata?.namespace,
        name,
        labels: { ...metadata?.labels, ...objectLabels },
        annotations: withPruneProtection({}, protect),
      },
      scaleTarget: { name },
      triggers: [scaleToZero._triggerFor({ release: rid, deployment: name, namespace, app: this.name })],
      minReplicaCount: 0,
      // The HPA KEDA creates cuts a workload above maxReplicas down to it, whatever its behavior:
      // a draining release never has more pods than the serving maximum.
      maxReplicaCount: autoscaling!.maxReplicas,
      cooldown: scaleToZero.cooldown,
      pollingInterval: scaleToZero.pollingInterval,
      // Pods leave only by KEDA's scale to zero, once idle: the HPA neither removes pods that
      // hold connections nor adds pods that no Service sends anything to.
      hpaScaleDown: false,
      hpaScaleUp: false,
      // The release's own HPA is pruned in the same sync that creates this ScaledObject.
      hpaOwnershipValidation: false,
    }) : undefined;
    if (scaledObject) {
      deployment.addFrontend(scaledObject);
    }
    // The autoscaler (HPA or KEDA) owns the count: no spec.replicas, or each sync would reset it
    // (GS010); and a draining release whose HPA is gone keeps the count the HPA left.
    recordTemplateHash(deployment, scaledObject !== undefined || (!serving && autoscaling !== undefined && release.replicas === undefined));
    return { release, name, deployment, scaledObject };
  }

  /** The Service: the active release's pods, selected by app and release. */
  private addService(props: RainbowDeploymentProps): GracefulService {
    const metadata = props.metadata;
    const service = new GracefulService(this, 'Service', {
      metadata: {
        ...metadata,
        name: this.name,
        labels: { ...metadata?.labels, [RAINBOW_APP_LABEL]: this.name },
        annotations: { ...metadata?.annotations, ...SERVICE_SYNC_WAVE },
      },
      workload: this.activeDeployment,
      ports: props.servicePorts,
      type: props.serviceType,
      trafficPaths: props.trafficPaths,
    });
    // The Service selects the active release by its labels, as the rules and the drill read it
    // (cdk8s-plus would select by the construct-path label, which the releases do not carry).
    const active = this.live.find(l => l.deployment === this.activeDeployment)!;
    const selector = { [RAINBOW_APP_LABEL]: this.name, [RELEASE_LABEL]: this.idOf(active.release.version) };
    ApiObject.of(service).addJsonPatch(JsonPatch.replace('/spec/selector', selector));
    for (const l of this.live.filter(x => x !== active)) {
      // Checked with the Service in view, each release sees that it is (or is not) selected.
      l.deployment.addFrontend(ApiObject.of(service));
    }
    return service;
  }

  /** Annotations recording how long a draining release may drain, and since when. */
  private drainAnnotations(release: RainbowRelease, fallback: Duration | undefined): Record<string, string> {
    if (release.state !== ReleaseState.DRAINING) {
      return {};
    }
    const drainFor = release.drainFor ?? fallback;
    const since = release.drainingSince;
    return {
      ...(drainFor ? { [DRAIN_FOR_ANNOTATION]: String(ceilSeconds(drainFor)) } : {}),
      ...(since ? { [DRAINING_SINCE_ANNOTATION]: since } : {}),
      ...(drainFor && since ? { [RETIRE_AFTER_ANNOTATION]: retireAfter(since, drainFor) } : {}),
    };
  }

  /** Names a release's PDB or HPA after the release and labels it with the release and its state. */
  private labelAndName(obj: ApiObject | undefined, name: string, labels: Record<string, string>, protect: boolean): void {
    if (!obj) return;
    for (const [k, v] of Object.entries(labels)) {
      obj.metadata.addLabel(k, v);
    }
    for (const [k, v] of Object.entries(withPruneProtection({}, protect))) {
      obj.metadata.addAnnotation(k, v);
    }
    obj.addJsonPatch(JsonPatch.replace('/metadata/name', name));
  }

  /**
   * Gives every live release the traffic paths in front of the Service. The paths set the
   * preStop and grace period, which are part of the pod template: a release that kept them only
   * while active would have its pods replaced when it starts draining.
   */
  private syncTrafficPaths(): void {
    for (const l of this.live) {
      const have = l.deployment.trafficPathsInFront;
      for (const path of this.service.trafficPaths) {
        if (!have.includes(path)) {
          l.deployment.addTrafficPath(path);
        }
      }
    }
  }

  /** Warnings known from the props: too many live releases, a drain past its time. */
  private warnAtOnce(maxLive: number, drainFor: Duration | undefined): void {
    if (this.live.length > maxLive) {
      recordWarning(this, `${this.live.length} live releases (${this.live.map(l => `${l.release.version} ${l.release.state}`).join(', ')}) exceed 'maxLiveReleases' `
        + `(${maxLive}): each keeps its pods, PDB and autoscaler until it is retired; set idle draining releases (scaled to zero, or past their 'drainFor') `
        + 'to ReleaseState.RETIRED');
    }
    for (const l of this.live.filter(x => x.release.state === ReleaseState.DRAINING)) {
      const d = l.release.drainFor ?? drainFor;
      if (d && l.release.drainingSince && Date.parse(retireAfter(l.release.drainingSince, d)) <= Date.now()) {
        recordWarning(this, `release '${l.release.version}' has drained since ${l.release.drainingSince}, longer than its 'drainFor' (${ceilSeconds(d)}s): `
          + 'set it to ReleaseState.RETIRED; the connections it still holds have outlived the drain you allowed');
      }
    }
  }

  /** Synth-time checks across releases: the rainbow rules, template pins, the grace period. */
  private validateRainbow(): string[] {
    this.syncTrafficPaths();
    const problems: string[] = [];
    const objects: any[] = [ApiObject.of(this.service).toJson()];
    for (const l of this.live) {
      const json = ApiObject.of(l.deployment).toJson();
      objects.push(json);
      for (const o of [l.deployment.podDisruptionBudget, l.deployment.autoscaler && ApiObject.of(l.deployment.autoscaler), l.scaledObject]) {
        if (o) objects.push(o.toJson());
      }
      const hash = json.metadata.annotations[TEMPLATE_HASH_ANNOTATION];
      if (l.release.templateHash !== undefined && l.release.templateHash !== hash) {
        problems.push(`release '${l.release.version}' 'templateHash' (${l.release.templateHash}) must match its pod template, which now hashes to ${hash}: `
          + `applying it would replace every pod of this ${l.release.state} release and cut its connections; undo the change to the settings it shares `
          + '(container, shutdown, traffic paths, …), or make the change a new release; update the pin only if the release holds no connections');
      }
    }
    const report = checkManifests(objects, { enabledRules: RAINBOW_RULES.map(r => r.id) });
    problems.push(...errorMessages(report));
    const grace = this.activeDeployment.shutdownBudget.terminationGracePeriodSeconds;
    if (grace > LONG_GRACE_SECONDS) {
      recordWarning(this, `terminationGracePeriodSeconds is ${grace}s: in a rainbow deployment a release keeps its connections while it drains, with no `
        + 'deadline, so the grace period needs to cover only the app\'s own shutdown (preStop + drain + margin); a long one leaves Terminating pods that '
        + 'Prometheus no longer scrapes. Lower \'shutdown.drainTimeout\' or \'terminationGracePeriod\'');
    }
    return problems;
  }
}

/** The annotations, with the GitOps prune protection when asked (merged into existing Argo CD sync options). */
function withPruneProtection(annotations: Record<string, string>, protect: boolean): Record<string, string> {
  if (!protect) return annotations;
  const out = { ...annotations };
  for (const [k, v] of Object.entries(PRUNE_PROTECTION)) {
    const existing = out[k]?.split(',').map(s => s.trim()).filter(s => s !== '' && !s.startsWith(v.split('=')[0]));
    out[k] = existing && existing.length > 0 ? [...existing, v].join(',') : v;
  }
  return out;
}

/**
 * Records the hash of the release's rendered pod template on its Deployment (and drops
 * spec.replicas when an autoscaler owns the count). GracefulDeployment renders in its own
 * `toJson`; this wraps it, so the hash is of the template as written to the manifest.
 */
function recordTemplateHash(deployment: GracefulDeployment, omitReplicas: boolean): void {
  const resource = ApiObject.of(deployment);
  const render = resource.toJson.bind(resource);
  resource.toJson = () => {
    const json = render();
    // cdk8s-plus labels every pod with its construct path (cdk8s.io/metadata.addr): moving the
    // construct in the tree would change every release's pod template, and roll its pods.
    // Releases are selected by graceful-k8s.io/app and graceful-k8s.io/release instead.
    const podLabels = json.spec?.template?.metadata?.labels;
    if (podLabels) {
      delete podLabels[kplus.Pod.ADDRESS_LABEL];
    }
    if (omitReplicas) {
      delete json.spec.replicas;
    }
    json.metadata.annotations = sortedKeys({ ...json.metadata.annotations, [TEMPLATE_HASH_ANNOTATION]: templateHashOf(json.spec?.template) });
    return json;
  };
}

function sortedKeys(value: Record<string, string>): Record<string, string> {
  return process.env.CDK8S_DISABLE_SORT ? value : Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}


function retireAfter(since: string, drainFor: Duration): string {
  return new Date(Date.parse(since) + drainFor.toMilliseconds()).toISOString().replace('.000Z', 'Z');
}
