// The README's cdk8s.yaml snippets, as written, through the real cdk8s CLI, for a user who
// (a) installed the package from a tarball (`package: ./node_modules/graceful-k8s`) and
// (b) lets the CLI install it from an npm registry (`package: graceful-k8s`): the tarball is
// published with `npm publish` to a registry on 127.0.0.1 (scripts/local-registry.js), which
// proxies every other package to the real registry.
//
// The tarball: $GRACEFUL_PLUGIN_TARBALL when set (CI's release rehearsal passes the released one),
// else `npm pack` of the compiled repository, relabelled with the version the README shows.
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const CDK8S = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
/* eslint-disable @typescript-eslint/no-require-imports */
const { startRegistry, readManifest } = require('../scripts/local-registry.js');
const release = require('../scripts/release.js');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Runs a command without blocking the event loop (the registry answers from this process). */
function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; out: string }> {
  return new Promise(resolve => {
    execFile(cmd, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** The README's cdk8s.yaml code blocks that load the plugin, verbatim. */
function readmeSnippets(): { registry: string; local: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => m[1]);
  const registry = blocks.find(b => /- package: graceful-k8s\n/.test(b));
  const local = blocks.find(b => /- package: \.\/node_modules\/graceful-k8s\n/.test(b));
  if (!registry || !local) throw new Error('README.md lacks the cdk8s.yaml snippets (package: graceful-k8s, package: ./node_modules/graceful-k8s)');
  return { registry, local };
}

/** A cdk8s app with one Deployment and its PDB; without a readiness probe it breaks GS001 (an error). */
function app(readiness: boolean): string {
  return `const { App, Chart, ApiObject } = require('cdk8s');
const app = new App(); const chart = new Chart(app, 'shop');
new ApiObject(chart, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2,
  selector: { matchLabels: { app: 'web' } }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 40,
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
    containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80 }], ${readiness ? 'readinessProbe: { tcpSocket: { port: 80 } },' : ''}
      lifecycle: { preStop: { exec: { command: ['sleep', '15'] } } } }] } } } });
new ApiObject(chart, 'pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' },
  spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'web' } } } });
app.synth();
`;
}

/** A user's cdk8s project: cdk8s.yaml = the app settings + the README snippet as written. */
function userProject(dir: string, snippet: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `app: node app.js\nlanguage: typescript\noutput: dist\n${snippet}`);
}

/** `cdk8s synth` with a failing app (exit 2, GS001 reported), then a passing one (exit 0). */
async function expectSynthRunsThePlugin(dir: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<void> {
  fs.writeFileSync(path.join(dir, 'app.js'), app(false));
  const failing = await run(CDK8S, ['synth', '--check-upgrade=false', ...extraArgs], { cwd: dir, env });
  expect(failing.out).toContain('GS001 (error) Serving container without a readiness probe');
  expect(failing.out).toMatch(/Resource Name: web/);
  expect(failing.code).toBe(2);
  fs.writeFileSync(path.join(dir, 'app.js'), app(true));
  const passing = await run(CDK8S, ['synth', '--check-upgrade=false', ...extraArgs], { cwd: dir, env });
  expect(passing.out).toContain('Validations ended succesfully'); // sic, the CLI's spelling
  expect(passing.code).toBe(0);
}

let work: string;
let tarball: string;
let version: string;

beforeAll(() => {
  const { registry } = readmeSnippets();
  version = registry.match(/version:\s+(\S+)/)![1];
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  // Under the repository, so that the user's app finds cdk8s in node_modules like an installed app does.
  work = fs.mkdtempSync(path.join(ROOT, '.tmp', 'plugin-install-'));
  if (process.env.GRACEFUL_PLUGIN_TARBALL) {
    tarball = path.resolve(process.env.GRACEFUL_PLUGIN_TARBALL);
    return;
  }
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) {
    throw new Error('lib/ is missing: compile first (npx projen compile)');
  }
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  // The repository says 0.0.0; label the package with the version the README promises.
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  execFileSync('tar', ['-xzf', path.join(work, info.filename), '-C', stage]);
  const manifestFile = path.join(stage, 'package', 'package.json');
  fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), version }, null, 2));
  tarball = path.join(work, `graceful-k8s-${version}.tgz`);
  execFileSync('tar', ['-czf', tarball, '-C', stage, 'package']);
}, 60_000);

afterAll(() => {
  if (work && !process.env.KEEP_PLUGIN_INSTALL) fs.rmSync(work, { recursive: true, force: true });
});

describe('the validation plugin as users install it, through the real cdk8s CLI', () => {
  test('the tarball carries the version the README snippets pin', () => {
    expect(readManifest(fs.readFileSync(tarball)).version).toBe(version);
    expect(release.readmePluginVersions(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))).toEqual([version, version]);
  });

  test('(a) installed from a tarball: `package: ./node_modules/graceful-k8s`', async () => {
    // GIVEN a user's app with the package installed from the tarball (its peers come from the app)
    const dir = path.join(work, 'from-tarball');
    userProject(dir, readmeSnippets().local);
    const install = await run('npm', ['install', tarball, '--no-save', '--no-audit', '--no-fund', '--legacy-peer-deps', '--offline'], { cwd: dir });
    expect({ code: install.code, out: install.code === 0 ? '' : install.out }).toEqual({ code: 0, out: '' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'graceful-k8s', 'package.json'), 'utf8')).version).toBe(version);
    // WHEN / THEN cdk8s synth runs the plugin from there
    await expectSynthRunsThePlugin(dir, process.env);
  }, 180_000);

  test('(b) from a registry: `npm publish` to 127.0.0.1, then `package: graceful-k8s` makes the CLI install it', async () => {
    const registry = await startRegistry();
    try {
      // GIVEN the tarball published with the documented command, to a registry on loopback
      const npmrc = path.join(work, 'npmrc');
      fs.writeFileSync(npmrc, `registry=${registry.url}\n${registry.url.replace(/^http:/, '')}:_authToken=test-token\nfund=false\naudit=false\n`);
      const env = { ...process.env, npm_config_userconfig: npmrc };
      const publish = await run('npm', ['publish', tarball], { cwd: work, env });
      expect({ code: publish.code, out: publish.code === 0 ? '' : publish.out }).toEqual({ code: 0, out: '' });
      // AND a user's app whose cdk8s.yaml has the README snippet as written
      const dir = path.join(work, 'from-registry');
      userProject(dir, readmeSnippets().registry);
      const plugins = path.join(work, 'plugins');
      // WHEN / THEN the CLI installs graceful-k8s@<version> from the registry and runs it
      await expectSynthRunsThePlugin(dir, env, ['--plugins-dir', plugins]);
      // The CLI's npm asked this registry for graceful-k8s (the tarball itself may come from npm's
      // cache, keyed by its integrity, when test (a) installed the same file).
      expect(registry.requests).toEqual(expect.arrayContaining(['PUT /graceful-k8s', 'GET /graceful-k8s']));
      const installed = path.join(plugins, 'graceful-k8s', version, 'node_modules', 'graceful-k8s', 'package.json');
      expect(JSON.parse(fs.readFileSync(installed, 'utf8')).version).toBe(version);
    } finally {
      await registry.close();
    }
  }, 240_000);
});
