// The traffic path model: what routes client traffic to which container, through what.
import { checkManifests } from '../src/checks';
import { ClusterModel } from '../src/manifest/cluster';
import { trafficOf } from '../src/manifest/routing';

const labels = { app: 'web' };

function deployment(containers: any[], extra: { annotations?: Record<string, string>; podSpec?: any } = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels, annotations: extra.annotations }, spec: { containers, ...extra.podSpec } },
    },
  };
}

function service(ports: any[], spec: any = {}, metadata: any = {}): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', ...metadata }, spec: { selector: labels, ports, ...spec } };
}

const app = (ports: any[], extra: any = {}) => ({ name: 'app', image: 'ghcr.io/acme/web:1', ports, ...extra });

function traffic(objects: any[], options: { routesComplete?: boolean } = {}) {
  const model = new ClusterModel(objects, options);
  return trafficOf(model.workloads[0], model);
}

function serving(objects: any[], options: { routesComplete?: boolean } = {}): Record<string, string> {
  return Object.fromEntries(traffic(objects, options).containers.map(t => [t.container.name, t.serving]));
}

describe('what serves', () => {
  test('a Service port with a named targetPort routes to the container declaring that name', () => {
    const t = traffic([deployment([app([{ name: 'http', containerPort: 8080 }])]), service([{ port: 80, targetPort: 'http' }])]);
    expect(t.containers[0].serving).toBe('routed');
    expect(t.containers[0].routes[0].containerPort).toBe(8080);
    expect(t.unresolved).toEqual([]);
  });

  test('a Service port without targetPort targets its own number', () => {
    const t = traffic([deployment([app([{ containerPort: 9080 }])]), service([{ port: 9080 }])]);
    expect(t.containers[0].routes[0].containerPort).toBe(9080);
  });

  test('a port a Service routes to serves even when the container does not declare it', () => {
    const t = traffic([deployment([app([])]), service([{ port: 80, targetPort: 3000 }])]);
    expect(t.containers[0].serving).toBe('routed');
    expect(t.containers[0].routes[0].declared).toBe(false);
  });

  test('a named targetPort no container declares routes nowhere (GS020 on the Service)', () => {
    const objects = [deployment([app([{ containerPort: 8080 }])]), service([{ port: 80, targetPort: 'grpc' }])];
    expect(traffic(objects).unresolved.map(u => u.targetPort)).toEqual(['grpc']);
    expect(checkManifests(objects).findings.map(f => `${f.ruleId} ${f.kind}`)).toContain('GS020 Service');
  });

  test('a port reached only by a metrics Service is not client traffic: no readiness or preStop error', () => {
    const objects = [
      deployment([app([{ name: 'http-metrics', containerPort: 9402 }])]),
      service([{ name: 'http-metrics', port: 9402, targetPort: 'http-metrics' }], {}, { name: 'web-metrics' }),
    ];
    expect(serving(objects)).toEqual({ app: 'metrics-only' });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('nothing routes to a declared port while the namespace\'s Services are in view: not serving', () => {
    const other = { ...deployment([app([{ containerPort: 8080 }])]), metadata: { name: 'other', namespace: 'shop' } };
    other.spec = { ...other.spec, selector: { matchLabels: { app: 'other' } }, template: { ...other.spec.template, metadata: { labels: { app: 'other' } } } };
    const objects = [deployment([app([{ containerPort: 8080 }])]), other, { ...service([{ port: 80 }]), spec: { selector: { app: 'other' }, ports: [{ port: 80 }] } }];
    expect(serving(objects)).toEqual({ app: 'none' });
  });

  test('a Service that selects no pod of the input (a typo) leaves the namespace\'s routing unknown: a declared port counts as serving', () => {
    const objects = [deployment([app([{ containerPort: 8080 }])]), { ...service([{ port: 80 }]), spec: { selector: { app: 'wbe' }, ports: [{ port: 80 }] } }];
    expect(serving(objects)).toEqual({ app: 'declared' });
  });

  test('routes not in view (a workload on its own): a declared port counts as serving, a metrics port does not', () => {
    expect(serving([deployment([app([{ containerPort: 8080 }])])])).toEqual({ app: 'declared' });
    expect(serving([deployment([app([{ name: 'metrics', containerPort: 9090 }])])])).toEqual({ app: 'metrics-only' });
    expect(serving([deployment([app([{ containerPort: 8080 }])])], { routesComplete: true })).toEqual({ app: 'none' });
  });

  test('a hostPort takes traffic at the node; a hostNetwork port scraped through a headless Service does not', () => {
    expect(serving([deployment([app([{ name: 'http', containerPort: 80, hostPort: 80 }])]), service([{ port: 10254, targetPort: 10254 }])]).app).toBe('routed');
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { team: 'x' } }, endpoints: [{ port: 'https' }] },
    };
    const objects = [
      deployment([app([{ name: 'https', containerPort: 9100 }])], { podSpec: { hostNetwork: true } }),
      service([{ name: 'https', port: 9100, targetPort: 'https' }], { clusterIP: 'None' }, { labels: { team: 'x' } }),
      monitor,
    ];
    expect(serving(objects)).toEqual({ app: 'metrics-only' });
  });

  test('a ClusterIP port Prometheus also scrapes still carries clients (Grafana on 3000)', () => {
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { team: 'x' } }, endpoints: [{ port: 'http' }] },
    };
    const objects = [deployment([app([{ name: 'http', containerPort: 3000 }])]), service([{ name: 'http', port: 3000, targetPort: 'http' }], {}, { labels: { team: 'x' } }), monitor];
    expect(serving(objects)).toEqual({ app: 'routed' });
  });

  test('a headless Service publishing not-ready pods is peer discovery (no GS019); a ClusterIP one is an error', () => {
    const headless = [deployment([app([{ name: 'redis', containerPort: 6379 }], { readinessProbe: { tcpSocket: { port: 6379 } } })]),
      service([{ name: 'redis', port: 6379 }], { clusterIP: 'None', publishNotReadyAddresses: true })];
    expect(traffic(headless).containers[0].routes[0].purpose).toBe('peer-discovery');
    expect(checkManifests(headless).findings.map(f => f.ruleId)).not.toContain('GS019');
    const clusterIp = [headless[0], service([{ name: 'redis', port: 6379 }], { publishNotReadyAddresses: true })];
    expect(checkManifests(clusterIp).findings.map(f => f.ruleId)).toContain('GS019');
  });
});

