// The data planes that route traffic to pods, and how long each takes to stop sending new
// requests to a deleted pod (docs/traffic-paths.md has the sources and the reasoning).
// One table, read by the rules (is the preStop long enough for what is in front?) and by
// the constructs' TrafficPath presets (what preStop, grace and LB drain to emit).

/** Kinds of data plane between clients and a pod. */
export type DataPlaneKind =
  | 'kube-proxy'
  | 'kube-apiserver'
  | 'host-port'
  | 'headless-dns'
  | 'ingress-nginx'
  | 'ingress'
  | 'gateway-api'
  | 'aws-alb'
  | 'aws-nlb'
  | 'gke-neg'
  | 'azure-agic'
  | 'cloud-lb';

/** What a data plane needs from a pod's shutdown. */
export interface DataPlaneProfile {
  /** Human name, as messages say it. */
  readonly title: string;
  /**
   * Seconds after a pod's deletion during which the data plane may still send it new
   * requests: the preStop delay must last at least this long.
   */
  readonly propagationSeconds: number;
  /** The preStop delay the constructs use for this path: the lag with room to spare. */
  readonly recommendedPreStopSeconds: number;
  /**
   * Whether a preStop shorter than the lag is an error (documented or measured lag) or a
   * warning (a lag that depends on settings the manifest cannot show, such as DNS caches).
   */
  readonly lagIsCertain: boolean;
  /** Where the numbers come from. */
  readonly source: string;
}

/** The profiles, by kind. Numbers and sources: docs/traffic-paths.md. */
export const DATA_PLANES: Record<DataPlaneKind, DataPlaneProfile> = {
  'kube-proxy': {
    title: 'kube-proxy (ClusterIP)',
    propagationSeconds: 1,
    recommendedPreStopSeconds: 15,
    lagIsCertain: true,
    source: 'kube-proxy applies endpoint changes within its 1 s minSyncPeriod in small clusters; 10-30 s is reported in large ones, which the 15 s default covers (spec 4.1, 4.4)',
  },
  'kube-apiserver': {
    title: 'the kube-apiserver (aggregated API or admission webhook)',
    propagationSeconds: 1,
    recommendedPreStopSeconds: 15,
    lagIsCertain: true,
    source: 'the kube-apiserver proxies aggregated API calls and admission reviews to the Service, through kube-proxy or, with --enable-aggregator-routing, to the endpoints it watches: about as fast as kube-proxy (spec 4.1)',
  },
  'host-port': {
    title: 'hostPort / hostNetwork (node-local)',
    propagationSeconds: 1,
    recommendedPreStopSeconds: 15,
    lagIsCertain: true,
    source: 'traffic arrives at the node directly; whatever sends it (an external LB health check) must see the pod leave',
  },
  'headless-dns': {
    title: 'headless Service (DNS)',
    propagationSeconds: 30,
    recommendedPreStopSeconds: 35,
    lagIsCertain: false,
    source: 'DNS answers are cached up to the CoreDNS TTL (5 s by default, 30 s plus a 30 s cache in kubeadm clusters) and again by clients (the JVM caches 30 s)',
  },
  'ingress-nginx': {
    title: 'ingress-nginx',
    propagationSeconds: 5,
    recommendedPreStopSeconds: 15,
    lagIsCertain: true,
    source: 'one sync per 3.3 s (--sync-rate-limit 0.3) plus up to 1 s until every worker uses the new list: about 4.3 s (spec 5.2; ingress-nginx #3335)',
  },
  'ingress': {
    title: 'an ingress controller',
    propagationSeconds: 5,
    recommendedPreStopSeconds: 15,
    lagIsCertain: false,
    source: 'an ingress controller of unknown class: assumed as fast as ingress-nginx (spec 5.2)',
  },
  'gateway-api': {
    title: 'a Gateway API implementation (Envoy Gateway, Istio)',
    propagationSeconds: 5,
    recommendedPreStopSeconds: 15,
    lagIsCertain: false,
    source: 'endpoint updates are pushed to Envoy over xDS; no number is published, seconds in small meshes and over a minute reported in very large ones (istio #40523)',
  },
  'aws-alb': {
    title: 'AWS ALB (IP targets)',
    propagationSeconds: 30,
    recommendedPreStopSeconds: 60,
    lagIsCertain: true,
    source: 'new requests reach a deregistered IP target for tens of seconds: 504s at a 5 s preStop and none at 25 s (aws-load-balancer-controller #1064), 25-60 s in other reports; the EKS best-practices example uses 180 s',
  },
  'aws-nlb': {
    title: 'AWS NLB (IP targets)',
    propagationSeconds: 120,
    recommendedPreStopSeconds: 150,
    lagIsCertain: true,
    source: 'NLB IP targets take about 2 minutes to stop new connections, whatever the deregistration delay (aws-load-balancer-controller #2366, #3270; containers-roadmap #470)',
  },
  'gke-neg': {
    title: 'GKE container-native load balancing (NEG)',
    propagationSeconds: 30,
    recommendedPreStopSeconds: 60,
    lagIsCertain: true,
    source: 'the NEG controller detaches a terminating pod at once and the load balancer keeps sending for up to about a minute while it is reprogrammed (ingress-gce #1574, #2222); draining may end up to 60 s after its timeout',
  },
  'azure-agic': {
    title: 'Azure Application Gateway (AGIC)',
    propagationSeconds: 90,
    recommendedPreStopSeconds: 90,
    lagIsCertain: true,
    source: 'the AGIC docs ask for a preStop of at least 90 s and a grace of 101 s: backend-pool removal takes a second to a few minutes, about 40 s measured (AGIC #75)',
  },
  'cloud-lb': {
    title: 'a cloud load balancer (type LoadBalancer)',
    propagationSeconds: 15,
    recommendedPreStopSeconds: 30,
    lagIsCertain: false,
    source: 'an external load balancer of unknown make: health checks and target updates take seconds to minutes (spec 5.5)',
  },
};
