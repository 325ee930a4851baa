// A new user's app, as `cdk8s init typescript-app` makes it (cdk8s-cli 2.207: cdk8s-plus-33, a
// strict tsconfig, TypeScript 5.9, ts-node), with our packages installed from their packed
// tarballs, outside this repository: what `npm install graceful-k8s-33` gives.
//
// (a) The README's smallest app, verbatim, with the package it imports, through `cdk8s synth`.
// (b) For each variant: an app written with that major's own objects (Probe, Volume, Service,
//     Node, IPodSelector, IngressBackend) compiles with `tsc --strict` and synthesizes.
//
// One app holds every program and every package, installed with one `npm install` (an app per
// major took three installs and three copies of node_modules: minutes in CI). The app keeps the
// cdk8s-plus `init` gave and gains the other majors; each of our packages must then resolve its
// own major from the app, never a copy of its own.
//
// `cdk8s init` installs the template's packages from the npm registry, then imports the k8s
// types from GitHub (`npm run import`); with no GitHub this last step fails, and the app is
// complete without it (nothing here uses imports/). Tarballs: $GRACEFUL_TARBALLS_DIR when set
// (CI's release rehearsal passes the released ones), else `npm pack` of the compiled packages.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

const ROOT = path.join(__dirname, '..');
const CDK8S = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
/* eslint-disable @typescript-eslint/no-require-imports */
const variantsJs = require('../scripts/variants.js');
/* eslint-enable @typescript-eslint/no-require-imports */
const { main, variants } = variantsJs.readVariants(ROOT) as {
  main: { package: string; plus: string };
  variants: Array<{ major: number; package: string; plus: string; plusVersion: string }>;
};

let work: string;
let initApp: string;
let initManifest: any;
let initPlus33Version: string;
const tarballs = new Map<string, string>();

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GRACEFUL_K8S_QUIET: '1' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${out.slice(-4000)}`);
  }
  return out;
}

/** The tarball of a package: from $GRACEFUL_TARBALLS_DIR, or packed now. */
function tarballOf(pkg: string): string {
  if (!tarballs.has(pkg)) {
    const given = process.env.GRACEFUL_TARBALLS_DIR;
    if (given) {
      const file = fs.readdirSync(given).find(f => new RegExp(`^${pkg}-\\d+\\.\\d+\\.\\d+\\.tgz$`).test(f));
      if (!file) throw new Error(`$GRACEFUL_TARBALLS_DIR (${given}) has no tarball of ${pkg}`);
      tarballs.set(pkg, path.join(given, file));
    } else {
      const variant = variants.find(v => v.package === pkg);
      const dir = variant ? variantsJs.ensureBuilt(variant) : ROOT;
      if (!fs.existsSync(path.join(dir, '.jsii'))) {
        throw new Error('lib/ or .jsii is missing: compile first (npx projen compile)');
      }
      const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      tarballs.set(pkg, path.join(work, info.filename));
    }
  }
  return tarballs.get(pkg)!;
}

/** Our packages' tarballs and the majors `init` did not give, into the init app: one npm run. */
function installAll(dir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  // The README's package (a variant's, or the main one for cdk8s-plus-27) and every variant's.
  const readmePackage = readmeSmallestApp().match(/from '(graceful-k8s(?:-\d+)?)'/)?.[1] ?? main.package;
  const installs = [...new Set([readmePackage, ...variants.map(v => v.package)])].map(tarballOf);
  for (const v of variants) if (!manifest.dependencies[v.plus]) installs.push(`${v.plus}@^${v.plusVersion}`);
  // What `init` fetched is in npm's cache: no need to ask the registry again.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...installs], dir);
}

/** The app's programs, compiled once with its own strict tsconfig into build/ (a type error fails every test that needs it). */
let compiled: Error | true | undefined;
function compileApp(): void {
  if (compiled === undefined) {
    try {
      run(path.join(initApp, 'node_modules', '.bin', 'tsc'), ['--project', 'tsconfig.json', '--noEmit', 'false', '--outDir', 'build'], initApp);
      compiled = true;
    } catch (e) {
      compiled = e as Error;
    }
  }
  if (compiled !== true) throw compiled;
}

/** `cdk8s synth` of one program (by default the app's own, main.ts through ts-node); the synthesized objects. */
function synth(dir: string, program?: string): any[] {
  const out = program ? `dist-${path.basename(program, '.js')}` : 'dist';
  run(path.join(dir, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false', '--output', out, ...(program ? ['--app', `node ${program}`] : [])], dir);
  const files = fs.readdirSync(path.join(dir, out)).filter(f => f.endsWith('.k8s.yaml'));
  return files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, out, f), 'utf8')).map(d => d.toJSON()));
}

/**
 * The app depends on the cdk8s-plus its code imports, and our package uses that very copy (none
 * of its own), as it does cdk8s and constructs.
 */
function expectPeerFromApp(dir: string, plus: string, pkg: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  expect(Object.keys(manifest.dependencies)).toContain(plus);
  const ours = path.join(dir, 'node_modules', pkg);
  expect(fs.existsSync(path.join(ours, 'node_modules')) ? fs.readdirSync(path.join(ours, 'node_modules')).filter(d => /^cdk8s|^constructs$/.test(d)) : []).toEqual([]);
  for (const peer of [plus, 'cdk8s', 'constructs']) {
    expect(require.resolve(`${peer}/package.json`, { paths: [ours] })).toBe(path.join(dir, 'node_modules', peer, 'package.json'));
  }
}

/** An app written with a major's own objects (Probe, Volume, Node, NetworkPolicy, IngressBackend) and ours. */
function majorApp(plus: string, pkg: string): string {
  return `import { Construct } from 'constructs';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from '${plus}';
