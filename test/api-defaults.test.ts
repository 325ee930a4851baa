// Objects are judged as the API server stores them, after its defaulting
// (src/kubernetes/defaults.ts, each default with its source). A field left to its default, or
// written with the value that means "unset", is never reported as wrong.
import { checkManifests } from '../src/checks/engine';
import { DEFAULT_GRACE_SECONDS, DEPLOYMENT_DEFAULTS, serviceTargetPort } from '../src/kubernetes/defaults';
import { pdbAllowedDisruptions, pdbOf } from '../src/manifest/disruption';
import { servicePortsOf } from '../src/manifest/routing';

function app(service: Record<string, unknown>, pdb?: Record<string, unknown>): any[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'cart' } },
        template: {
          metadata: { labels: { app: 'cart' } },
          spec: { containers: [{ name: 'cart', image: 'ghcr.io/acme/cart:1', ports: [{ containerPort: 7070 }] }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { selector: { app: 'cart' }, ports: [{ port: 7070, ...service }] } },
    ...(pdb ? [{ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'cart', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'cart' } }, ...pdb } }] : []),
  ];
}

describe('Service targetPort: left out, 0 or "" is the port (SetDefaults_Service)', () => {
  test.each([[{}], [{ targetPort: 0 }], [{ targetPort: '' }]])('%j', service => {
    // GIVEN a Service port whose targetPort the API server defaults
    const objects = app(service);
    // WHEN
    const report = checkManifests(objects);
    // THEN it is not a field error, and the routes reach the container's port 7070
    expect(report.findings.filter(f => f.ruleId === 'GS000')).toEqual([]);
    expect(servicePortsOf(objects[1])[0].targetPort).toBe(7070);
    expect(report.findings.find(f => f.ruleId === 'GS003')!.message).toMatch(/^serves port\(s\) 7070 \(via Service 'cart'\)/);
  });

  test('a real targetPort is kept; a quoted number is still refused', () => {
    expect(serviceTargetPort(80, 8080)).toBe(8080);
    expect(serviceTargetPort(80, 'http')).toBe('http');
    const report = checkManifests(app({ targetPort: '7070' }));
    expect(report.findings.filter(f => f.ruleId === 'GS000').map(f => f.message)).toEqual([
      'targetPort is the string "7070"; the API server reads a quoted number as a port name and rejects it',
    ]);
  });
});

describe('PodDisruptionBudget: policy/v1 has no default budget', () => {
  test('neither minAvailable nor maxUnavailable allows every eviction (getExpectedPodCount)', () => {
    const pdb = pdbOf({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { selector: { matchLabels: { app: 'cart' } } } });
    expect(pdbAllowedDisruptions(pdb, 3)).toBe(3);
    expect(pdbAllowedDisruptions(pdb, 1)).toBe(1);
  });

  test('percentages round up, for maxUnavailable as for minAvailable', () => {
    const budget = (spec: object) => pdbOf({ kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec });
    // maxUnavailable 25% of 3 = 0.75, rounded up to 1 allowed
    expect(pdbAllowedDisruptions(budget({ maxUnavailable: '25%' }), 3)).toBe(1);
    // minAvailable 50% of 3 = 1.5, rounded up to 2 healthy wanted: 1 allowed
    expect(pdbAllowedDisruptions(budget({ minAvailable: '50%' }), 3)).toBe(1);
  });

  test('a serving workload whose only PDB sets no budget is reported as unprotected (GS011)', () => {
    const report = checkManifests(app({ targetPort: 7070 }, {}));
    const finding = report.findings.find(f => f.ruleId === 'GS011')!;
    expect([finding.kind, finding.name, finding.message]).toEqual([
      'PodDisruptionBudget', 'cart',
      'sets neither minAvailable nor maxUnavailable: the disruption controller then wants no pod of Deployment \'cart\' healthy and allows every eviction, '
      + 'so a drain may evict all 3 replicas at once',
    ]);
    expect(report.findings.filter(f => f.ruleId === 'GS012')).toEqual([]);
  });
});

describe('workload defaults', () => {
  test('grace period and strategy as the API server fills them in', () => {
    expect(DEFAULT_GRACE_SECONDS).toBe(30);
    expect([DEPLOYMENT_DEFAULTS.maxSurge, DEPLOYMENT_DEFAULTS.maxUnavailable]).toEqual(['25%', '25%']);
    const report = checkManifests(app({ targetPort: 7070 }));
    // 25% of 3 rounds down to 0 unavailable: no capacity drop at 3 replicas.
    expect(report.findings.filter(f => f.ruleId === 'GS007')).toEqual([]);
  });
});
