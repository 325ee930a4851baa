import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from './_kplus';
import { got, nameProblem } from './_props';
import { checkManifests, errorMessages } from './checks/engine';
import { recordNote } from './checks/warnings';
import { GkeBackendConfig } from './gke-backend-config';
import { isRecord } from './manifest/fields';
import { workloadOf } from './manifest/workload';
import { DEFAULT_DRAIN_SECONDS, ShutdownBudget, ceilSeconds } from './timing/shutdown-budget';
import { ITrafficPathTarget, TrafficPath } from './traffic-path';

/**
 * Properties of a GracefulService.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 */
export interface GracefulServiceProps extends kplus.ResourceProps {
  /**
   * The workload whose pods the Service selects: a GracefulDeployment, GracefulStatefulSet or
   * GracefulDaemonSet, or a plain cdk8s-plus workload, accepted only if every serving container
   * has a readiness probe.
   *
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
   */
  readonly workload: kplus.Workload;

  /**
   * A headless Service for peer discovery (a StatefulSet's governing Service): `clusterIP: None`
   * and `publishNotReadyAddresses: true`, so peers find each other before they are Ready, as
   * Redis Sentinel, Kafka and etcd need. Carries no client traffic: clients use a second,
   * ordinary GracefulService, which never publishes not-ready addresses.
   *
   * @default false - a client Service: only Ready, non-terminating pods get connections
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
   */
  readonly peerDiscovery?: boolean;

  /**
   * Ports of the Service.
   *
   * @default - one port per container port of the workload, same number
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#multi-port-services
   */
  readonly ports?: kplus.ServicePort[];

  /**
   * Type of the Service.
   *
   * @default - ClusterIP; LoadBalancer with `TrafficPath.awsNlb()`
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
   */
  readonly type?: kplus.ServiceType;

  /**
   * Source ranges for a LoadBalancer Service.
   *
   * @default - no restriction
   * @see https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/
   */
  readonly loadBalancerSourceRanges?: string[];

  /**
   * What routes client traffic to the pods besides kube-proxy: ingress controllers, cloud
   * load balancers, DNS. Each path adds what it needs to the manifest (load balancer
   * annotations, a GKE BackendConfig, a headless Service) and raises the workload's preStop
   * delay and grace period to cover it; the slowest path sets the budget.
   *
   * @default - kube-proxy only; `addIngress` adds its ingress controller
   * @see https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions
   */
  readonly trafficPaths?: TrafficPath[];

  /**
   * How long an ingress controller in front of this Service takes to stop routing to a
   * removed endpoint, for an ingress class no preset knows.
   *
   * @default Duration.seconds(5) - ingress-nginx's worst case with default settings (spec 5.2)
   * @deprecated use `trafficPaths: [TrafficPath.custom({ name, propagationDelay })]`
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/
   */
  readonly ingressPropagationDelay?: Duration;
}

/**
 * Options of `GracefulService.addIngress`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export interface GracefulIngressOptions extends kplus.ExposeServiceViaIngressOptions {
  /**
   * The host the rule matches.
   *
   * @default - every host
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-rules
   */
  readonly host?: string;

  /**
   * A TLS Secret (certificate and key) for the host.
   *
   * @default - no TLS
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
   */
  readonly tlsSecret?: kplus.ISecret;

  /**
   * The ingress class. Known classes choose their traffic path: `nginx` (ingress-nginx),
   * `alb` (AWS ALB), `gce` (GKE), `azure-application-gateway` (AGIC).
   *
   * @default - the class of the ingress path in `trafficPaths`, else `nginx`
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly className?: string;

  /**
   * The name of the Ingress this creates (`metadata.name`), a DNS-1123 subdomain; not used with
   * `ingress`, which has its own.
   *
   * @default - derived from the construct path, with a hash suffix (as every cdk8s name)
   */
  readonly name?: string;

  /**
   * Annotations for the Ingress (on the one this creates, or added to `ingress`): the load
   * balancer's scheme, certificate and listen ports, an ingress-nginx timeout for WebSockets, …
   *
   * @default - only those the traffic path emits
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/
   */
  readonly annotations?: { [key: string]: string };
}

/** Ingress classes of the presets. */
const INGRESS_CLASS: Record<string, string> = { 'ingress-nginx': 'nginx', 'aws-alb': 'alb', 'gke-neg': 'gce', 'azure-agic': 'azure-application-gateway' };

