// What the API server rejects, reported as GS000 by the one reader every surface uses (the
// checker, the constructs' synth validation, the drill): each case with its pointer and exact
// message. Sources: kubernetes/kubernetes pkg/apis/*/validation (docs/kubernetes-semantics.md 7).
import * as fc from 'fast-check';
import { checkManifests } from '../src/checks/engine';
import { goInteger, loadManifests } from '../src/manifest/load';

function statefulSet(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'data' },
    spec: {
      replicas: 2,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16', ports: [{ containerPort: 5432 }] }] } },
    },
  };
}

const gs000 = (objects: any[]) => checkManifests(objects).findings.filter(f => f.ruleId === 'GS000').map(f => [f.pointer, f.message]);

describe('GS000: a workload\'s fields and shape', () => {
  test.each<[string, (o: any) => void, string, string]>([
    ['partition as a string', o => { o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: '1' } }; },
      '/spec/updateStrategy/rollingUpdate/partition', 'partition is the string "1"; the API server accepts only a number here and rejects the object'],
    ['a negative partition', o => { o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }; },
      '/spec/updateStrategy/rollingUpdate/partition', 'partition is -1; it must be at least 0'],
    ['serviceName a number', o => { o.spec.serviceName = 5; }, '/spec/serviceName', 'serviceName is 5; it must be a string'],
    ['volumeClaimTemplates a string', o => { o.spec.volumeClaimTemplates = 'x'; }, '/spec/volumeClaimTemplates', 'volumeClaimTemplates is "x"; it must be a list'],
    ['podManagementPolicy Random', o => { o.spec.podManagementPolicy = 'Random'; }, '/spec/podManagementPolicy', 'podManagementPolicy is "Random"; it must be OrderedReady or Parallel'],
    ['spec null', o => { o.spec = null; }, '/spec', 'spec is missing; the API server rejects the object'],
    ['spec a string', o => { o.spec = 'x'; }, '/spec', 'spec is "x"; it must be a map of fields'],
    ['template null', o => { o.spec.template = null; }, '/spec/template', 'spec.template is missing; the API server rejects the object'],
    ['selector a string', o => { o.spec.selector = 'app=db'; }, '/spec/selector', 'selector is "app=db"; it must be a map of fields'],
    ['a selector that misses the template\'s labels', o => { o.spec.selector = { matchLabels: { app: 'dbb' } }; }, '/spec/selector',
      'spec.selector {"app":"dbb"} does not match the template\'s labels {"app":"db"}; the API server rejects it ("selector does not match template labels")'],
    ['no container', o => { o.spec.template.spec.containers = []; }, '/spec/template/spec/containers', 'containers is empty; a pod needs at least one container'],
    ['a nameless container', o => { delete o.spec.template.spec.containers[0].name; }, '/spec/template/spec/containers/0',
      'containers[0] has no name; the API server rejects a container without one'],
    ['two containers of one name', o => { o.spec.template.spec.containers.push({ name: 'db', image: 'x' }); }, '/spec/template/spec/containers/1/name',
      'container name \'db\' is used twice (containers[0] and containers[1]); names must be unique across containers and initContainers'],
    ['replicas beyond int32', o => { o.spec.replicas = 1e12; }, '/spec/replicas', 'replicas is 1000000000000; it must be at most 2147483647 (an int32)'],
    ['a probe\'s exec.command as a string', o => { o.spec.template.spec.containers[0].readinessProbe = { exec: { command: 'pg_isready -q' } }; },
      '/spec/template/spec/containers/0/readinessProbe/exec/command', 'command is the string "pg_isready -q"; it must be a list of words, and the API server rejects a string'],
    ['two handlers in one probe', o => { o.spec.template.spec.containers[0].readinessProbe = { exec: { command: ['pg_isready'] }, tcpSocket: { port: 5432 } }; },
      '/spec/template/spec/containers/0/readinessProbe',
      'readinessProbe has 2 handlers (tcpSocket, exec); the API server rejects a probe with more than one ("may not specify more than 1 handler type")'],
    ['apps/v2', o => { o.apiVersion = 'apps/v2'; }, '/apiVersion', 'apiVersion "apps/v2" is not one the API server serves StatefulSet under (apps/v1); kubectl fails with "no matches for kind"'],
    ['a claim of size 0', o => { o.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '0' } } } }]; },
      '/spec/volumeClaimTemplates/0/spec/resources/requests/storage', 'claim \'data\' requests "0" of storage; the API server requires more than 0'],
    ['two volumes at one path', o => { o.spec.template.spec.containers[0].volumeMounts = [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data' }]; },
      '/spec/template/spec/containers/0/volumeMounts/1/mountPath', '\'a\' and \'b\' are both mounted at /data; the API server rejects two mounts at one path'],
    ['two claims of one name', o => { o.spec.volumeClaimTemplates = [{ metadata: { name: 'data' } }, { metadata: { name: 'data' } }]; },
      '/spec/volumeClaimTemplates/1/metadata/name', 'claim name \'data\' is used twice in volumeClaimTemplates; the second replaces the first'],
    ['a name that is no DNS label', o => { o.metadata.name = 'DB_main'; }, '/metadata/name',
      'name "DB_main" of a StatefulSet must be a DNS-1123 label (at most 63 lowercase letters, digits and \'-\'); the API server rejects it'],
    ['a label value with a space', o => { o.metadata.labels = { team: 'a b' }; }, '/metadata/labels/team',
      'label team\'s value "a b" is not a valid label value (at most 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit)'],
  ])('%s', (_name, mutate, pointer, message) => {
    // GIVEN a valid StatefulSet with one bad field
    expect(gs000([statefulSet()])).toEqual([]);
    const o = statefulSet();
    mutate(o);
    // THEN exactly that field is reported, with the value and the API server's verdict
    expect(gs000([o])).toEqual([[pointer, message]]);
  });

  test('the same object twice in the input: kubectl apply keeps the last', () => {
    expect(gs000([statefulSet(), statefulSet()])).toEqual([[
      '/metadata/name', 'StatefulSet \'data/db\' is in the input twice: `kubectl apply` keeps the last, and a GitOps tool reports the two as one object drifting',
    ]]);
  });
});

