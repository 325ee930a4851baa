// The traffic path model: what routes client traffic to which container and port of a
// workload, and through which data planes. "Serving" means something routes client
// traffic to the container, not that it declares a containerPort: a port reached only by a
// metrics Service (or by nothing) is not client traffic; a port a Service routes to is
// serving even when the container does not declare it. Pure functions over a ClusterModel,
// shared by the rules, the constructs' validation and the drill.

import { ClusterModel } from './cluster';
import { DATA_PLANES, DataPlaneKind } from './data-planes';
import { isRecord } from './fields';
import { KubeObject, describeObject, nameOf, namespaceOf } from './kube-object';
import { ContainerPortView, ContainerView, WorkloadView } from './workload';
import { DEFAULT_PROTOCOL, serviceTargetPort } from '../kubernetes/defaults';

/** A data plane in front of a route, with the settings the manifest gives it. */
export interface DataPlane {
  readonly kind: DataPlaneKind;
  /** The object that puts it there, as messages name it (e.g. `Ingress 'shop/web'`). */
  readonly through: string;
  /** The object itself. */
  readonly object: KubeObject;
  /**
   * The load balancer's drain of a removed target, in seconds, when the path has one: AWS
   * deregistration delay, GKE BackendConfig connection draining, AGIC connection draining.
   */
  readonly drainSeconds?: number;
  /** Where the drain comes from ('default' when the manifest does not set it). */
  readonly drainSource?: string;
  /** JSON pointer of the setting, or of the object's annotations when it is missing. */
  readonly drainPointer?: string;
  /** The object holding the drain setting (Service, Ingress or BackendConfig). */
  readonly drainObject?: KubeObject;
}

/**
 * What a route carries: client requests; metrics scrapes; peer discovery; or a control plane's
 * configuration streams (xDS), whose clients reconnect to another replica and keep serving with
 * their last configuration meanwhile, so a cut stream loses no request.
 */
export type RoutePurpose = 'client' | 'metrics' | 'peer-discovery' | 'config-stream';

/**
 * Ports that carry control-plane configuration streams: Envoy's xDS (istiod's 15010 `grpc-xds`
 * and 15012, Envoy Gateway's 18000), nginx-gateway-fabric's agent stream (`agent-grpc`).
 * Sources: Istio "Ports used by Istio"; Envoy Gateway and nginx-gateway-fabric deployment manifests.
 */
const CONFIG_STREAM_PORT_NAME = /^(grpc-)?xds$|^agent-grpc$/;
const CONFIG_STREAM_IMAGES: ReadonlyArray<readonly [RegExp, readonly number[]]> = [
  [/(^|\/)(pilot|istiod)(:|@|$)/, [15010, 15012]],
  [/(^|\/)envoyproxy\/gateway(:|@|$)/, [18000]],
];

/** Whether a container port carries configuration streams (xDS) rather than requests. */
function isConfigStreamPort(container: ContainerView, containerPort: number, names: Array<string | undefined>): boolean {
  if (names.some(n => n !== undefined && CONFIG_STREAM_PORT_NAME.test(n))) return true;
  return CONFIG_STREAM_IMAGES.some(([image, ports]) => image.test(container.image) && ports.includes(containerPort));
}

/** One Service port routed to one container of a workload. */
export interface ServicePortRoute {
  readonly service: KubeObject;
  /** Index of the port in the Service's spec.ports. */
  readonly portIndex: number;
  readonly servicePort: { readonly name?: string; readonly port: number; readonly targetPort: number | string };
  /** The container that receives the traffic. */
  readonly container: ContainerView;
  /** The port number in the pod. */
  readonly containerPort: number;
  /** Whether the container declares that port. */
  readonly declared: boolean;
  readonly purpose: RoutePurpose;
  /** Data planes between clients and the pod, nearest the client first. */
  readonly via: DataPlane[];
}

/** A Service port whose named targetPort no container of a selected pod declares. */
export interface UnresolvedTargetPort {
  readonly service: KubeObject;
  readonly portIndex: number;
  readonly targetPort: string;
}

/** Why a container counts as serving, or not. */
export type Serving =
  /** A Service (or a hostPort) routes client traffic to it. */
  | 'routed'
  /** Its routes are not in view and it declares a port not named for metrics: counted as serving (strict). */
  | 'declared'
  /** Only metrics scrapers (or peers) reach it. */
  | 'metrics-only'
  /** Nothing routes to it. */
  | 'none';