/**
 * A Service in front of a graceful workload (or a cdk8s-plus workload with readiness probes):
 * selects its pods, exposes their ports, never publishes not-ready addresses (so only Ready,
 * non-terminating pods receive new connections, spec 1.3, 4.2), and makes the workload's
 * shutdown cover every traffic path in front of it. With `peerDiscovery` it is instead the
 * headless Service peers find each other through.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 */
export class GracefulService extends kplus.Service {
  /** The workload behind the Service. */
  public readonly workload: kplus.Workload;
  /** Whether this is a headless peer-discovery Service (`peerDiscovery`). */
  public readonly peerDiscovery: boolean;
  /** Propagation lag of an ingress of unknown class in front of the Service. */
  public readonly ingressPropagationDelay: Duration;
  /** The GKE BackendConfig, with `TrafficPath.gkeNeg()`. */
  public readonly backendConfig?: GkeBackendConfig;
  private readonly paths: TrafficPath[] = [];

  constructor(scope: Construct, id: string, props: GracefulServiceProps) {
    serviceInputProblems(id, props);
    const paths = props.trafficPaths ?? [];
    const peers = props.peerDiscovery === true;
    const ports = props.ports ?? kplus.extractContainerPorts(props.workload).map(p => ({
      port: p.number, targetPort: p.number, protocol: p.protocol, name: p.name,
    }));
    if (ports.length === 0) {
      throw new Error(`GracefulService '${id}': the workload '${props.workload.node.id}' declares no container port and 'ports' is not set; `
        + 'add `portNumber` to its container or pass `ports: [{ port: 80, targetPort: 8080 }]`');
    }
    if (ports.length > 1 && ports.some(p => !p.name)) {
      throw new Error(`GracefulService '${id}': ${ports.length} ports need a name each (got ${ports.map(p => p.name ?? '<unnamed>').join(', ')}); name the container ports or pass named 'ports'`);
    }
    super(scope, id, {
      metadata: props.metadata,
      selector: props.workload,
      ports,
      type: serviceType(id, paths, props.type),
      clusterIP: peers || paths.some(p => p._kind === 'headless-dns') ? 'None' : undefined,
      loadBalancerSourceRanges: props.loadBalancerSourceRanges,
    });
    this.workload = props.workload;
    this.peerDiscovery = peers;
    // semantics 7.9: a Service name is a DNS-1035 label (it must start with a letter).
    const bad = nameProblem('Service', this.name);
    if (bad) {
      throw new Error(`GracefulService '${id}': the Service name '${this.name}' (from the construct path '${this.node.path}') must be ${bad}; `
        + 'rename the construct or its chart (dots, underscores or a leading digit in an id are the usual cause), or set \'metadata.name\'');
    }
    this.ingressPropagationDelay = props.ingressPropagationDelay ?? Duration.seconds(5);
    if (peers) {
      // Peers, not clients: no traffic path to budget (a StatefulSet registers this Service
      // as a frontend itself, after it is constructed).
      return;
    }
    const target = trafficTarget(props.workload);
    target?.addFrontend(ApiObject.of(this));
    this.applyPath(TrafficPath.kubeProxy());
    for (const path of paths) {
      this.applyPath(path);
    }
    if (paths.some(p => p._kind === 'gke-neg')) {
      const gke = paths.find(p => p._kind === 'gke-neg')!;
      this.backendConfig = new GkeBackendConfig(this, 'BackendConfig', {
        namespace: this.metadata.namespace,
        drainingTimeout: Duration.seconds(gke._drainSeconds(this.workloadDrainSeconds())!),
      });
      target?.addFrontend(this.backendConfig);
      this.metadata.addAnnotation('cloud.google.com/neg', '{"ingress": true}');
      this.metadata.addAnnotation('cloud.google.com/backend-config', JSON.stringify({ default: this.backendConfig.name }));
    }
    if (!target) {
      // A GracefulDeployment validates itself; a plain Deployment must at least be probed.
      this.node.addValidation({ validate: () => this.validatePlainWorkload() });
    }
  }

  /** The traffic paths in front of the Service's pods. */
  public get trafficPaths(): TrafficPath[] {
    return [...this.paths];
  }

  /**
   * Exposes the Service through an Ingress (cdk8s-plus's signature); `addIngress` takes a host,
   * TLS and the ingress class as well, and is what this calls.
   */
  public exposeViaIngress(path: string, options: kplus.ExposeServiceViaIngressOptions = {}): kplus.Ingress {
    return this.addIngress(path, options as GracefulIngressOptions);
  }