describe('data planes in front', () => {
  const ingress = (className: string, annotations: Record<string, string> = {}, port: any = { number: 80 }) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: { ingressClassName: className, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port } } }] } }] },
  });
  const base = () => [deployment([app([{ name: 'http', containerPort: 8080 }])]), service([{ name: 'http', port: 80, targetPort: 'http' }])];
  const planes = (objects: any[]) => traffic(objects).containers[0].dataPlanes.map(d => `${d.kind}${d.drainSeconds !== undefined ? `:${d.drainSeconds}` : ''}`).sort();

  test('ClusterIP: kube-proxy; headless: DNS', () => {
    expect(planes(base())).toEqual(['kube-proxy']);
    expect(planes([base()[0], service([{ name: 'http', port: 80, targetPort: 'http' }], { clusterIP: 'None' })])).toEqual(['headless-dns']);
  });

  test('ingress-nginx by class name, or by the IngressClass controller; a port referenced by name', () => {
    expect(planes([...base(), ingress('nginx')])).toEqual(['ingress-nginx', 'kube-proxy']);
    const ingressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'public' }, spec: { controller: 'k8s.io/ingress-nginx' } };
    expect(planes([...base(), ingress('public', {}, { name: 'http' }), ingressClass])).toEqual(['ingress-nginx', 'kube-proxy']);
  });

  test('AWS ALB: IP targets with their deregistration delay (300 s by default); instance targets go through kube-proxy', () => {
    expect(planes([...base(), ingress('alb', { 'alb.ingress.kubernetes.io/target-type': 'ip' })])).toEqual(['aws-alb:300', 'kube-proxy']);
    expect(planes([...base(), ingress('alb', {
      'alb.ingress.kubernetes.io/target-type': 'ip', 'alb.ingress.kubernetes.io/target-group-attributes': 'stickiness.enabled=false,deregistration_delay.timeout_seconds=30',
    })])).toEqual(['aws-alb:30', 'kube-proxy']);
    // Instance targets: the ALB sends to node ports, kube-proxy picks the pod (listed once per object in front).
    expect(planes([...base(), ingress('alb')])).toEqual(['kube-proxy', 'kube-proxy']);
  });

  test('AWS NLB with IP targets from Service annotations', () => {
    const nlb = service([{ name: 'http', port: 80, targetPort: 'http' }], { type: 'LoadBalancer' }, {
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=20',
      },
    });
    expect(planes([base()[0], nlb])).toEqual(['aws-nlb:20']);
  });

  test('GKE: the BackendConfig named by the Service annotation sets the drain (0 s without one)', () => {
    const svc = service([{ name: 'http', port: 80, targetPort: 'http' }], {}, {
      annotations: { 'cloud.google.com/neg': '{"ingress": true}', 'cloud.google.com/backend-config': '{"default": "web"}' },
    });
    const backendConfig = { apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', metadata: { name: 'web', namespace: 'shop' }, spec: { connectionDraining: { drainingTimeoutSec: 45 } } };
    // GKE Ingress is chosen by the legacy class annotation.
    const gce = { ...ingress('gce', { 'kubernetes.io/ingress.class': 'gce' }), spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } };
    expect(planes([base()[0], svc, gce, backendConfig])).toEqual(['gke-neg:45', 'kube-proxy']);
    expect(planes([base()[0], svc, gce])).toEqual(['gke-neg:0', 'kube-proxy']);
  });

  test('Azure AGIC: connection draining off by default, on with its timeout', () => {
    expect(planes([...base(), ingress('azure-application-gateway')])).toEqual(['azure-agic:0', 'kube-proxy']);
    expect(planes([...base(), ingress('azure-application-gateway', {
      'appgw.ingress.kubernetes.io/connection-draining': 'true', 'appgw.ingress.kubernetes.io/connection-draining-timeout': '30',
    })])).toEqual(['azure-agic:30', 'kube-proxy']);
  });

  test('Gateway API HTTPRoute to the Service', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    };
    expect(planes([...base(), route])).toEqual(['gateway-api', 'kube-proxy']);
  });
});

