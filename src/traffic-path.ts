import { ApiObject, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DATA_PLANES, DataPlaneKind } from './manifest/data-planes';
import { describeDuration, isDuration, isFiniteDurationOf } from './timing/duration';
import { ceilSeconds } from './timing/shutdown-budget';

/**
 * Options of the AWS Load Balancer Controller presets (ALB and NLB with IP targets).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
 */
export interface AwsLoadBalancerOptions {
  /**
   * The target group's `deregistration_delay.timeout_seconds`: how long the load balancer
   * lets requests in flight to a removed pod finish before it closes their connections.
   *
   * @default - the workload's drain timeout: the load balancer is done with a pod before the
   * pod exits (a pod that closes a connection the load balancer still drains answers 5xx)
   */
  readonly deregistrationDelay?: Duration;

  /**
   * How long the load balancer may keep sending new requests to a removed pod.
   *
   * @default - 30 s for the ALB, 120 s for the NLB (docs/traffic-paths.md)
   */
  readonly propagationDelay?: Duration;
}

/**
 * Options of the GKE container-native load balancing preset.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export interface GkeNegOptions {
  /**
   * `connectionDraining.drainingTimeoutSec` of the BackendConfig: how long requests in flight
   * to a removed pod may finish. GKE's own default is 0 (none).
   *
   * @default - the workload's drain timeout
   */
  readonly drainingTimeout?: Duration;

  /**
   * How long the load balancer may keep sending new requests to a removed pod.
   *
   * @default Duration.seconds(30) - the NEG endpoint is detached at once, the load balancer
   * is reprogrammed within tens of seconds (docs/traffic-paths.md)
   */
  readonly propagationDelay?: Duration;
}

/**
 * Options of the Azure Application Gateway (AGIC) preset.
 */
export interface AzureAppGatewayOptions {
  /**
   * `appgw.ingress.kubernetes.io/connection-draining-timeout`.
   *
   * @default - the workload's drain timeout
   */
  readonly drainingTimeout?: Duration;
}

/**
 * Options of the headless Service (DNS) preset.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export interface HeadlessDnsOptions {
  /**
   * The DNS TTL plus client caching: how long clients may resolve a removed pod's address.
   *
   * @default Duration.seconds(30) - kubeadm's CoreDNS configuration answers with TTL 30
   */
  readonly cacheTime?: Duration;
}

/**
 * Options of the node-local load balancer preset.
 *
 * @see https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip
 */
export interface NodeLocalOptions {
  /**
   * How often the cloud load balancer checks each node's health check node port.
   *
   * @default Duration.seconds(10) - with the default threshold, 30 s: longer than GKE's
   * (8 s × 3), the AWS Load Balancer Controller's for instance targets with
   * externalTrafficPolicy Local (10 s × 2) and AKS's (5 s × 2)
   */
  readonly healthCheckInterval?: Duration;

  /**
   * Failed checks in a row before the load balancer stops sending new connections to the node.
   *
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}

/**
 * A path of your own making.
 */
export interface CustomTrafficPathOptions {
  /** A name for messages, e.g. 'corporate F5'. */
  readonly name: string;

  /** How long the data plane may keep sending new requests to a removed pod. */
  readonly propagationDelay: Duration;

  /**
   * The preStop delay to use for this path.
   *
   * @default - the propagation delay plus 10 s
   */
  readonly preStopDelay?: Duration;
}

/**
 * What routes client traffic to a workload's pods, and what that path needs from their
 * shutdown: each path takes its own time to stop sending new requests to a deleted pod,
 * and some drain requests in flight on their side. Several paths may front one workload;
 * its budget takes the worst.
 *
 * Chosen on `GracefulService` (`trafficPaths`). The numbers and their sources are in
 * docs/traffic-paths.md.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
 */
export class TrafficPath {
  /**
   * kube-proxy in front of a ClusterIP Service: about 1 s, 10-30 s in very large clusters.
   *
   * @see https://kubernetes.io/docs/reference/networking/virtual-ips/
   */
  public static kubeProxy(): TrafficPath {
    return new TrafficPath('kube-proxy');
  }

  /**
   * ingress-nginx: about 4.3 s with default settings (one sync per 3.3 s plus the Lua balancer's 1 s).
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/
   */
  public static ingressNginx(): TrafficPath {
    return new TrafficPath('ingress-nginx');
  }

  /**
   * A Gateway API implementation (Envoy Gateway, Istio): endpoint updates pushed over xDS.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/gateway/
   */
  public static gatewayApi(): TrafficPath {
    return new TrafficPath('gateway-api');
  }