  /**
   * Adds an Ingress in front of the Service, with an optional host, TLS and ingress class.
   * The ingress controller's traffic path is added to the workload's budget (a preStop set
   * explicitly too short for it fails), and its settings are emitted (e.g. the AGIC
   * connection draining annotations).
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
   */
  public addIngress(path: string, options: GracefulIngressOptions = {}): kplus.Ingress {
    if (this.peerDiscovery) {
      throw new Error(`GracefulService '${this.node.id}' is a peer-discovery Service (headless, publishing not-ready pods); `
        + 'expose a client GracefulService of the same workload instead');
    }
    ingressNameProblems(this.node.id, options);
    ingressAnnotationProblems(this.node.id, options.annotations);
    // A given Ingress keeps its own class; a class passed beside it must be the same one.
    const givenClass = options.ingress ? ingressClassOf(options.ingress) : undefined;
    if (givenClass !== undefined && options.className !== undefined && givenClass !== options.className) {
      throw new Error(`GracefulService '${this.node.id}': 'addIngress' className (${got(options.className)}) differs from the class of the given 'ingress' `
        + `(${got(givenClass)}); pass the same class, or leave 'className' out to use the Ingress's own`);
    }
    const trafficPath = this.ingressPathFor(options.className ?? givenClass);
    const kind = trafficPath._kind;
    const className = options.className ?? givenClass ?? INGRESS_CLASS[kind] ?? 'nginx';
    // GKE picks its Ingresses by the legacy annotation rather than ingressClassName.
    const ingress = options.ingress ?? new kplus.Ingress(this, 'Ingress', { metadata: options.name !== undefined ? { name: options.name } : undefined, className: kind === 'gke-neg' ? undefined : className });
    if (kind === 'gke-neg' && !options.ingress) {
      ingress.metadata.addAnnotation('kubernetes.io/ingress.class', className);
    }
    if (options.ingress && givenClass === undefined && kind !== 'gke-neg' && (options.className !== undefined || INGRESS_CLASS[kind] !== undefined)) {
      // The preStop is budgeted for this class's controller: the Ingress must go to that controller
      // (without a class it goes to the cluster's default class, whatever that is).
      ApiObject.of(ingress).addJsonPatch(JsonPatch.add('/spec/ingressClassName', className));
    }
    for (const [key, value] of Object.entries(options.annotations ?? {})) ingress.metadata.addAnnotation(key, value);
    const backend = kplus.IngressBackend.fromService(this);
    if (options.host !== undefined) {
      ingress.addHostRule(options.host, path, backend, options.pathType);
    } else {
      ingress.addRule(path, backend, options.pathType);
    }
    if (options.tlsSecret) {
      ingress.addTls([{ hosts: options.host !== undefined ? [options.host] : undefined, secret: options.tlsSecret }]);
    }
    if (kind === 'azure-agic') {
      ingress.metadata.addAnnotation('appgw.ingress.kubernetes.io/connection-draining', 'true');
      ingress.metadata.addAnnotation('appgw.ingress.kubernetes.io/connection-draining-timeout', String(trafficPath._drainSeconds(this.workloadDrainSeconds())));
    }
    trafficTarget(this.workload)?.addFrontend(ApiObject.of(ingress));
    return ingress;
  }

  /** @internal */
  public _toKube(): kplus.k8s.ServiceSpec {
    // Explicit, so a later patch or default change cannot let not-ready pods in (spec 1.3); a
    // peer-discovery Service publishes them on purpose.
    const spec = { ...super._toKube(), publishNotReadyAddresses: this.peerDiscovery };
    // Node-local traffic: the load balancer health-checks each node through kube-proxy (spec 4.2).
    return this.paths.some(p => p._kind === 'node-local') ? { ...spec, externalTrafficPolicy: 'Local' } : spec;
  }

