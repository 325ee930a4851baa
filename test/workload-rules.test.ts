// Rules for the workloads of issue 11, on hand-written objects: a compliant and a
// non-compliant case each (native sidecar ordering, stop signals, per-container drains).
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkManifests } from '../src/checks';
import { imageRepository } from '../src/manifest/image';
import { podShutdownTimes } from '../src/timing/pod-shutdown';

/** A serving Deployment with one container, behind a Service. */
function app(container: Record<string, any>, pod: Record<string, any> = {}, annotations: Record<string, string> = {}): any[] {
  const labels = { app: 'web' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', annotations },
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 40,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }],
            containers: [{
              name: 'web',
              image: 'ghcr.io/acme/web:1',
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
              lifecycle: { preStop: { exec: { command: ['sleep', '15'] } } },
              ...container,
            }],
            ...pod,
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { maxUnavailable: 1, selector: { matchLabels: labels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } },
  ];
}
const ids = (objects: any[]) => checkManifests(objects).findings.map(f => f.ruleId);
const proxy = (args: string[], extra: Record<string, any> = {}) => ({ name: 'db-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', restartPolicy: 'Always', args, ...extra });

describe('GS037: native sidecar drain after the app', () => {
  test('non-compliant: the proxy drains 30 s after the app\'s 30 s, grace 40', () => {
    const [finding] = checkManifests(app({}, { initContainers: [proxy(['--max-sigterm-delay=30s'])] })).findings;
    expect(finding.ruleId).toBe('GS037');
    expect(finding.container).toBe('db-proxy');
    expect(finding.message).toBe('is a native sidecar: it gets SIGTERM only after the app containers have exited (30s: preStop + drain) and needs 30s to drain, '
      + 'so it is done at 60s, after terminationGracePeriodSeconds (40s): the kubelet gives it SIGTERM and 2s before SIGKILL');
  });

  test('compliant: the grace period covers both', () => {
    expect(ids(app({}, { terminationGracePeriodSeconds: 65, initContainers: [proxy(['--max-sigterm-delay=30s'])] }))).toEqual([]);
  });

  test('declared per container with graceful-k8s.io/container-drain-seconds', () => {
    const objects = app({}, { initContainers: [{ name: 'shipper', image: 'fluent/fluent-bit:3.1', restartPolicy: 'Always' }] }, { 'graceful-k8s.io/container-drain-seconds': '{"shipper":20}' });
    expect(ids(objects)).toEqual(['GS037']);
  });

  test('not judged when the sidecar\'s drain is unknown', () => {
    expect(ids(app({}, { initContainers: [{ name: 'shipper', image: 'fluent/fluent-bit:3.1', restartPolicy: 'Always' }] }))).toEqual([]);
  });

  test('a malformed per-container annotation is a GS000 finding, not a crash', () => {
    expect(ids(app({}, {}, { 'graceful-k8s.io/container-drain-seconds': 'proxy=30' }))).toEqual(['GS000']);
  });

  test('GS005 reads each container\'s own drain', () => {
    expect(ids(app({}, {}, { 'graceful-k8s.io/container-drain-seconds': '{"web":30}' }))).toEqual(['GS005']);
    expect(ids(app({}, {}, { 'graceful-k8s.io/container-drain-seconds': '{"web":20}' }))).toEqual([]);
  });
});