  /**
   * AWS Application Load Balancer with IP targets, through the AWS Load Balancer Controller.
   * Emits the target type and the deregistration delay; the pod readiness gate needs the
   * namespace label `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
   */
  public static awsAlb(options: AwsLoadBalancerOptions = {}): TrafficPath {
    return new TrafficPath('aws-alb',
      optional(options.propagationDelay, 'TrafficPath.awsAlb \'propagationDelay\''), optional(options.deregistrationDelay, 'TrafficPath.awsAlb \'deregistrationDelay\''));
  }

  /**
   * AWS Network Load Balancer with IP targets: new connections for about 2 minutes after
   * deregistration starts, whatever the deregistration delay.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
   */
  public static awsNlb(options: AwsLoadBalancerOptions = {}): TrafficPath {
    return new TrafficPath('aws-nlb',
      optional(options.propagationDelay, 'TrafficPath.awsNlb \'propagationDelay\''), optional(options.deregistrationDelay, 'TrafficPath.awsNlb \'deregistrationDelay\''));
  }

  /**
   * GKE container-native load balancing (NEG): emits the NEG annotation and a BackendConfig
   * with connection draining (GKE injects the NEG readiness gate itself).
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
   */
  public static gkeNeg(options: GkeNegOptions = {}): TrafficPath {
    return new TrafficPath('gke-neg',
      optional(options.propagationDelay, 'TrafficPath.gkeNeg \'propagationDelay\''), optional(options.drainingTimeout, 'TrafficPath.gkeNeg \'drainingTimeout\''));
  }

  /**
   * Azure Application Gateway through AGIC: its docs ask for a preStop of at least 90 s.
   * Emits the connection-draining annotations on the Ingress.
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/
   */
  public static azureAppGateway(options: AzureAppGatewayOptions = {}): TrafficPath {
    return new TrafficPath('azure-agic', undefined, optional(options.drainingTimeout, 'TrafficPath.azureAppGateway \'drainingTimeout\''));
  }

  /**
   * A headless Service found through DNS: clients may use a removed address until their
   * cached answer expires. The Service is made headless (`clusterIP: None`).
   *
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
   */
  public static headlessDns(options: HeadlessDnsOptions = {}): TrafficPath {
    return new TrafficPath('headless-dns', optional(options.cacheTime, 'TrafficPath.headlessDns \'cacheTime\''));
  }

  /**
   * A cloud load balancer that sends traffic to nodes, each node serving it with its own pods:
   * a `type: LoadBalancer` Service with `externalTrafficPolicy: Local` (node agents, ingress
   * controllers). When a node's pod stops, kube-proxy's health check node port answers 503 within
   * about a second, and the load balancer stops sending new connections to the node after
   * `healthCheckInterval` × `unhealthyThreshold`; meanwhile kube-proxy still delivers them to the
   * terminating pod, which must keep serving (spec 4.1, 4.2). Emits the Service type and traffic
   * policy; set the load balancer's own health check to the same numbers.
   *
   * @see https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip
   */
  public static nodeLocal(options: NodeLocalOptions = {}): TrafficPath {
    const interval = optional(options.healthCheckInterval, 'TrafficPath.nodeLocal \'healthCheckInterval\'');
    const threshold = options.unhealthyThreshold ?? NODE_LOCAL_DEFAULTS.unhealthyThreshold;
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > 10) {
      throw new Error(`'TrafficPath.nodeLocal' 'unhealthyThreshold' (${threshold}) must be a whole number from 1 to 10 (the range cloud load balancers accept)`);
    }
    const intervalSeconds = interval ? ceilSeconds(interval) : NODE_LOCAL_DEFAULTS.intervalSeconds;
    // kube-proxy's health server follows the endpoint change within its 1 s sync (spec 4.1).
    const lag = intervalSeconds * threshold + 1;
    return new TrafficPath('node-local', Duration.seconds(lag), undefined, `a node-local load balancer (health check every ${intervalSeconds}s, ${threshold} failures)`,
      Duration.seconds(lag + NODE_LOCAL_DEFAULTS.roomSeconds), NODE_LOCAL_SOURCE);
  }

  /**
   * A path the presets do not cover, with its own numbers.
   */
  public static custom(options: CustomTrafficPathOptions): TrafficPath {
    if (typeof options?.name !== 'string' || options.name.trim() === '') {
      throw new Error('\'TrafficPath.custom\' needs a \'name\' for messages, e.g. TrafficPath.custom({ name: \'corporate F5\', propagationDelay: Duration.seconds(20) })');
    }
    const lag = required(options.propagationDelay, 'TrafficPath.custom \'propagationDelay\'');
    const preStop = optional(options.preStopDelay, 'TrafficPath.custom \'preStopDelay\'');
    if (preStop !== undefined && ceilSeconds(preStop) < ceilSeconds(lag)) {
      throw new Error(`'TrafficPath.custom' 'preStopDelay' (${ceilSeconds(preStop)}s) must be at least its 'propagationDelay' (${ceilSeconds(lag)}s), `
        + 'or the pod stops accepting while requests still arrive; raise preStopDelay or omit it');
    }
    return new TrafficPath('custom', lag, undefined, options.name, preStop);
  }