  /** The ingress path: the one in `trafficPaths`, the preset of the class, or a new one. */
  private ingressPathFor(className: string | undefined): TrafficPath {
    const ingressPaths = this.paths.filter(p => INGRESS_CLASS[p._kind] !== undefined || (p._kind === 'custom' && className === undefined));
    const matching = className === undefined ? ingressPaths : ingressPaths.filter(p => INGRESS_CLASS[p._kind] === className);
    if (matching.length > 1) {
      throw new Error(`GracefulService '${this.node.id}': 'addIngress' cannot tell which of the traffic paths ${matching.map(p => p.name).join(', ')} `
        + 'this Ingress is for; pass its \'className\'');
    }
    if (matching.length === 1) {
      return matching[0];
    }
    const preset = className === undefined || className === 'nginx' ? TrafficPath.ingressNginx()
      : className === 'alb' ? TrafficPath.awsAlb()
        : className === 'gce' ? TrafficPath.gkeNeg()
          : className === 'azure-application-gateway' ? TrafficPath.azureAppGateway()
            : TrafficPath.custom({ name: `ingress class '${className}'`, propagationDelay: this.ingressPropagationDelay });
    // The deprecated ingressPropagationDelay still lengthens the default ingress path.
    const path = preset._kind === 'ingress-nginx' && ceilSeconds(this.ingressPropagationDelay) > 5
      ? TrafficPath.custom({ name: 'an ingress controller', propagationDelay: this.ingressPropagationDelay })
      : preset;
    this.applyPath(path);
    return path;
  }

  /** Records a path, adds it to the workload's budget and emits its Service settings. */
  private applyPath(path: TrafficPath): void {
    this.paths.push(path);
    const target = trafficTarget(this.workload);
    if (target) {
      this.checkExplicitPreStop(path);
      target.addTrafficPath(path);
    } else if (path._kind !== 'kube-proxy') {
      // A plain workload is held to the paths named for it (its readiness is checked at synth).
      this.checkPlainPreStop(path);
    }
    const drain = path._drainSeconds(this.workloadDrainSeconds());
    if (path._kind === 'aws-alb') {
      this.metadata.addAnnotation('alb.ingress.kubernetes.io/target-type', 'ip');
      this.metadata.addAnnotation('alb.ingress.kubernetes.io/target-group-attributes', `deregistration_delay.timeout_seconds=${drain}`);
      // With the controller's readiness gate a new pod counts as ready only once the ALB's own
      // health check passes, and that check asks for `/` by default: an app that answers `/` with
      // a 404 stalls the rollout. The check follows the pod's HTTP readiness probe (read at synth,
      // so containers added later count); an annotation set by hand wins.
      // The three annotations are resolved one after the other in one synth: the workload is
      // rendered once for them (synth is synchronous, so the next one renders afresh).
      let rendered: { check: ReturnType<typeof albHealthCheckOf> } | undefined;
      const check = () => {
        if (!rendered) {
          rendered = { check: albHealthCheckOf(ApiObject.of(this.workload).toJson()) };
          queueMicrotask(() => rendered = undefined);
        }
        return rendered.check;
      };
      for (const [key, field] of [['healthcheck-path', 'path'], ['healthcheck-port', 'port'], ['healthcheck-protocol', 'protocol']] as const) {
        // cdk8s's metadata has getLabel but no getAnnotation: its private map is read for one given in props.
        if ((this.metadata as unknown as { annotations?: Record<string, unknown> }).annotations?.[`alb.ingress.kubernetes.io/${key}`] === undefined) {
          this.metadata.addAnnotation(`alb.ingress.kubernetes.io/${key}`, Lazy.any({ produce: () => check()?.[field] }) as unknown as string);
        }
      }
    } else if (path._kind === 'aws-nlb') {
      this.metadata.addAnnotation('service.beta.kubernetes.io/aws-load-balancer-type', 'external');
      this.metadata.addAnnotation('service.beta.kubernetes.io/aws-load-balancer-nlb-target-type', 'ip');
      this.metadata.addAnnotation('service.beta.kubernetes.io/aws-load-balancer-target-group-attributes', `deregistration_delay.timeout_seconds=${drain}`);
    }
    if (path._kind === 'aws-alb' || path._kind === 'aws-nlb') {
      recordNote(this, `${path.name}: label the namespace elbv2.k8s.aws/pod-readiness-gate-inject=enabled before the pods are created, so the AWS Load Balancer `
        + 'Controller injects its readiness gate and a rollout waits for the load balancer to see new pods healthy');
    }
  }

