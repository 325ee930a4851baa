// Every example, as README command 1 synthesizes it (`cdk8s synth` with the real CLI into
// examples/<name>/dist/), is valid Kubernetes object by object: the API server's OpenAPI schema
// (kubernetes-models), and the KEDA and GKE models for the custom resources. The variants'
// builds of the same examples are checked in graceful-variants.test.ts.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifestFiles } from './util';

const ROOT = path.join(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const examples = fs.readdirSync(EXAMPLES).filter(n => fs.existsSync(path.join(EXAMPLES, n, 'cdk8s.yaml'))).sort();

function newestMtime(dir: string): number {
  return Math.max(...fs.readdirSync(dir, { recursive: true }).map(f => fs.statSync(path.join(dir, String(f))).mtimeMs));
}

function manifests(name: string): string[] {
  const dist = path.join(EXAMPLES, name, 'dist');
  return fs.existsSync(dist) ? fs.readdirSync(dist).filter(f => f.endsWith('.k8s.yaml')).map(f => path.join(dist, f)) : [];
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) throw new Error('lib/ is missing: compile first (npx projen compile)');
  // README command 1 wrote them; a run of the tests alone, or after a change to the sources, writes
  // them again. (Not lib/'s time: the build compiles again after command 1 without changing a source.)
  const builtAt = newestMtime(path.join(ROOT, 'src'));
  const stale = examples.filter(n => {
    const files = manifests(n);
    return files.length === 0 || Math.min(...files.map(f => fs.statSync(f).mtimeMs)) < Math.max(builtAt, fs.statSync(path.join(EXAMPLES, n, 'main.ts')).mtimeMs);
  });
  if (stale.length > 0) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'synth-examples.js'), ...stale], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, GRACEFUL_K8S_QUIET: '1' } });
  }
}, 600_000);

test('there are examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(8);
});

test.each(examples)('examples/%s: every synthesized object is valid Kubernetes', name => {
  const files = manifests(name);
  expect(files.length).toBeGreaterThan(0);
  expect(validateManifestFiles(files)).toBeGreaterThan(0);
});

test('an object the API server rejects fails the check, naming the file and the object', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-schema-'));
  const file = path.join(dir, 'bad.k8s.yaml');
  fs.writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: "3", selector: {}, template: {spec: {containers: []}}}\n');
  expect(() => validateManifestFiles([file])).toThrow(/bad\.k8s\.yaml: Deployment api is not valid Kubernetes/);
  fs.writeFileSync(file, 'apiVersion: acme.example/v1\nkind: Widget\nmetadata: {name: w}\n');
  expect(() => validateManifestFiles([file])).toThrow('no schema model for acme.example/v1/Widget');
  fs.rmSync(dir, { recursive: true, force: true });
});
