// The variant packages (graceful-k8s-33, graceful-k8s-34), built from this source against their
// cdk8s-plus major by scripts/variants.js: each compiles, every example type-checks and
// synthesizes with it, and an app that mixes the major's own objects (Probe, Volume, Service,
// Node, IPodSelector, IngressBackend) with ours compiles with `tsc --strict`, no cast, and
// synthesizes what it should. The full suite runs on graceful-k8s (cdk8s-plus-27).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { validateManifestFiles } from './util';

const ROOT = path.join(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const variantsJs = require('../scripts/variants.js');
/* eslint-enable @typescript-eslint/no-require-imports */
const { variants } = variantsJs.readVariants(ROOT) as { variants: Array<{ major: number; package: string; plus: string; plusVersion: string }> };

/** An app as a user of cdk8s-plus-NN writes it: its own objects handed to ours and ours to its own. */
function mixedApp(plus: string, pkg: string): string {
  return `import { App, Chart, Duration } from 'cdk8s';
import * as kplus from '${plus}';
import { GracefulDeployment, GracefulService, GrpcProbe } from '${pkg}';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'mixed', { namespace: 'shop' });
const config = new kplus.ConfigMap(chart, 'config', { data: { 'app.yaml': 'level: info' } });
const volume: kplus.Volume = kplus.Volume.fromConfigMap(chart, 'config-volume', config);
const readiness: kplus.Probe = kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5) });

const api = new GracefulDeployment(chart, 'api', {
  containers: [{
    image: 'ghcr.io/acme/api:2.0.0',
    portNumber: 8080,
    readiness,
    liveness: GrpcProbe.of({ port: 9090, failureThreshold: 6 }),
    volumeMounts: [{ volume, path: '/etc/app' }],
  }],
  sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0', portNumber: 5432, readiness: kplus.Probe.fromTcpSocket({ port: 5432 }) }],
});
// A native sidecar added the cdk8s-plus way: budgeted as one.
api.addInitContainer({ name: 'agent', image: 'ghcr.io/acme/agent:1.0.0', restartPolicy: kplus.ContainerRestartPolicy.ALWAYS });
api.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('pool', 'web')));

const service = new GracefulService(chart, 'api-service', { workload: api, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
const selector: kplus.IPodSelector = api;
new kplus.NetworkPolicy(chart, 'policy', { selector, ingress: { rules: [{ peer: kplus.Pods.all(chart, 'all'), ports: [kplus.NetworkPolicyPort.tcp(8080)] }] } });
const ingress = new kplus.Ingress(chart, 'ingress');
ingress.addRule('/api', kplus.IngressBackend.fromService(service));
const plain: kplus.Service = service;
plain.exposeViaIngress('/other');

app.synth();
console.log(JSON.stringify({ version: api.kubernetesVersion.toString(), budget: api.shutdownBudget, containers: api.containerBudgets, sidecars: api.sidecars.map(c => c.name) }));
`;
}

for (const variant of variants) {
  describe(`${variant.package} (cdk8s-plus-${variant.major})`, () => {
    let dir: string;
    beforeAll(() => {
      dir = variantsJs.ensureBuilt(variant);
    }, 300_000);

    test('is this source built against the major: its package peers on it, its seam imports it', () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(manifest.name).toBe(variant.package);
      expect(manifest.peerDependencies).toEqual({ cdk8s: '^2.68.12', [variant.plus]: `^${variant.plusVersion}`, constructs: '^10.3.0' });
      expect(fs.readFileSync(path.join(dir, 'lib', '_kplus.js'), 'utf8')).toContain(`require("${variant.plus}")`);
      expect(JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8')).dependencies).toEqual(manifest.peerDependencies);
      // Every other file of the source is the same.
      const differing = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }).map(String).filter(f => f.endsWith('.ts'))
        .filter(f => fs.readFileSync(path.join(ROOT, 'src', f), 'utf8') !== fs.readFileSync(path.join(dir, 'src', f), 'utf8'));
      expect(differing).toEqual(['_kplus.ts']);
    });

    test('every example type-checks (tsc --strict) and synthesizes with it through the cdk8s CLI', () => {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'variants.js'), 'examples', String(variant.major)], { cwd: ROOT, stdio: 'pipe' });
      const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter(n => fs.existsSync(path.join(ROOT, 'examples', n, 'cdk8s.yaml')));
      for (const name of examples) {
        const files = fs.readdirSync(path.join(dir, 'examples', name, 'dist')).filter(f => f.endsWith('.k8s.yaml'));
        expect({ name, files: files.length > 0 }).toEqual({ name, files: true });
        // What the major's build writes is valid Kubernetes, object by object.
        expect(validateManifestFiles(files.map(f => path.join(dir, 'examples', name, 'dist', f)))).toBeGreaterThan(0);
      }
    }, 300_000);

    test('an app mixing the major\'s own Probe, Volume, Service, Node, IPodSelector and IngressBackend with ours: tsc --strict, no cast, then synth', () => {
      // GIVEN the app as its user writes it, in a folder of the variant package (it resolves its own name there)
      const app = path.join(dir, 'mixed-app');
      fs.rmSync(app, { recursive: true, force: true });
      fs.mkdirSync(app, { recursive: true });
      fs.writeFileSync(path.join(app, 'main.ts'), mixedApp(variant.plus, variant.package));
      fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['es2022'], strict: true, noUnusedLocals: true, noImplicitReturns: true, types: ['node'] },
        files: ['main.ts'],
      }));
      // WHEN it compiles and runs
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['--project', path.join(app, 'tsconfig.json')], { cwd: app, stdio: 'pipe' });
      const report = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', env: { ...process.env, GRACEFUL_K8S_QUIET: '1' } }).trim());
      const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'mixed.k8s.yaml'), 'utf8')).map(d => d.toJSON());
      // THEN the target is the major's Kubernetes minor, and what it can do natively is used
      expect(report.version).toBe(`1.${variant.major}`);
      const deployment = objects.find(o => o.kind === 'Deployment');
      const pod = deployment.spec.template.spec;
      expect(pod.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
      expect(pod.containers[0].livenessProbe).toEqual({ failureThreshold: 6, grpc: { port: 9090 } });
      expect(pod.containers[0].volumeMounts).toEqual([{ mountPath: '/etc/app', name: expect.stringMatching(/^configmap-/) }]);
      // Native sidecars: ours first, then the one the app added the cdk8s-plus way, both budgeted
      expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['proxy', 'Always'], ['agent', 'Always']]);
      expect(report.sidecars).toEqual(['proxy']);
      expect(report.containers.map((c: any) => [c.container, c.sidecar, c.doneAtSeconds])).toEqual([['main', false, 30], ['proxy', true, 40], ['agent', true, 35]]);
      expect(pod.terminationGracePeriodSeconds).toBe(report.budget.terminationGracePeriodSeconds);
      expect(report.budget.terminationGracePeriodSeconds).toBe(45);
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['web'] }] }]);
      // Its objects take ours: the policy selects our pods, both Ingresses route to our Service
      const policy = objects.find(o => o.kind === 'NetworkPolicy');
      expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      const service = objects.find(o => o.kind === 'Service');
      const backends = objects.filter(o => o.kind === 'Ingress').map(i => i.spec.rules[0].http.paths[0].backend.service.name);
      expect(backends).toEqual([service.metadata.name, service.metadata.name]);
    }, 120_000);
  });
}