  /** A graceful workload with an explicit preStop shorter than the path: refused at once, with the numbers. */
  private checkExplicitPreStop(path: TrafficPath): void {
    const graceful = gracefulWorkload(this.workload);
    if (graceful?.hasExplicitPreStop) {
      this.refuseShortPreStop(path, graceful.shutdownBudget.preStopSeconds, `raise 'shutdown.preStopDelay' to at least ${ceilSeconds(path.recommendedPreStop)}s, or omit it to derive it from the traffic paths`);
    }
  }

  private checkPlainPreStop(path: TrafficPath): void {
    if (path._kind === 'kube-proxy') return;
    const seconds = (workloadOf(ApiObject.of(this.workload).toJson())?.containers ?? []).map(c => c.preStop.seconds ?? 0);
    this.refuseShortPreStop(path, seconds.length > 0 ? Math.min(...seconds) : 0, `give its containers a preStop of at least ${ceilSeconds(path.recommendedPreStop)}s`);
  }

  private refuseShortPreStop(path: TrafficPath, preStop: number, fix: string): void {
    const lag = ceilSeconds(path.propagationDelay);
    if (preStop < lag) {
      throw new Error(`GracefulService '${this.node.id}': the workload's preStop delay (${preStop}s) must cover ${path.name}, which may send new requests for up to ${lag}s `
        + `after a pod's deletion (${path.source}), or pods stop accepting while requests still arrive; ${fix}`);
    }
  }

  private workloadDrainSeconds(): number {
    return gracefulWorkload(this.workload)?.shutdownBudget.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
  }

  private validatePlainWorkload(): string[] {
    const json = ApiObject.of(this.workload).toJson();
    if (!workloadOf(json)) {
      return [];
    }
    const report = checkManifests([json]);
    return errorMessages({ ...report, problems: [], findings: report.findings.filter(f => f.ruleId === 'GS001') })
      .map(m => `GracefulService '${this.node.id}' refuses to front a workload that is not probed: ${m}`);
  }
}

/** A graceful workload (GracefulDeployment, GracefulStatefulSet, GracefulDaemonSet), read for its budget. */
interface GracefulWorkload {
  readonly shutdownBudget: ShutdownBudget;
  readonly hasExplicitPreStop: boolean;
}

function gracefulWorkload(workload: kplus.Workload): GracefulWorkload | undefined {
  const candidate = workload as unknown as Partial<GracefulWorkload>;
  return trafficTarget(workload) && typeof candidate.hasExplicitPreStop === 'boolean' ? candidate as GracefulWorkload : undefined;
}

/** Plain-JS mistakes in the props, named (semantics: none; these are TypeErrors otherwise). */
function serviceInputProblems(id: string, props: GracefulServiceProps | undefined): void {
  if (!isRecord(props)) {
    throw new Error(`GracefulService '${id}': props (${got(props)}) must be an object with 'workload'; e.g. new GracefulService(chart, '${id}', { workload: api })`);
  }
  const workload = props.workload as unknown;
  if (!isRecord(workload) || typeof (workload as any).toPodSelectorConfig !== 'function' || !Array.isArray((workload as any).containers)) {
    throw new Error(`GracefulService '${id}': 'workload' (${workload === undefined ? 'undefined' : got(workload)}) is required: pass the GracefulDeployment, GracefulStatefulSet `
      + `or GracefulDaemonSet whose pods the Service selects, e.g. new GracefulService(chart, '${id}', { workload: api })`);
  }
  if (props.trafficPaths !== undefined && (!Array.isArray(props.trafficPaths) || props.trafficPaths.some(t => !(t instanceof TrafficPath)))) {
    throw new Error(`GracefulService '${id}': 'trafficPaths' (${got(props.trafficPaths)}) must be a list of TrafficPath presets; e.g. trafficPaths: [TrafficPath.awsAlb()]`);
  }
  if (props.peerDiscovery === true && ((props.trafficPaths ?? []).length > 0 || props.type !== undefined)) {
    throw new Error(`GracefulService '${id}': 'peerDiscovery' makes a headless Service for peers; it takes no 'trafficPaths' or 'type'. Give clients a second GracefulService`);
  }
}

/** `addIngress`'s `name`: a name the API server takes, for an Ingress this creates (semantics 7.6). */
function ingressNameProblems(id: string, options: GracefulIngressOptions): void {
  if (options.name === undefined) {
    return;
  }
  if (options.ingress !== undefined) {
    throw new Error(`GracefulService '${id}': 'addIngress' name (${got(options.name)}) names the Ingress it creates, but 'ingress' is given; name that Ingress instead`);
  }
  const problem = typeof options.name === 'string' ? nameProblem('Ingress', options.name) : 'a string';
  if (problem) {
    throw new Error(`GracefulService '${id}': 'addIngress' name (${got(options.name)}) must be ${problem}; e.g. 'shop', or leave it out for a name derived from the construct path`);
  }
}

