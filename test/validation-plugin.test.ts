import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GracefulValidationPlugin } from '../src';

const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'checker');

/** A stand-in for the cdk8s CLI's ValidationContext, recording what the plugin reports. */
function fakeContext(manifests: string[]) {
  const violations: any[] = [];
  let summary: any;
  return {
    context: {
      manifests,
      logger: { log: () => undefined },
      report: {
        addViolation: (v: any) => violations.push(v),
        submit: (status: string, metadata: any) => { summary = { status, metadata }; },
      },
    },
    violations,
    summary: () => summary,
  };
}

describe('GracefulValidationPlugin (cdk8s CLI validation contract)', () => {
  test('reports violations per rule with resource, manifest and line, and fails on errors', async () => {
    const ctx = fakeContext([path.join(FIXTURES, 'worker.yaml')]);
    await new GracefulValidationPlugin().validate(ctx.context);
    expect(ctx.violations.map(v => v.ruleName)).toEqual([
      'GS006 (error) Shell entrypoint keeps SIGTERM from the app',
      'GS012 (error) PodDisruptionBudget blocks every eviction',
      'GS018 (warning) PodDisruptionBudget without unhealthyPodEvictionPolicy: AlwaysAllow',
    ]);
    expect(ctx.violations[0].violatingResources).toEqual([{
      resourceName: 'mailer',
      manifestPath: path.join(FIXTURES, 'worker.yaml'),
      locations: [expect.stringMatching(/^line 21 \/spec\/template\/spec\/containers\/0\/command \(container 'worker'\): runs/)],
    }]);
    expect(ctx.summary()).toEqual({ status: 'failure', metadata: { objects: '2', workloads: '1', errors: '2', warnings: '1', suppressed: '0' } });
  });

  test('succeeds on warnings unless failOnWarnings', async () => {
    const file = path.join(ROOT, '.tmp', 'plugin-warn.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // One serving replica, otherwise graceful: a GS009 warning and nothing else.
    fs.writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: solo}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: solo}}\n'
      + '  template:\n    metadata: {labels: {app: solo}}\n    spec:\n      containers:\n'
      + '      - {name: c, image: x, ports: [{containerPort: 80}], readinessProbe: {tcpSocket: {port: 80}}, lifecycle: {preStop: {sleep: {seconds: 10}}}}\n');
    const lenient = fakeContext([file]);
    await new GracefulValidationPlugin().validate(lenient.context);
    expect(lenient.summary().status).toBe('success');
    const strict = fakeContext([file]);
    await new GracefulValidationPlugin({ failOnWarnings: true }).validate(strict.context);
    expect(strict.summary().status).toBe('failure');
  });

  test('runs inside the real cdk8s CLI: `cdk8s synth` fails on an error and passes a clean app', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, '.tmp', 'plugin-app-'));
    // The CLI requires the plugin by path; the shim compiles the TypeScript source on the fly.
    fs.writeFileSync(path.join(dir, 'plugin.js'), `require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))} });\n`
      + `module.exports = require(${JSON.stringify(path.join(ROOT, 'src', 'checks', 'validation-plugin.ts'))});\n`);
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
      'app: node app.js',
      'language: typescript',
      'output: dist',
      'validations:',
      '  - package: ./plugin.js',
      '    version: 0.0.0',
      '    class: GracefulValidationPlugin',
    ].join('\n') + '\n');
    const app = (probe: boolean) => `const { App, Chart, ApiObject } = require('cdk8s');
const app = new App(); const chart = new Chart(app, 'c');
new ApiObject(chart, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2,
  selector: { matchLabels: { app: 'web' } }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 40,
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
    containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80 }], ${probe ? 'readinessProbe: { tcpSocket: { port: 80 } },' : ''}
      lifecycle: { preStop: { exec: { command: ['sleep', '15'] } } } }] } } } });
new ApiObject(chart, 'pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' },
  spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'web' } } } });
app.synth();
`;
    const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
    const synth = () => {
      try {
        return { code: 0, out: execFileSync(cdk8s, ['synth', '--check-upgrade=false'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
      } catch (e: any) {
        return { code: e.status as number, out: `${e.stdout}${e.stderr}` };
      }
    };

    fs.writeFileSync(path.join(dir, 'app.js'), app(false));
    const failing = synth();
    expect(failing.code).toBe(2);
    expect(failing.out).toContain('GS001 (error) Serving container without a readiness probe');
    expect(failing.out).toMatch(/Resource Name: web/);
    expect(failing.out).toContain('Validation failed');

    fs.writeFileSync(path.join(dir, 'app.js'), app(true));
    const passing = synth();
    expect(passing.out).toContain('Validations ended succesfully');
    expect(passing.code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