describe('GS038 / GS039: nginx and Apache stopped with SIGTERM', () => {
  test.each([
    ['the official nginx image', { image: 'nginx:1.27.3-alpine' }],
    ['the official image from a mirror', { image: 'public.ecr.aws/docker/library/nginx:1.27' }],
    ['nginx-unprivileged', { image: 'nginxinc/nginx-unprivileged:1.27-alpine' }],
    ['the official image with the command exec\'d by a shell', { image: 'nginx:1.27', command: ['sh', '-c', 'envsubst < /t > /etc/nginx/conf.d/default.conf && exec nginx -g "daemon off;"'] }],
    ['openresty', { image: 'openresty/openresty:1.25.3.2-alpine' }],
    ['the official httpd image', { image: 'httpd:2.4.62' }],
    ['php with Apache', { image: 'php:8.3-apache' }],
    ['bitnami/nginx with a preStop that waits for the graceful stop', {
      image: 'bitnami/nginx:1.25', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 15 && nginx -s quit && sleep 15'] } } },
    }],
    ['bitnami/nginx with lifecycle.stopSignal SIGQUIT', { image: 'bitnami/nginx:1.25', lifecycle: { preStop: { sleep: { seconds: 15 } }, stopSignal: 'SIGQUIT' } }],
    ['a custom image that starts nginx from its own entrypoint (not judged)', { image: 'ghcr.io/acme/storefront-nginx:2.0' }],
    ['the ingress-nginx controller', { image: 'registry.k8s.io/ingress-nginx/controller:v1.11.3', args: ['/nginx-ingress-controller'] }],
  ])('compliant: %s', (_name, container) => {
    expect(ids(app(container))).toEqual([]);
  });

  test.each([
    ['bitnami/nginx (no STOPSIGNAL)', { image: 'docker.io/bitnami/nginx:1.25.4' }, 'GS038', /image 'docker\.io\/bitnami\/nginx:1\.25\.4' declares no STOPSIGNAL, so the kubelet sends SIGTERM/],
    ['bitnami/apache', { image: 'bitnami/apache:2.4' }, 'GS038', /runs Apache httpd, whose graceful stop is SIGWINCH/],
    ['a quit that returns at once, then SIGTERM', { image: 'bitnami/nginx:1.25', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 15 && nginx -s quit'] } } } },
      'GS038', /the preStop 'nginx -s quit' returns at once and the kubelet's signal follows, turning the graceful stop into a fast one/],
    ['lifecycle.stopSignal SIGTERM', { image: 'nginx:1.27', lifecycle: { preStop: { sleep: { seconds: 15 } }, stopSignal: 'SIGTERM' } }, 'GS038', /lifecycle\.stopSignal is SIGTERM; on SIGTERM nginx/],
    ['nginx started by the manifest in a general image', { image: 'alpine:3.20', command: ['nginx', '-g', 'daemon off;'] }, 'GS039',
      /its command starts it in image 'alpine:3\.20', which is not known to declare STOPSIGNAL SIGQUIT; if it gets SIGTERM, nginx makes a fast shutdown/],
    ['nginx under supervisord', { image: 'ghcr.io/acme/php-nginx:8', command: ['/usr/bin/supervisord', '-c', '/etc/supervisord.conf'] }, 'GS039',
      /runs under supervisord, which stops its programs with SIGTERM/],
  ])('non-compliant: %s', (_name, container, id, message) => {
    // The command of the supervisord case names no server: the image does (php-nginx is not an nginx image name), so make it one.
    const objects = app(id === 'GS039' && String((container as any).image).includes('php-nginx') ? { ...container, image: 'ghcr.io/acme/nginx:8' } : container);
    const findings = checkManifests(objects).findings;
    expect(findings.map(f => f.ruleId)).toEqual([id]);
    expect(findings[0].message).toMatch(message);
  });

  test('a container nothing routes to is not judged', () => {
    const objects = app({ image: 'bitnami/nginx:1.25' });
    // The namespace's Service selects another workload of the input: nothing routes to nginx.
    const other = structuredClone(objects[0]);
    other.metadata.name = 'other';
    other.spec.selector.matchLabels = { app: 'other' };
    other.spec.template.metadata.labels = { app: 'other' };
    objects[1].spec.selector = { app: 'other' };
    objects.push(other);
    expect(checkManifests(objects).findings.filter(f => (f.ruleId === 'GS038' || f.ruleId === 'GS039') && f.name !== 'other')).toEqual([]);
  });

  test('a Service whose selector matches no pod (a typo) leaves the routing unknown: the workload is judged as serving', () => {
    const objects = app({ image: 'bitnami/nginx:1.25' });
    objects[1].spec.selector = { app: 'wbe' };
    expect(ids(objects).filter(id => ['GS038', 'GS042'].includes(id))).toEqual(['GS038', 'GS042']);
  });

  test('a shell that swallows the signal is GS006\'s finding, not this one', () => {
    // debian's /bin/sh is dash: nginx never gets a signal at all.
    expect(ids(app({ image: 'debian:12', command: ['sh', '-c', 'envsubst < /t > /c; nginx -g "daemon off;"'] }))).toEqual(['GS006']);
    // busybox ash (Alpine) replaces itself with nginx: nginx gets SIGTERM, its fast stop.
    expect(ids(app({ image: 'alpine:3.20', command: ['sh', '-c', 'envsubst < /t > /c; nginx -g "daemon off;"'] }))).toEqual(['GS039']);
  });

  test('image repositories are read past registries, tags and digests', () => {
    expect(imageRepository('docker.io/library/nginx:1.27@sha256:abc')).toEqual({ repository: 'nginx', tag: '1.27' });
    expect(imageRepository('localhost:5000/acme/web')).toEqual({ repository: 'acme/web', tag: '' });
    expect(imageRepository('php:8.3-apache')).toEqual({ repository: 'php', tag: '8.3-apache' });
  });
});

describe('timing: the pod\'s shutdown order', () => {
  test('apps in parallel; sidecars after them, in reverse order; a sidecar\'s preStop runs from the deletion', () => {
    expect(podShutdownTimes(
      [{ name: 'a', preStopSeconds: 15, drainSeconds: 15 }, { name: 'b', preStopSeconds: 5, drainSeconds: 40 }],
      [{ name: 's1', preStopSeconds: 0, drainSeconds: 5 }, { name: 's2', preStopSeconds: 50, drainSeconds: 10 }],
    )).toEqual([
      { name: 'a', sidecar: false, sigtermAtSeconds: 15, doneAtSeconds: 30 },
      { name: 'b', sidecar: false, sigtermAtSeconds: 5, doneAtSeconds: 45 },
      { name: 's1', sidecar: true, sigtermAtSeconds: 60, doneAtSeconds: 65 },
      { name: 's2', sidecar: true, sigtermAtSeconds: 50, doneAtSeconds: 60 },
    ]);
  });

  test('constructs and rules share it: a GracefulDeployment with a sidecar has no GS037 finding', () => {
    // (the constructs' side is tested in graceful-containers.test.ts; this pins the rule on kplus output)
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'plain', { containers: [{ image: 'nginx:1.27' }] });
    expect(checkManifests(Testing.synth(chart)).findings.filter(f => f.ruleId === 'GS037')).toEqual([]);
  });
});