/** The class a cdk8s-plus Ingress was made with (`spec.ingressClassName`), if any. */
function ingressClassOf(ingress: kplus.Ingress): string | undefined {
  const spec = (ApiObject.of(ingress) as unknown as { props?: { spec?: { ingressClassName?: unknown } } }).props?.spec;
  return typeof spec?.ingressClassName === 'string' ? spec.ingressClassName : undefined;
}

/** `addIngress`'s `annotations`: string keys and values, as the API server stores them. */
function ingressAnnotationProblems(id: string, annotations: unknown): void {
  if (annotations === undefined) return;
  if (!isRecord(annotations) || Object.values(annotations).some(v => typeof v !== 'string')) {
    throw new Error(`GracefulService '${id}': 'addIngress' annotations (${got(annotations)}) must map names to strings; `
      + 'e.g. { \'alb.ingress.kubernetes.io/scheme\': \'internet-facing\' } (quote numbers: \'3600\')');
  }
}

/**
 * The ALB health check that matches a workload's HTTP readiness probe: its path, its port when it
 * is not the port traffic goes to (a named port resolved to its number), HTTPS when the probe uses it.
 * Undefined when no container has an httpGet readiness probe.
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#health-check
 */
function albHealthCheckOf(workloadJson: any): { path: string; port?: string; protocol?: string } | undefined {
  const containers: any[] = workloadJson?.spec?.template?.spec?.containers ?? [];
  for (const c of containers) {
    const probe = c?.readinessProbe?.httpGet;
    if (!isRecord(probe) || typeof probe.path !== 'string') continue;
    const ports: any[] = Array.isArray(c.ports) ? c.ports : [];
    const port = typeof probe.port === 'number' ? probe.port : ports.find(p => p?.name === probe.port)?.containerPort;
    // The first declared port is where the Service sends traffic ('traffic-port', the default).
    const trafficPort = ports[0]?.containerPort;
    return {
      path: probe.path,
      port: typeof port === 'number' && port !== trafficPort ? String(port) : undefined,
      protocol: probe.scheme === 'HTTPS' ? 'HTTPS' : undefined,
    };
  }
  return undefined;
}

/** The workload as a traffic path target, when it is one. */
function trafficTarget(workload: kplus.Workload): ITrafficPathTarget | undefined {
  const candidate = workload as unknown as Partial<ITrafficPathTarget>;
  return typeof candidate.addTrafficPath === 'function' && typeof candidate.addFrontend === 'function' ? candidate as ITrafficPathTarget : undefined;
}

/** The Service type the paths need; a conflicting explicit type is refused. */
function serviceType(id: string, paths: TrafficPath[], explicit: kplus.ServiceType | undefined): kplus.ServiceType {
  const lbPaths = [...new Set(paths.filter(p => p._kind === 'aws-nlb' || p._kind === 'node-local').map(p => (p._kind === 'aws-nlb' ? 'TrafficPath.awsNlb()' : 'TrafficPath.nodeLocal()')))];
  const nlb = lbPaths.length > 0;
  const headless = paths.some(p => p._kind === 'headless-dns');
  if (nlb && headless) {
    throw new Error(`GracefulService '${id}': ${lbPaths.join(' and ')} ${lbPaths.length > 1 ? 'need' : 'needs'} a LoadBalancer Service and TrafficPath.headlessDns() `
      + 'a headless one; use two GracefulServices');
  }
  if (nlb && explicit !== undefined && explicit !== kplus.ServiceType.LOAD_BALANCER) {
    throw new Error(`GracefulService '${id}': 'type' (${explicit}) must be LoadBalancer with ${lbPaths.join(' and ')}; omit 'type'`);
  }
  if (headless && explicit !== undefined && explicit !== kplus.ServiceType.CLUSTER_IP) {
    throw new Error(`GracefulService '${id}': 'type' (${explicit}) cannot be headless (TrafficPath.headlessDns()); omit 'type'`);
  }
  return explicit ?? (nlb ? kplus.ServiceType.LOAD_BALANCER : kplus.ServiceType.CLUSTER_IP);
}