/** The traffic of one container. */
export interface ContainerTraffic {
  readonly container: ContainerView;
  readonly serving: Serving;
  /** Every route to it, client or not. */
  readonly routes: ServicePortRoute[];
  /** Distinct data planes in front of its client routes. */
  readonly dataPlanes: DataPlane[];
}

/** A service mesh proxy in the pod, injected or to be injected at admission. */
export interface MeshView {
  readonly kind: 'istio' | 'linkerd';
  /** The proxy runs as a native sidecar: it gets SIGTERM only after the app exits (spec 1.9). */
  readonly native: boolean;
  /** Seconds the proxy keeps forwarding after its own termination starts. */
  readonly drainSeconds: number;
  /** Whether `drainSeconds` was set in the manifest (else the mesh's default). */
  readonly drainDeclared: boolean;
  /** The annotation that sets it. */
  readonly setting: string;
}

/** The traffic of one workload. */
export interface WorkloadTraffic {
  readonly containers: ContainerTraffic[];
  /** The containers that serve (`isServing`), in the same order. */
  readonly serving: ContainerTraffic[];
  readonly unresolved: UnresolvedTargetPort[];
  readonly mesh?: MeshView;
  /** Whether every route to this workload's namespace was in view. */
  readonly routesVisible: boolean;
}

/**
 * Port names that carry metrics, health or debugging rather than client traffic
 * (`metrics`, `http-metrics`, `https-metrics`, `prometheus`, `telemetry`, `profiling`, …).
 */
const NON_CLIENT_PORT_WORD = /^(metrics|prometheus|prom|telemetry|monitoring|profiling|pprof|debug|healthz|health|probes?)$/;

const metricsNames = new Map<string, boolean>();

/** True for a port name used for metrics, health or debugging, not client traffic. */
export function isMetricsPortName(name: string | undefined): boolean {
  if (name === undefined) return false;
  let known = metricsNames.get(name);
  if (known === undefined) {
    known = name.toLowerCase().split(/[-_.]/).some(word => NON_CLIENT_PORT_WORD.test(word));
    if (metricsNames.size < 10_000) metricsNames.set(name, known);
  }
  return known;
}

type IndexedServicePort = { index: number; name?: string; port: number; targetPort: number | string; protocol: string };
const portsOfService = new WeakMap<KubeObject, IndexedServicePort[]>();

/** A Service's `spec.ports`, valid entries only (their problems are reported elsewhere); read once per Service. */
export function servicePortsOf(service: KubeObject): IndexedServicePort[] {
  let known = portsOfService.get(service);
  if (!known) {
    known = readServicePorts(service);
    portsOfService.set(service, known);
  }
  return known;
}

function readServicePorts(service: KubeObject): IndexedServicePort[] {
  const ports = Array.isArray(service.spec?.ports) ? service.spec.ports : [];
  const out = [];
  for (let index = 0; index < ports.length; index++) {
    const p = ports[index];
    if (!isRecord(p) || typeof p.port !== 'number') continue;
    // Left out, 0 or "": the API server stores `port` (SetDefaults_Service).
    const target = serviceTargetPort(p.port, p.targetPort);
    if (typeof target !== 'number' && typeof target !== 'string') continue; // GS000 reports it
    out.push({
      index,
      name: typeof p.name === 'string' ? p.name : undefined,
      port: p.port,
      // A digit string is refused (GS000); read as the number that was meant.
      targetPort: typeof target === 'string' && /^\d+$/.test(target) ? Number(target) : target,
      protocol: typeof p.protocol === 'string' ? p.protocol : DEFAULT_PROTOCOL,
    });
  }
  return out;
}

export function isHeadless(service: KubeObject): boolean {
  return service.spec?.clusterIP === 'None';
}

/** Resolves a Service targetPort in a pod: the container and port number, as the endpoint controller does. */
function resolveTarget(
  w: WorkloadView,
  targetPort: number | string,
  protocol: string,
): { container: ContainerView; port: number; declared: boolean } | undefined {
  // Named ports are looked up in the app containers, then in native sidecars.
  const byNumber = typeof targetPort === 'number';
  for (const c of w.running) {
    for (const p of c.ports) {
      if ((byNumber ? p.containerPort === targetPort : p.name === targetPort) && p.protocol === protocol) {
        return { container: c, port: p.containerPort, declared: true };
      }
    }
  }
  if (typeof targetPort === 'string') {
    return undefined;
  }
  // A numeric targetPort reaches the pod whether or not a container declares it: the
  // listener is taken to be the first app container.
  const app = w.containers.find(c => c.role === 'main') ?? w.containers[0];
  return app ? { container: app, port: targetPort, declared: false } : undefined;
}