describe('meshes and sidecars', () => {
  const probed = (preStop: number) => app([{ name: 'http', containerPort: 8080 }], {
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } }, lifecycle: { preStop: { exec: { command: ['sleep', String(preStop)] } } },
  });
  const ids = (objects: any[]) => checkManifests(objects).findings.map(f => f.ruleId);

  test('Istio: terminationDrainDuration from proxy.istio.io/config, YAML or JSON; 5 s by default', () => {
    const withConfig = (config?: string) => [deployment([probed(15)], {
      annotations: { 'sidecar.istio.io/inject': 'true', ...(config ? { 'proxy.istio.io/config': config } : {}) },
      podSpec: { terminationGracePeriodSeconds: 45 },
    }), service([{ name: 'http', port: 80, targetPort: 'http' }])];
    expect(traffic(withConfig()).mesh).toMatchObject({ kind: 'istio', drainSeconds: 5, drainDeclared: false });
    expect(ids(withConfig())).toContain('GS028');
    expect(traffic(withConfig('{"terminationDrainDuration": "30s"}')).mesh).toMatchObject({ drainSeconds: 30, drainDeclared: true });
    expect(ids(withConfig('terminationDrainDuration: 1m'))).not.toContain('GS028');
  });

  test('Linkerd: proxy-wait-before-exit-seconds; a native sidecar proxy is stopped after the app', () => {
    const linkerd = (annotations: Record<string, string>) => [deployment([probed(15)], {
      annotations: { 'linkerd.io/inject': 'enabled', ...annotations }, podSpec: { terminationGracePeriodSeconds: 60 },
    }), service([{ name: 'http', port: 80, targetPort: 'http' }])];
    expect(ids(linkerd({}))).toContain('GS028');
    expect(ids(linkerd({ 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '35' }))).not.toContain('GS028');
    expect(ids(linkerd({ 'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true' }))).not.toContain('GS028');
  });

  test('a database proxy as an ordinary container stops before the app drains; as a native sidecar it does not', () => {
    const proxy = { name: 'cloud-sql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--port=5432', 'p:r:i'] };
    const classic = [deployment([probed(15), proxy], { podSpec: { terminationGracePeriodSeconds: 45 } }), service([{ name: 'http', port: 80, targetPort: 'http' }])];
    expect(checkManifests(classic).findings.filter(f => f.ruleId === 'GS028').map(f => f.container)).toEqual(['cloud-sql-proxy']);
    const native = [deployment([probed(15)], {
      podSpec: { terminationGracePeriodSeconds: 60, initContainers: [{ ...proxy, restartPolicy: 'Always' }] },
    }), classic[1]];
    expect(ids(native)).not.toContain('GS028');
  });
});