describe('GS000: Services and Ingresses', () => {
  test('a Service type that is none, a source range that is no CIDR', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'Bogus', loadBalancerSourceRanges: ['10.0.0.0/8', '2001:db8::/32', 'office'], ports: [{ port: 80 }] } };
    expect(gs000([service])).toEqual([
      ['/spec/type', 'type is "Bogus"; it must be one of ClusterIP, NodePort, LoadBalancer, ExternalName'],
      ['/spec/loadBalancerSourceRanges/2', 'loadBalancerSourceRanges entry "office" is not a CIDR; the API server rejects it'],
    ]);
  });

  test('an Ingress host that is no DNS name', () => {
    const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ host: 'Bad Host!' }, { host: '*.shop.example.com' }] } };
    expect(gs000([ingress])).toEqual([
      ['/spec/rules/0/host', 'host "Bad Host!" is not a DNS name (lowercase letters, digits, \'-\' and \'.\', optionally \'*.\' first); the API server rejects it'],
    ]);
  });
});

describe('YAML read as kubectl reads it (YAML 1.1, go-yaml v2)', () => {
  test('a leading 0 is octal: terminationGracePeriodSeconds: 032 is 26 s, and GS005 sees 26', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: w}}\n  template:\n'
      + '    metadata: {labels: {app: w}}\n    spec:\n      terminationGracePeriodSeconds: 032\n'
      + '      containers: [{name: w, image: x, lifecycle: {preStop: {sleep: {seconds: 15}}}}]\n';
    const [o] = loadManifests(text, 'w.yaml').objects;
    expect(o.object.spec.template.spec.terminationGracePeriodSeconds).toBe(26);
    expect(checkManifests([o.object]).findings.find(f => f.ruleId === 'GS005')!.message).toMatch(/^terminationGracePeriodSeconds \(26s\) is less than preStop \(15s\)/);
  });

  test.each([
    ['032', 26], ['0x1A', 26], ['0o32', 26], ['0b11010', 26], ['-0b11', -3], ['1_000', 1000], ['26', 26], ['0', 0], ['08', undefined], ['1.5', undefined], ['abc', undefined],
  ])('integer %s → %s', (text, value) => {
    expect(goInteger(text)).toBe(value);
  });

  test('property: every integer spelling reads as Go\'s ParseInt(s, 0, 64) does (the fast decimal path included)', () => {
    // Go's reading, written out: underscores dropped, then base from the prefix, a leading 0 octal.
    const reference = (text: string): number | undefined => {
      const plain = text.replace(/_/g, '');
      if (!/^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.test(plain)) return undefined;
      const negative = plain.startsWith('-');
      const digits = plain.replace(/^[-+]/, '');
      const base = /^0[xX]/.test(digits) ? 16 : /^0[oO]/.test(digits) ? 8 : /^0[bB]/.test(digits) ? 2 : digits.length > 1 && digits.startsWith('0') ? 8 : 10;
      const value = parseInt(base === 10 || base === 8 && !/^0[oO]/.test(digits) ? digits : digits.slice(2), base);
      return negative ? -value : value;
    };
    const spelling = fc.stringMatching(/^[-+]?(?:0[xXoObB])?[0-9a-fA-F_]{0,12}$/);
    fc.assert(fc.property(spelling, text => {
      const first = text.charCodeAt(0);
      const mayBeNumber = (first >= 48 && first <= 57) || text[0] === '-' || text[0] === '+';
      expect(goInteger(text)).toBe(mayBeNumber ? reference(text) : undefined);
    }), { numRuns: 2000 });
  });

  test('booleans and nulls of YAML 1.1; dates stay strings', () => {
    const [o] = loadManifests('a: yes\nb: off\nc: On\nd: ~\ne: 2024-05-01\nf: "yes"\ng: 08\nkind: X\n', 'x.yaml').objects;
    expect(o.object).toEqual({ a: true, b: false, c: true, d: null, e: '2024-05-01', f: 'yes', g: 8, kind: 'X' });
  });
});