/** A Service port resolved to a container of one workload, before its purpose is known. */
interface ResolvedPort {
  readonly port: IndexedServicePort;
  readonly container: ContainerView;
  readonly containerPort: number;
  readonly declared: boolean;
  /** Ingresses, routes, APIServices and webhooks that send to this port. */
  readonly fronts: DataPlane[];
}

/**
 * What a Service port carries, decided by what routes to it, never by the Service's name:
 * - client traffic when an Ingress, a route, an APIService or an admission webhook sends to it
 *   (the kube-apiserver is the client of the last two), whatever its name;
 * - metrics when Prometheus scrapes it (a ServiceMonitor or the prometheus.io annotations) per pod
 *   through a headless Service, or on a sidecar (a scraped port of the main container behind a
 *   ClusterIP Service may still carry clients: Grafana on 3000, Prometheus on 9090);
 * - metrics when the port is named for metrics (`metrics`, `http-monitoring`, …); but a port
 *   named `http-metrics` on a Service that also carries other client traffic to the same container
 *   is that server's HTTP API (Loki, Mimir, Tempo and Cortex serve their API and their metrics on
 *   it, and name it so);
 * - peer discovery on a headless Service that publishes not-ready pods (StatefulSets), or a
 *   per-pod Service (one pod by `statefulset.kubernetes.io/pod-name`) that does (redis-ha's
 *   announce Services);
 * - otherwise client traffic.
 */
function purposeOf(
  model: ClusterModel, service: KubeObject, r: ResolvedPort, siblings: ResolvedPort[], primary: ContainerView | undefined,
): RoutePurpose {
  if (r.fronts.length > 0) {
    return 'client';
  }
  if ((isHeadless(service) || r.container !== primary) && scrapedPort(model, service, r.port)) {
    return 'metrics';
  }
  const sharedHttpPort = r.port.name === SHARED_HTTP_PORT_NAME
    && siblings.some(s => s !== r && s.container === r.container && !namedForMetrics(s) && !streamPort(s));
  if (namedForMetrics(r) && !sharedHttpPort) {
    return 'metrics';
  }
  if (streamPort(r)) {
    return 'config-stream';
  }
  if (service.spec?.publishNotReadyAddresses === true && (isHeadless(service) || isPerPodService(service))) {
    return 'peer-discovery';
  }
  return 'client';
}

/** The port name Grafana's servers (Loki, Mimir, Tempo) give the HTTP port that serves their API and their metrics. */
const SHARED_HTTP_PORT_NAME = 'http-metrics';

/** A port that carries configuration streams (by its Service port, target or container port name, or the control plane's image). */
function streamPort(r: ResolvedPort): boolean {
  const containerPortName = r.container.ports.find(p => p.containerPort === r.containerPort)?.name;
  return isConfigStreamPort(r.container, r.containerPort, [r.port.name, typeof r.port.targetPort === 'string' ? r.port.targetPort : undefined, containerPortName]);
}

/** A port named for metrics: the Service port, its target, or the container port. */
function namedForMetrics(r: ResolvedPort): boolean {
  const containerPortName = r.container.ports.find(p => p.containerPort === r.containerPort)?.name;
  return isMetricsPortName(r.port.name) || (typeof r.port.targetPort === 'string' && isMetricsPortName(r.port.targetPort)) || isMetricsPortName(containerPortName);
}

/** The label the StatefulSet controller puts on each pod with the pod's own name. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/** A Service that selects one pod by its name (a StatefulSet's per-pod Service). */
export function isPerPodService(service: KubeObject): boolean {
  const selector = service.spec?.selector;
  return isRecord(selector) && typeof selector[POD_NAME_LABEL] === 'string';
}