describe('routes the kube-apiserver sends: aggregated APIs and admission webhooks are client traffic', () => {
  const apiServer = (kind: string, extra: any = {}) => [
    deployment([app([{ name: 'https', containerPort: 10250 }])]),
    service([{ name: 'https', port: 443, targetPort: 'https' }]),
    { apiVersion: 'apiregistration.k8s.io/v1', kind, metadata: { name: 'v1beta1.metrics.k8s.io' }, ...extra },
  ];

  test('an APIService routes to its Service port: the container serves, whatever the Service is named', () => {
    const objects = apiServer('APIService', { spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'web', namespace: 'shop' } } });
    objects[1].metadata.name = 'metrics-server';
    objects[2].spec.service.name = 'metrics-server';
    const t = traffic(objects);
    expect(t.containers[0].serving).toBe('routed');
    expect(t.containers[0].dataPlanes.map(d => d.kind)).toEqual(['kube-apiserver', 'kube-proxy']);
    expect(checkManifests(objects).findings.map(f => f.ruleId)).toEqual(expect.arrayContaining(['GS001', 'GS003']));
  });

  test('a webhook configuration routes to its Service port (443 by default)', () => {
    const objects = apiServer('ValidatingWebhookConfiguration', { webhooks: [{ name: 'v.acme.io', clientConfig: { service: { name: 'web', namespace: 'shop' } } }] });
    objects[2].apiVersion = 'admissionregistration.k8s.io/v1';
    expect(traffic(objects).containers[0].dataPlanes.map(d => d.kind)).toEqual(['kube-apiserver', 'kube-proxy']);
  });
});

describe('apps that keep serving after SIGTERM by their own configuration', () => {
  test('CoreDNS lameduck in the mounted Corefile is the preStop delay it needs', () => {
    const coredns = deployment([{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', ports: [{ name: 'dns-tcp', containerPort: 53 }] }], {
      podSpec: { volumes: [{ name: 'config', configMap: { name: 'coredns' } }] },
    });
    const corefile = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'shop' }, data: { Corefile: '.:53 {\n    health {\n       lameduck 5s\n    }\n}\n' } };
    const objects = [coredns, service([{ name: 'dns-tcp', port: 53, targetPort: 53 }]), corefile];
    expect(traffic(objects).containers[0].container.preStop).toEqual({ kind: 'app', seconds: 5, declared: true });
    expect(checkManifests(objects).findings.filter(f => f.ruleId === 'GS003')).toEqual([]);
    // Without the ConfigMap in the input, nothing shows it: GS003.
    expect(checkManifests(objects.slice(0, 2)).findings.filter(f => f.ruleId === 'GS003')).toHaveLength(1);
  });

  test('--shutdown-delay-duration of a server built on k8s.io/apiserver', () => {
    const objects = [deployment([app([{ containerPort: 10250 }], { args: ['--secure-port=10250', '--shutdown-delay-duration=15s'] })]), service([{ port: 443, targetPort: 10250 }])];
    expect(traffic(objects).containers[0].container.preStop).toEqual({ kind: 'app', seconds: 15, declared: true });
  });
});

describe('metrics reached at the pod itself', () => {
  test('the port the pod\'s prometheus.io annotations name is scraped, not served: a log shipper with no Service serves nothing', () => {
    const shipper = deployment([app([{ containerPort: 2020 }])], { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '2020' } });
    expect(serving([shipper])).toEqual({ app: 'metrics-only' });
    // Without the annotation the same port, routes unseen, counts as serving.
    expect(serving([deployment([app([{ containerPort: 2020 }])])])).toEqual({ app: 'declared' });
  });
});
