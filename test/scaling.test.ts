// The checker's work per object must not grow with the size of the input: a lookup that
// scans every object (or every finding) once per object makes a 150,000-object input take
// minutes. Measured by counting reads, not by timing: the counts are exact on any machine.
import * as fs from 'fs';
import * as path from 'path';
import { loadAll as loadAllYaml } from 'js-yaml';
import { checkTexts } from '../src/checks/check-files';
import { checkObjects } from '../src/checks/engine';
import * as timeline from '../src/checks/shutdown-timeline';

const CORPUS = path.join(__dirname, 'fixtures', 'corpus');

// Shapes the corpus lacks, each of which once made a per-object lookup scan the whole input:
// an Ingress naming no class (the default IngressClass was searched among all objects) and
// ServiceMonitors watching a headless Service (every monitor was compared with every port).
const EXTRA = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: shop/web:1.0
        ports: [{ name: http, containerPort: 8080 }, { name: metrics, containerPort: 9090 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop, labels: { app: web } }
spec: { clusterIP: None, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }, { name: metrics, port: 9090 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec: { defaultBackend: { service: { name: web, port: { number: 80 } } } }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: web, namespace: shop }
spec: { selector: { matchLabels: { app: web } }, endpoints: [{ port: metrics }] }
`;

/** Gives a copy in the same namespace its own names and labels, and points its references at them. */
function renamed(o: any, suffix: string): any {
  const relabel = (m: any) => {
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const k of Object.keys(m)) if (typeof m[k] === 'string') m[k] += suffix;
  };
  if (typeof o.metadata?.name === 'string') o.metadata.name += suffix;
  relabel(o.metadata?.labels);
  const spec = o.spec ?? {};
  if (o.kind === 'Service') relabel(spec.selector); else relabel(spec.selector?.matchLabels);
  relabel(spec.template?.metadata?.labels);
  relabel(spec.jobTemplate?.spec?.template?.metadata?.labels);
  if (typeof spec.scaleTargetRef?.name === 'string') spec.scaleTargetRef.name += suffix;
  const backends = [spec.defaultBackend, ...(spec.rules ?? []).flatMap((r: any) => (r?.http?.paths ?? []).map((p: any) => p?.backend))];
  for (const b of backends) if (typeof b?.service?.name === 'string') b.service.name += suffix;
  if (o.kind === 'HTTPRoute') for (const r of spec.rules ?? []) for (const b of r?.backendRefs ?? []) if (typeof b?.name === 'string') b.name += suffix;
  return o;
}

/**
 * The corpus and the extra shapes, `copies` times: each copy in its own set of namespaces,
 * or all in their original namespaces under names and labels of their own.
 */
function input(copies: number, oneNamespace = false): any[] {
  const template = [
    ...fs.readdirSync(CORPUS).filter(f => f.endsWith('.yaml')).flatMap(f => loadAllYaml(fs.readFileSync(path.join(CORPUS, f), 'utf8'))),
    ...loadAllYaml(EXTRA),
  ].filter(o => o !== null && typeof o === 'object') as any[];
  const out: any[] = [];
  for (let i = 0; i < copies; i++) {
    for (const o of template) {
      const copy = JSON.parse(JSON.stringify(o));
      if (oneNamespace) renamed(copy, `-${i}`);
      else if (copy.metadata?.namespace !== undefined) copy.metadata.namespace = `${copy.metadata.namespace}-${i}`;
      out.push(copy);
    }
  }
  return out;
}

/** Wraps each object so that every read of one of its top-level fields is counted. */
function counted(objects: any[]): { objects: any[]; reads: () => number } {
  let reads = 0;
  const handler: ProxyHandler<any> = {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver);
    },
  };
  return { objects: objects.map(o => new Proxy(o, handler)), reads: () => reads };
}

describe('work per object does not grow with the input', () => {
  const perObject = (copies: number, oneNamespace: boolean) => {
    const { objects, reads } = counted(input(copies, oneNamespace));
    checkObjects(objects);
    return reads() / objects.length;
  };

  // Linear work keeps the reads per object constant; one scan of the input (or of a
  // namespace) per object would multiply them by 8 from 4 to 32 copies.
  test.each([
    ['each copy in namespaces of its own', false],
    ['every copy in the same namespaces', true],
  ])('reads of each object stay flat from 4 to 32 copies of the corpus: %s', (_, oneNamespace) => {
    expect(perObject(32, oneNamespace) / perObject(4, oneNamespace)).toBeLessThan(1.25);
  });

  test('each shutdown timeline is handed its own findings only', () => {
    const text = input(8).map(o => `---\n${JSON.stringify(o)}\n`).join('');
    const spy = jest.spyOn(timeline, 'shutdownTimeline');
    try {
      const report = checkTexts([{ file: 'all.yaml', text }], { timelines: true });
      expect(report.timelines.length).toBeGreaterThan(100);
      const handed = spy.mock.calls.reduce((n, [, findings]) => n + (findings?.length ?? 0), 0);
      // Every finding goes to at most the one timeline of its object.
      expect(handed).toBeLessThanOrEqual(report.findings.length);
      expect(handed).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });
});