/** True when a ServiceMonitor scrapes this port, or the Service's prometheus.io annotations name it. */
function scrapedPort(model: ClusterModel, service: KubeObject, port: ServicePort): boolean {
  const annotations = service.metadata?.annotations ?? {};
  if (String(annotations['prometheus.io/scrape']) === 'true' && String(annotations['prometheus.io/port']) === String(port.port)) {
    return true;
  }
  return model.serviceMonitorsSelecting(service).some(m => {
    const endpoints: any[] = Array.isArray(m.spec?.endpoints) ? m.spec.endpoints : [];
    return endpoints.some(e => (e?.port !== undefined && e.port === port.name)
      || (e?.targetPort !== undefined && String(e.targetPort) === String(port.targetPort)));
  });
}

/** The routes and data planes of one workload. */
export function trafficOf(w: WorkloadView, model: ClusterModel): WorkloadTraffic {
  const routes: ServicePortRoute[] = [];
  const unresolved: UnresolvedTargetPort[] = [];
  const primary = w.containers.find(c => c.role === 'main');
  for (const service of model.servicesSelecting(w)) {
    const resolved: ResolvedPort[] = [];
    for (const port of servicePortsOf(service)) {
      const target = resolveTarget(w, port.targetPort, port.protocol);
      if (!target) {
        unresolved.push({ service, portIndex: port.index, targetPort: String(port.targetPort) });
        continue;
      }
      const fronts = frontendsOf(model, service, port);
      resolved.push({ port, container: target.container, containerPort: target.port, declared: target.declared, fronts });
    }
    if (resolved.length === 0) continue;
    const plane = serviceDataPlane(service);
    for (const r of resolved) {
      routes.push({
        service,
        portIndex: r.port.index,
        servicePort: { name: r.port.name, port: r.port.port, targetPort: r.port.targetPort },
        container: r.container,
        containerPort: r.containerPort,
        declared: r.declared,
        purpose: purposeOf(model, service, r, resolved, primary),
        via: r.fronts.length === 0 ? [plane] : [...r.fronts, plane],
      });
    }
  }
  const visible = model.routesVisible(w.namespace);
  const containers = w.running.map(c => containerTraffic(c, routes.length === 0 ? routes : routes.filter(r => r.container === c), visible, w));
  return { containers, serving: containers.filter(isServing), unresolved, mesh: meshOf(w), routesVisible: visible };
}

function containerTraffic(c: ContainerView, routes: ServicePortRoute[], visible: boolean, w: WorkloadView): ContainerTraffic {
  if (routes.length === 0 && !w.hostNetwork && c.ports.every(p => p.hostPort === undefined)) {
    // Nothing routes to it and it binds no node port (most sidecars, workers and jobs).
    return { container: c, serving: unroutedServing(c, visible, w), routes, dataPlanes: [] };
  }
  const client = routes.filter(r => r.purpose === 'client');
  const planes = new Map<string, DataPlane>();
  for (const r of client) {
    for (const d of r.via) {
      planes.set(`${d.kind}\n${d.through}`, d);
    }
  }
  // A hostPort (or hostNetwork) port takes traffic at the node, unless it is named for
  // metrics or only metrics routes reach it.
  const metricsPorts = new Set(routes.filter(r => r.purpose === 'metrics').map(r => r.containerPort));
  const hostPorts = c.ports.filter(p => (p.hostPort !== undefined || w.hostNetwork)
    && !isMetricsPort(p, w) && !metricsPorts.has(p.containerPort));
  if (hostPorts.length > 0 && c.role !== 'mesh-proxy') {
    planes.set('host-port', { kind: 'host-port', through: `${w.hostNetwork ? 'hostNetwork' : 'hostPort'} ${hostPorts.map(p => p.hostPort ?? p.containerPort).join(', ')}`, object: w.object });
  }
  let serving: Serving;
  if (c.role === 'mesh-proxy') {
    // The proxy forwards what the app serves; the app's routes are judged instead.
    serving = 'none';
  } else if (client.length > 0 || planes.size > 0) {
    serving = 'routed';
  } else if (routes.length > 0) {
    serving = 'metrics-only';
  } else {
    serving = unroutedServing(c, visible, w);
  }
  return { container: c, serving, routes, dataPlanes: [...planes.values()] };
}

/** A container nothing routes to: serving only when the routes are out of view and it declares a client port. */
function unroutedServing(c: ContainerView, visible: boolean, w: WorkloadView): Serving {
  if (c.role === 'mesh-proxy') return 'none';
  if (!visible && c.ports.some(p => !isMetricsPort(p, w))) return 'declared';
  return c.ports.length > 0 && !visible ? 'metrics-only' : 'none';
}

