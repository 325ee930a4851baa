// A new user's app, as `cdk8s init typescript-app` makes it (cdk8s-cli 2.207: cdk8s-plus-33, a
// strict tsconfig, TypeScript 5.9, ts-node), with our packages installed from their packed
// tarballs, outside this repository: what `npm install graceful-k8s-33` gives.
//
// (a) The README's smallest app, verbatim, with the package it imports.
// (b) For each variant: an app written with that major's own objects (Probe, Volume, Service,
//     Node, IPodSelector, IngressBackend) compiles with `tsc --strict` and synthesizes.
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

/** A copy of the init app (node_modules included), with `plus` as its cdk8s-plus and `pkg` installed from its tarball. */
function appWith(name: string, plus: string, plusVersion: string | undefined, pkg: string): string {
  const dir = path.join(work, name);
  fs.cpSync(initApp, dir, { recursive: true, verbatimSymlinks: true });
  // The template's own test is of the template's chart (MyChart), which the user's main.ts replaces.
  fs.rmSync(path.join(dir, 'main.test.ts'));
  const manifestFile = path.join(dir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const installs = [tarballOf(pkg)];
  if (!manifest.dependencies[plus]) {
    // A user of another major swaps the one `init` gave for it (one npm run: the dependency is
    // dropped from package.json, the other one installed).
    for (const d of Object.keys(manifest.dependencies).filter(x => x.startsWith('cdk8s-plus-'))) delete manifest.dependencies[d];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    installs.unshift(`${plus}@^${plusVersion}`);
  }
  // What `init` fetched is in npm's cache: no need to ask the registry again.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...installs], dir);
  return dir;
}

/** tsc with the app's own (strict) tsconfig, then `cdk8s synth`; the synthesized objects. */
function compileAndSynth(dir: string): any[] {
  run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--project', 'tsconfig.json'], dir);
  run(path.join(dir, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false'], dir);
  const files = fs.readdirSync(path.join(dir, 'dist')).filter(f => f.endsWith('.k8s.yaml'));
  return files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).map(d => d.toJSON()));
}

/**
 * The app depends on one cdk8s-plus, the one its code imports, and our package uses that very copy
 * (none of its own). (cdk8s-cli, a dev dependency, brings cdk8s-plus-33 for itself.)
 */
function expectOneCdk8sPlus(dir: string, plus: string, pkg: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  expect(Object.keys(manifest.dependencies).filter(d => d.startsWith('cdk8s-plus-'))).toEqual([plus]);
  const ours = path.join(dir, 'node_modules', pkg);
  expect(fs.existsSync(path.join(ours, 'node_modules')) ? fs.readdirSync(path.join(ours, 'node_modules')).filter(d => /^cdk8s|^constructs$/.test(d)) : []).toEqual([]);
  expect(require.resolve(`${plus}/package.json`, { paths: [ours] })).toBe(path.join(dir, 'node_modules', plus, 'package.json'));
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
}, 420_000);

afterAll(() => {
  if (work && !process.env.KEEP_NEW_USER_APP) fs.rmSync(work, { recursive: true, force: true });
});

describe('a new user\'s app from `cdk8s init typescript-app`, our packages from their tarballs', () => {
  test('the app `init` makes is strict and on cdk8s-plus-33 2.5.x', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(initApp, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).filter(d => d.startsWith('cdk8s-plus-'))).toEqual(['cdk8s-plus-33']);
    expect(JSON.parse(fs.readFileSync(path.join(initApp, 'node_modules', 'cdk8s-plus-33', 'package.json'), 'utf8')).version).toMatch(/^2\.5\./);
    expect(JSON.parse(fs.readFileSync(path.join(initApp, 'tsconfig.json'), 'utf8')).compilerOptions.strict).toBe(true);
  });

  test('(a) the README\'s smallest app, verbatim, with the package it imports', () => {
    const code = readmeSmallestApp();
    const pkg = code.match(/from '(graceful-k8s(?:-\d+)?)'/)?.[1];
    const plus = code.match(/from '(cdk8s-plus-\d+)'/)?.[1];
    // The package it imports is the one for the cdk8s-plus it imports.
    const expected = [main, ...variants].find(p => p.plus === plus);
    expect({ pkg, plus }).toEqual({ pkg: expected?.package, plus });
    const variant = variants.find(v => v.package === pkg);
    const dir = appWith('readme', plus!, variant?.plusVersion ?? '2.9.5', pkg!);
    fs.writeFileSync(path.join(dir, 'main.ts'), code);
    const objects = compileAndSynth(dir);
    expect(objects.map(o => o.kind).sort()).toEqual(['Deployment', 'Ingress', 'PodDisruptionBudget', 'Service']);
    expectOneCdk8sPlus(dir, plus!, pkg!);
  }, 420_000);

  for (const variant of variants) {
    test(`(b) ${variant.package}: the major's own objects with ours, tsc --strict, synth`, () => {
      const dir = appWith(`app-${variant.major}`, variant.plus, variant.plusVersion, variant.package);
      fs.writeFileSync(path.join(dir, 'main.ts'), `import { Construct } from 'constructs';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from '${variant.plus}';
import { GracefulDeployment, GracefulService, GrpcProbe } from '${variant.package}';

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
`);
      const objects = compileAndSynth(dir);
      const deployment = objects.find(o => o.kind === 'Deployment');
      const pod = deployment.spec.template.spec;
      // The kubelet's own sleep: the target is the major's Kubernetes minor (1.30 or newer)
      expect(pod.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
      expect(pod.containers[0].livenessProbe.grpc).toEqual({ port: 9090 });
      expect(pod.volumes).toEqual([{ emptyDir: {}, name: 'cache' }]);
      expect(objects.find(o => o.kind === 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(objects.find(o => o.kind === 'Ingress').spec.rules[0].http.paths[0].backend.service.name).toBe(objects.find(o => o.kind === 'Service').metadata.name);
      expectOneCdk8sPlus(dir, variant.plus, variant.package);
    }, 420_000);
  }
});