import { GracefulDeployment, GracefulService, GrpcProbe } from '${pkg}';

export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const cache = kplus.Volume.fromEmptyDir(this, 'cache', 'cache');
    const api = new GracefulDeployment(this, 'api', {
      containers: [{
        image: 'ghcr.io/acme/shop-api:2.3.1',
        portNumber: 8080,
        readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5) }),
        liveness: GrpcProbe.of({ port: 9090 }),
        volumeMounts: [{ volume: cache, path: '/var/cache/api' }],
      }],
    });
    api.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('pool', 'web')));
    const service = new GracefulService(this, 'service', { workload: api });
    new kplus.NetworkPolicy(this, 'policy', { selector: api });
    new kplus.Ingress(this, 'ingress').addRule('/api', kplus.IngressBackend.fromService(service));
  }
}

const app = new App();
new ShopChart(app, 'shop');
app.synth();
`;
}

/** The code block under the README's "## The smallest app", verbatim. */
function readmeSmallestApp(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.search(/^## The smallest app$/m);
  const block = at < 0 ? null : readme.slice(at).match(/```ts\n([\s\S]*?)```/);
  if (!block) throw new Error('README.md has no ```ts block under "## The smallest app"');
  return block[1];
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-new-user-'));
  initApp = path.join(work, 'init');
  fs.mkdirSync(initApp);
  const init = spawnSync(CDK8S, ['init', 'typescript-app'], { cwd: initApp, encoding: 'utf8', timeout: 400_000, maxBuffer: 64 * 1024 * 1024 });
  const out = `${init.stdout ?? ''}${init.stderr ?? ''}`;
  // Only the GitHub download of the k8s types may fail, and only for want of GitHub.
  if (init.status !== 0 && !/raw\.githubusercontent\.com|Could not find a schema for k8s/.test(out)) {
    throw new Error(`cdk8s init typescript-app failed:\n${out.slice(-4000)}`);
  }
  if (!fs.existsSync(path.join(initApp, 'node_modules', 'cdk8s'))) {
    throw new Error(`cdk8s init typescript-app did not install the app's packages:\n${out.slice(-4000)}`);
  }
  initManifest = JSON.parse(fs.readFileSync(path.join(initApp, 'package.json'), 'utf8'));
  initPlus33Version = JSON.parse(fs.readFileSync(path.join(initApp, 'node_modules', 'cdk8s-plus-33', 'package.json'), 'utf8')).version;
  // The programs: the README's as the app's own main.ts, one per variant beside it. The template's
  // own test is of the template's chart (MyChart), which the user's main.ts replaces.
  fs.rmSync(path.join(initApp, 'main.test.ts'));
  fs.writeFileSync(path.join(initApp, 'main.ts'), readmeSmallestApp());
  for (const v of variants) fs.writeFileSync(path.join(initApp, `app-${v.major}.ts`), majorApp(v.plus, v.package));
  installAll(initApp);
}, 420_000);

afterAll(() => {
  if (work && !process.env.KEEP_NEW_USER_APP) fs.rmSync(work, { recursive: true, force: true });
});

describe('a new user\'s app from `cdk8s init typescript-app`, our packages from their tarballs', () => {
  test('the app `init` makes is strict and on cdk8s-plus-33 2.5.x', () => {
    expect(Object.keys(initManifest.dependencies).filter(d => d.startsWith('cdk8s-plus-'))).toEqual(['cdk8s-plus-33']);
    expect(initPlus33Version).toMatch(/^2\.5\./);
    expect(JSON.parse(fs.readFileSync(path.join(initApp, 'tsconfig.json'), 'utf8')).compilerOptions.strict).toBe(true);
  });

  test('(a) the README\'s smallest app, verbatim, with the package it imports', () => {
    const code = readmeSmallestApp();
    const pkg = code.match(/from '(graceful-k8s(?:-\d+)?)'/)?.[1];
    const plus = code.match(/from '(cdk8s-plus-\d+)'/)?.[1];
    // The package it imports is the one for the cdk8s-plus it imports.
    const expected = [main, ...variants].find(p => p.plus === plus);
    expect({ pkg, plus }).toEqual({ pkg: expected?.package, plus });
    compileApp();
    const objects = synth(initApp);
    expect(objects.map(o => o.kind).sort()).toEqual(['Deployment', 'Ingress', 'PodDisruptionBudget', 'Service']);
    expectPeerFromApp(initApp, plus!, pkg!);
  }, 420_000);

  for (const variant of variants) {
    test(`(b) ${variant.package}: the major's own objects with ours, tsc --strict, synth`, () => {
      compileApp();
      const objects = synth(initApp, `build/app-${variant.major}.js`);
      const deployment = objects.find(o => o.kind === 'Deployment');
      const pod = deployment.spec.template.spec;
      // The kubelet's own sleep: the target is the major's Kubernetes minor (1.30 or newer)
      expect(pod.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
      expect(pod.containers[0].livenessProbe.grpc).toEqual({ port: 9090 });
      expect(pod.volumes).toEqual([{ emptyDir: {}, name: 'cache' }]);
      expect(objects.find(o => o.kind === 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(objects.find(o => o.kind === 'Ingress').spec.rules[0].http.paths[0].backend.service.name).toBe(objects.find(o => o.kind === 'Service').metadata.name);
      expectPeerFromApp(initApp, variant.plus, variant.package);
    }, 420_000);
  }
});