/**
 * A container port that carries metrics: named so, or the port the pod's own scrape annotations
 * name (`prometheus.io/scrape: "true"` with `prometheus.io/port`), which Prometheus reaches
 * directly at the pod, with no Service.
 */
function isMetricsPort(p: ContainerPortView, w: WorkloadView): boolean {
  if (isMetricsPortName(p.name)) return true;
  const a = w.annotations;
  return a['prometheus.io/scrape'] === 'true' && a['prometheus.io/port'] === String(p.containerPort);
}

/** True when something sends client traffic to the container (or, routes unseen, it declares such a port). */
export function isServing(t: ContainerTraffic): boolean {
  return t.serving === 'routed' || t.serving === 'declared';
}

/** Ports that carry client traffic, as messages list them. */
export function servingPortsText(t: ContainerTraffic): string {
  const client = t.routes.filter(r => r.purpose === 'client');
  if (client.length > 0) {
    const byPort = new Map<number, string[]>();
    for (const r of client) {
      byPort.set(r.containerPort, [...(byPort.get(r.containerPort) ?? []), `Service '${nameOf(r.service)}'`]);
    }
    return [...byPort].map(([port, via]) => `${port} (via ${[...new Set(via)].join(', ')})`).join(', ');
  }
  const host = t.dataPlanes.find(d => d.kind === 'host-port');
  if (host) {
    return `${host.through.replace(/^host(Port|Network) /, '')} (${host.through.split(' ')[0]})`;
  }
  return t.container.ports.filter(p => !isMetricsPortName(p.name)).map(p => String(p.containerPort)).join(', ');
}

const planeOfService = new WeakMap<KubeObject, DataPlane>();

/** The data plane a Service itself puts in front of its pods (read once per Service). */
function serviceDataPlane(service: KubeObject): DataPlane {
  let plane = planeOfService.get(service);
  if (!plane) {
    plane = readServiceDataPlane(service);
    planeOfService.set(service, plane);
  }
  return plane;
}