  /** The data plane, as the rules name it (`aws-alb`, `ingress-nginx`, …). @internal */
  public readonly _kind: DataPlaneKind | 'custom' | 'node-local';
  /** Name for messages. */
  public readonly name: string;
  /** How long the path may keep sending new requests to a removed pod: the shortest preStop it allows. */
  public readonly propagationDelay: Duration;
  /** The preStop delay the constructs use for this path: the propagation delay with room to spare. */
  public readonly recommendedPreStop: Duration;
  /** Where the numbers come from. */
  public readonly source: string;
  /** The load balancer's drain of requests in flight, when set explicitly. @internal */
  public readonly _lbDrain?: Duration;

  private constructor(kind: DataPlaneKind | 'custom' | 'node-local', propagation?: Duration, lbDrain?: Duration, name?: string, preStop?: Duration, source?: string) {
    this._kind = kind;
    const profile = kind === 'custom' || kind === 'node-local' ? undefined : DATA_PLANES[kind];
    this.name = name ?? profile!.title;
    this.propagationDelay = propagation ?? Duration.seconds(profile!.propagationSeconds);
    // An explicit propagation delay keeps the preset's room above it.
    const room = profile ? profile.recommendedPreStopSeconds - profile.propagationSeconds : 10;
    this.recommendedPreStop = preStop ?? (propagation || !profile
      ? Duration.seconds(ceilSeconds(this.propagationDelay) + room)
      : Duration.seconds(profile.recommendedPreStopSeconds));
    this.source = profile?.source ?? source ?? 'declared with TrafficPath.custom';
    this._lbDrain = lbDrain;
  }

  /** The load balancer drain this path gets for a workload that drains `drainSeconds`. @internal */
  public _drainSeconds(drainSeconds: number): number | undefined {
    if (!['aws-alb', 'aws-nlb', 'gke-neg', 'azure-agic'].includes(this._kind)) {
      return undefined;
    }
    return this._lbDrain ? ceilSeconds(this._lbDrain) : Math.max(1, drainSeconds);
  }
}

/**
 * A workload whose shutdown budget follows the traffic paths in front of it
 * (GracefulDeployment and the other graceful workloads).
 */
export interface ITrafficPathTarget extends IConstruct {
  /**
   * Makes the workload's preStop delay and grace period cover a path in front of it.
   */
  addTrafficPath(path: TrafficPath): void;

  /**
   * An object in front of the workload (its Service, an Ingress, a BackendConfig), checked
   * together with the workload at synth so the path's settings are judged against its shutdown.
   */
  addFrontend(frontend: ApiObject): void;
}

/**
 * Defaults of `TrafficPath.nodeLocal()`: the cloud providers' health checks of a node's
 * healthCheckNodePort, worst case, with 10 s of room, as `custom` paths get.
 */
const NODE_LOCAL_DEFAULTS = { intervalSeconds: 10, unhealthyThreshold: 3, roomSeconds: 10 };
const NODE_LOCAL_SOURCE = 'the load balancer marks a node unhealthy after interval × threshold failed checks of kube-proxy\'s health check node port, which fails '
  + 'within its 1 s sync once the node has no ready endpoint: GKE 8 s × 3 (ingress-gce L4 health checks), AWS Load Balancer Controller instance '
  + 'targets with externalTrafficPolicy Local 10 s × 2, AKS 5 s × 2 (cloud-provider-azure); 10 s × 3 covers them';

function required(value: Duration | undefined, name: string): Duration {
  if (!isDuration(value)) {
    throw new Error(`${name} must be a Duration (got ${value === undefined ? 'nothing' : JSON.stringify(value)}); pass e.g. Duration.seconds(20)`);
  }
  if (!isFiniteDurationOf(value, 0, true)) {
    throw new Error(`${name} (${describeDuration(value)}) must be a finite Duration of 0s or more; pass e.g. Duration.seconds(20)`);
  }
  return value;
}

function optional(value: Duration | undefined, name: string): Duration | undefined {
  if (value === undefined) return undefined;
  const d = isDuration(value) ? value : required(value, name);
  if (!isFiniteDurationOf(d, 0, false)) {
    throw new Error(`${name} (${describeDuration(d)}) must be a positive, finite Duration; pass e.g. Duration.seconds(20)`);
  }
  return d;
}