function readServiceDataPlane(service: KubeObject): DataPlane {
  const through = describeObject(service);
  if (isHeadless(service)) {
    return { kind: 'headless-dns', through, object: service };
  }
  if (service.spec?.type !== 'LoadBalancer') {
    return { kind: 'kube-proxy', through, object: service };
  }
  const a = isRecord(service.metadata?.annotations) ? service.metadata.annotations : {};
  const lbType = String(a['service.beta.kubernetes.io/aws-load-balancer-type'] ?? '');
  const awsClass = service.spec?.loadBalancerClass === 'service.k8s.aws/nlb';
  if (lbType === 'external' || lbType === 'nlb-ip' || awsClass) {
    const targetType = String(a['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type'] ?? (lbType === 'nlb-ip' ? 'ip' : 'instance'));
    if (targetType === 'ip') {
      return { kind: 'aws-nlb', through, object: service, ...awsDeregistration(service, 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes') };
    }
    // Instance targets: the NLB sends to node ports and kube-proxy picks the pod.
    return { kind: 'kube-proxy', through: `${through} (NLB instance targets)`, object: service };
  }
  return { kind: 'cloud-lb', through, object: service };
}

/** AWS target-group deregistration delay from an annotation (default 300 s). */
export function awsDeregistration(obj: KubeObject, annotation: string): Pick<DataPlane, 'drainSeconds' | 'drainSource' | 'drainPointer' | 'drainObject'> {
  const raw = obj.metadata?.annotations?.[annotation];
  const m = typeof raw === 'string' ? /(?:^|,)\s*deregistration_delay\.timeout_seconds\s*=\s*(\d+)/.exec(raw) : null;
  const pointer = `/metadata/annotations/${annotation.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  if (m) {
    return { drainSeconds: Number(m[1]), drainSource: `${annotation} on ${describeObject(obj)}`, drainPointer: pointer, drainObject: obj };
  }
  return { drainSeconds: AWS_DEFAULT_DEREGISTRATION_DELAY_SECONDS, drainSource: 'the AWS default: no deregistration_delay.timeout_seconds attribute', drainPointer: '/metadata/annotations', drainObject: obj };
}

/** AWS target groups' deregistration delay when not set (spec 5.3). */
export const AWS_DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

/** The mesh proxy of a pod, from its containers and its injection annotations. */
export function meshOf(w: WorkloadView): MeshView | undefined {
  const labels = w.templateLabels;
  const a = w.annotations;
  const istioProxy = w.running.find(c => c.name === 'istio-proxy');
  const istioInject = labels['sidecar.istio.io/inject'] ?? a['sidecar.istio.io/inject'];
  if (istioProxy || istioInject === 'true') {
    if (istioInject === 'false' && !istioProxy) return undefined;
    const config = a['proxy.istio.io/config'] ?? '';
    // YAML (`terminationDrainDuration: 30s`) or JSON (`{"terminationDrainDuration": "30s"}`).
    const m = /terminationDrainDuration["']?\s*:\s*["']?(\d+(?:\.\d+)?)(ms|s|m|h)["']?/.exec(config);
    const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
    return {
      kind: 'istio',
      native: istioProxy?.role === 'native-sidecar' || a['sidecar.istio.io/nativeSidecar'] === 'true',
      drainSeconds: m ? Number(m[1]) * unit[m[2]] : ISTIO_DEFAULT_DRAIN_SECONDS,
      drainDeclared: m !== null,
      setting: 'proxy.istio.io/config terminationDrainDuration',
    };
  }
  const linkerdProxy = w.running.find(c => c.name === 'linkerd-proxy');
  const linkerdInject = a['linkerd.io/inject'];
  if (linkerdProxy || linkerdInject === 'enabled' || linkerdInject === 'ingress') {
    const wait = Number(a['config.alpha.linkerd.io/proxy-wait-before-exit-seconds']);
    return {
      kind: 'linkerd',
      native: linkerdProxy?.role === 'native-sidecar' || a['config.beta.linkerd.io/proxy-enable-native-sidecar'] === 'true'
        || a['config.alpha.linkerd.io/proxy-enable-native-sidecar'] === 'true',
      drainSeconds: Number.isFinite(wait) ? wait : 0,
      drainDeclared: Number.isFinite(wait),
      setting: 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds',
    };
  }
  return undefined;
}

/** Istio's default terminationDrainDuration (spec 5.3c). */
export const ISTIO_DEFAULT_DRAIN_SECONDS = 5;

/** The worst propagation lag of a container's client paths, with the data plane that sets it. */
export function worstLag(t: ContainerTraffic): { seconds: number; plane: DataPlane } | undefined {
  let worst: { seconds: number; plane: DataPlane } | undefined;
  for (const plane of t.dataPlanes) {
    const seconds = DATA_PLANES[plane.kind].propagationSeconds;
    if (!worst || seconds > worst.seconds) {
      worst = { seconds, plane };
    }
  }
  return worst;
}

type ServicePort = { name?: string; port: number; targetPort: number | string };

/** The data planes of the Ingresses, routes, APIServices and webhooks that send traffic to a Service port. */
function frontendsOf(model: ClusterModel, service: KubeObject, port: ServicePort): DataPlane[] {
  const refs = model.frontendRefsOf(service);
  if (refs.length === 0) {
    return refs as never[];
  }
  const out: DataPlane[] = [];
  for (const ref of refs) {
    if (ref.port !== undefined && ref.port !== port.port && ref.port !== port.name) {
      continue;
    }
    const kind = ref.object.kind;
    out.push(kind === 'Ingress' ? ingressDataPlane(model, ref.object, service, port)
      : kind === 'HTTPRoute' || kind === 'GRPCRoute' ? routeDataPlane(model, ref.object, service, port)
        : { kind: 'kube-apiserver', through: describeObject(ref.object), object: ref.object });
  }
  return out;
}

/** Ingress class → data plane: from the IngressClass's controller when in view, else the class name. */
function ingressDataPlane(model: ClusterModel, ingress: KubeObject, service: KubeObject, port: ServicePort): DataPlane {
  const a = isRecord(ingress.metadata?.annotations) ? ingress.metadata.annotations : {};
  const className: string | undefined = ingress.spec?.ingressClassName ?? a['kubernetes.io/ingress.class'];
  const ingressClass = className !== undefined
    ? model.find('IngressClass', '', className)
    : model.defaultIngressClass();
  const controller = String(ingressClass?.spec?.controller ?? '');
  const name = String(className ?? '');
  const through = describeObject(ingress);
  if (controller === 'k8s.io/ingress-nginx' || /nginx/.test(name)) {
    return { kind: 'ingress-nginx', through, object: ingress };
  }
  if (controller === 'ingress.k8s.aws/alb' || name === 'alb') {
    const serviceAnnotations = isRecord(service.metadata?.annotations) ? service.metadata.annotations : {};
    const targetType = serviceAnnotations['alb.ingress.kubernetes.io/target-type'] ?? a['alb.ingress.kubernetes.io/target-type'] ?? 'instance';
    if (targetType !== 'ip') {
      return { kind: 'kube-proxy', through: `${through} (ALB instance targets)`, object: ingress };
    }
    const key = 'alb.ingress.kubernetes.io/target-group-attributes';
    // A target-group attribute on the Service wins over the Ingress's.
    return { kind: 'aws-alb', through, object: ingress, ...awsDeregistration(service.metadata?.annotations?.[key] !== undefined ? service : ingress, key) };
  }
  if (/^gce/.test(name) || /gce|gke/.test(controller)) {
    return { kind: 'gke-neg', through, object: ingress, ...gkeDraining(model, service, port) };
  }
  if (controller === 'azure/application-gateway' || /azure-application-gateway|application-gateway/.test(name)) {
    const enabled = a['appgw.ingress.kubernetes.io/connection-draining'] === 'true';
    const timeout = Number(a['appgw.ingress.kubernetes.io/connection-draining-timeout']);
    return {
      kind: 'azure-agic',
      through,
      object: ingress,
      drainSeconds: enabled ? (Number.isFinite(timeout) ? timeout : 30) : 0,
      drainSource: enabled ? 'appgw.ingress.kubernetes.io/connection-draining-timeout' : 'connection draining off (appgw.ingress.kubernetes.io/connection-draining not "true")',
      drainPointer: '/metadata/annotations',
      drainObject: ingress,
    };
  }
  return { kind: 'ingress', through, object: ingress };
}

/** Gateway API route → data plane, from its Gateway's class when in view. */
function routeDataPlane(model: ClusterModel, route: KubeObject, service: KubeObject, port: ServicePort): DataPlane {
  const through = describeObject(route);
  const parents: any[] = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  for (const parent of parents) {
    const gateway = model.find('Gateway', typeof parent?.namespace === 'string' ? parent.namespace : namespaceOf(route), String(parent?.name));
    const gatewayClass = String(gateway?.spec?.gatewayClassName ?? '');
    if (/^gke-l7/.test(gatewayClass)) {
      return { kind: 'gke-neg', through, object: route, ...gkeDraining(model, service, port) };
    }
  }
  return { kind: 'gateway-api', through, object: route };
}

/** GKE connection draining of a Service port: its BackendConfig's drainingTimeoutSec (default 0: none). */
function gkeDraining(model: ClusterModel, service: KubeObject, port: ServicePort): Pick<DataPlane, 'drainSeconds' | 'drainSource' | 'drainPointer' | 'drainObject'> {
  const a = isRecord(service.metadata?.annotations) ? service.metadata.annotations : {};
  const raw = a['cloud.google.com/backend-config'] ?? a['beta.cloud.google.com/backend-config'];
  let name: string | undefined;
  try {
    const parsed = typeof raw === 'string' ? JSON.parse(raw) : undefined;
    name = parsed?.ports?.[String(port.port)] ?? (port.name !== undefined ? parsed?.ports?.[port.name] : undefined) ?? parsed?.default;
  } catch {
    name = undefined;
  }
  const backendConfig = name !== undefined ? model.find('BackendConfig', namespaceOf(service), name) : undefined;
  const seconds = backendConfig?.spec?.connectionDraining?.drainingTimeoutSec;
  if (backendConfig && typeof seconds === 'number') {
    return { drainSeconds: seconds, drainSource: `BackendConfig '${name}' connectionDraining.drainingTimeoutSec`, drainPointer: '/spec/connectionDraining/drainingTimeoutSec', drainObject: backendConfig };
  }
  return {
    drainSeconds: 0,
    drainSource: backendConfig ? `BackendConfig '${name}' without connectionDraining (0 s)` : 'no BackendConfig with connectionDraining (GKE drains 0 s by default)',
    drainPointer: backendConfig ? '/spec' : '/metadata/annotations',
    drainObject: backendConfig ?? service,
  };
}
