// `npx projen api:check` (scripts/api-check.js): jsii-diff and the JS entry points against the last
// release, and the rule that a breaking change must be declared by a commit since that release.
// Uses the compiled assembly (.jsii) and lib/: `npx projen compile` first (the build does).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const apiCheck = require('../scripts/api-check.js');
const variantsJs = require('../scripts/variants.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const BASELINE_VERSION = '0.3.1';

interface Fixture {
  readonly dir: string;
  readonly baseline: string;
  readonly pkg: string;
  readonly assembly: any;
  commit(message: string): void;
  tag(name: string): void;
  writeAssembly(assembly: any): void;
  check(): { code: number; out: string };
}

/**
 * A scratch repository under .tmp/ (so that jsii-diff finds cdk8s and friends in node_modules):
 * api-baseline/ as a release writes it, committed and tagged v0.3.1, and pkg/, the package under
 * test (the compiled library, with an assembly the test may break).
 */
function fixture(options: { baseline?: boolean; from?: string } = {}): Fixture {
  // The package whose API is checked: graceful-k8s (this repository), or a variant's build.
  const from = options.from ?? ROOT;
  if (!fs.existsSync(path.join(from, '.jsii')) || !fs.existsSync(path.join(from, 'lib', 'index.js'))) {
    throw new Error('.jsii or lib/ is missing: compile first (npx projen compile)');
  }
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, '.tmp', 'api-check-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: dir, stdio: 'pipe' });
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8'));
  const assembly = JSON.parse(fs.readFileSync(path.join(from, '.jsii'), 'utf8'));
  const baseline = path.join(dir, 'api-baseline');
  const pkg = path.join(dir, 'pkg');
  fs.mkdirSync(baseline);
  fs.mkdirSync(pkg);
  if (options.baseline ?? true) {
    const { name, jsii, dependencies, peerDependencies, bundledDependencies } = manifest;
    fs.writeFileSync(path.join(baseline, '.jsii'), JSON.stringify({ ...assembly, version: BASELINE_VERSION }));
    fs.writeFileSync(path.join(baseline, 'package.json'), JSON.stringify({ name, version: BASELINE_VERSION, jsii, dependencies, peerDependencies, bundledDependencies }));
    fs.writeFileSync(path.join(baseline, 'js-api.json'), JSON.stringify(apiCheck.describeJsApi(from)));
  }
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest));
  fs.symlinkSync(path.join(from, 'lib'), path.join(pkg, 'lib'));
  const f: Fixture = {
    dir,
    baseline,
    pkg,
    assembly,
    commit: message => { git('add', '-A'); git('commit', '-q', '--allow-empty', '-m', message); },
    tag: name => { git('tag', '-f', name); },
    writeAssembly: a => fs.writeFileSync(path.join(pkg, '.jsii'), JSON.stringify(a)),
    check: () => {
      const lines: string[] = [];
      const code = apiCheck.check({ baseline, package: pkg, repo: dir }, (line: string) => lines.push(line));
      return { code, out: lines.join('\n') };
    },
  };
  git('init', '-q');
  f.writeAssembly(assembly);
  f.commit('chore(release): 0.3.1');
  f.tag(`v${BASELINE_VERSION}`);
  return f;
}

/** A copy of the assembly without one class: what deleting a construct does to the API. */
function withoutAClass(assembly: any): { broken: any; fqn: string } {
  const fqn = Object.keys(assembly.types).find(t => assembly.types[t].kind === 'class')!;
  const broken = structuredClone(assembly);
  delete broken.types[fqn];
  return { broken, fqn };
}

/** A copy of the assembly where one class has lost a property. */
function withoutAProperty(assembly: any): { broken: any; member: string } {
  const fqn = Object.keys(assembly.types).find(t => assembly.types[t].kind === 'class' && (assembly.types[t].properties ?? []).length > 0)!;
  const broken = structuredClone(assembly);
  const [removed] = broken.types[fqn].properties.splice(0, 1);
  return { broken, member: `${fqn}.${removed.name}` };
}

afterAll(() => {
  for (const d of fs.readdirSync(path.join(ROOT, '.tmp')).filter(n => n.startsWith('api-check-'))) {
    fs.rmSync(path.join(ROOT, '.tmp', d), { recursive: true, force: true });
  }
});

describe('api:check', () => {
  test('before the first release there is no baseline: it says so and passes', () => {
    const f = fixture({ baseline: false });
    const r = f.check();
    expect(r.out).toMatch(/no release yet .*nothing to compare/);
    expect(r.code).toBe(0);
  });

  test('passes on an unchanged API', () => {
    const f = fixture();
    f.commit('feat: something compatible');
    const r = f.check();
    expect(r.out).toContain(`compatible with the last release, graceful-k8s@${BASELINE_VERSION}`);
    expect(r.code).toBe(0);
  });

  test('jsii-diff fails on a deliberately broken API: a class removed, no commit declares it', () => {
    // GIVEN a class removed from the assembly, and only compatible-looking commits since the release
    const f = fixture();
    const { broken, fqn } = withoutAClass(f.assembly);
    f.writeAssembly(broken);
    f.commit('feat: tidy the API');
    // WHEN
    const r = f.check();
    // THEN it fails, naming what broke and how to fix it
    expect(r.out).toContain(`jsii: CLASS ${fqn}: has been removed`);
    expect(r.out).toMatch(/FAILED: no commit since tag v0\.3\.1 declares a breaking change/);
    expect(r.code).toBe(1);
  });

  test('fails on a property removed from a class', () => {
    const f = fixture();
    const { broken, member } = withoutAProperty(f.assembly);
    f.writeAssembly(broken);
    f.commit('fix: something');
    const r = f.check();
    expect(r.out).toContain(member.split('.').pop());
    expect(r.out).toMatch(/has been removed/);
    expect(r.code).toBe(1);
  });

  test('passes when a commit since the release declares the break with `!`, and says which version comes next', () => {
    const f = fixture();
    const { broken } = withoutAClass(f.assembly);
    f.writeAssembly(broken);
    f.commit('feat(api)!: remove the class');
    f.commit('docs: unrelated');
    const r = f.check();
    expect(r.out).toMatch(/declared by [0-9a-f]{7} "feat\(api\)!: remove the class" \(since tag v0\.3\.1\): the next release will be 0\.4\.0/);
    expect(r.code).toBe(0);
  });

  test('passes when a commit declares it in a BREAKING CHANGE footer', () => {
    const f = fixture();
    const { broken } = withoutAProperty(f.assembly);
    f.writeAssembly(broken);
    f.commit('refactor: reshape the props\n\nBREAKING CHANGE: the property is gone; set it on the container instead');
    expect(f.check().code).toBe(0);
  });

  test('a declaration made before the last release does not cover a new break', () => {
    const f = fixture();
    f.commit('feat!: an old break, already released');
    f.tag(`v${BASELINE_VERSION}`);
    const { broken } = withoutAClass(f.assembly);
    f.writeAssembly(broken);
    f.commit('feat: quietly remove a class');
    expect(f.check().code).toBe(1);
  });

  test('JS entry points: a removed export of graceful-k8s/checks fails unless declared', () => {
    // GIVEN graceful-k8s/checks without one of the names the last release exported
    const f = fixture();
    const manifest = JSON.parse(fs.readFileSync(path.join(f.pkg, 'package.json'), 'utf8'));
    const before = apiCheck.describeJsApi(ROOT)['./checks'];
    const dropped = Object.keys(before).find(n => before[n] === 'function')!;
    fs.writeFileSync(path.join(f.pkg, 'checks.js'), `const all = require(${JSON.stringify(path.join(ROOT, 'lib', 'checks', 'index.js'))});\n`
      + `module.exports = Object.fromEntries(Object.entries(all).filter(([k]) => k !== ${JSON.stringify(dropped)}));\n`);
    manifest.exports['./checks'] = { default: './checks.js' };
    fs.writeFileSync(path.join(f.pkg, 'package.json'), JSON.stringify(manifest));
    f.commit('feat: slimmer checks');
    // WHEN / THEN
    const r = f.check();
    expect(r.out).toContain(`js:   export '${dropped}' of graceful-k8s/checks (function) has been removed`);
    expect(r.code).toBe(1);
    f.commit(`feat(checks)!: drop ${dropped}`);
    expect(f.check().code).toBe(0);
  });

  test('the next version after a declared break: minor while 0.x, major from 1.0', () => {
    expect(apiCheck.nextBreakingVersion('0.3.1')).toBe('0.4.0');
    expect(apiCheck.nextBreakingVersion('1.4.2')).toBe('2.0.0');
  });

  test('each variant package is checked against its own baseline, with its own name', () => {
    const [variant] = variantsJs.readVariants(ROOT).variants;
    const f = fixture({ from: variantsJs.ensureBuilt(variant) });
    f.commit('feat: something compatible');
    expect(f.check()).toEqual({ code: 0, out: expect.stringContaining(`compatible with the last release, ${variant.package}@${BASELINE_VERSION}`) });
    // GIVEN a class removed from the variant's API, no commit declaring it
    const { broken, fqn } = withoutAClass(f.assembly);
    expect(fqn.startsWith(`${variant.package}.`)).toBe(true);
    f.writeAssembly(broken);
    f.commit('refactor: tidy');
    // THEN it fails, naming the variant's type
    const r = f.check();
    expect(r.code).toBe(1);
    expect(r.out).toContain(fqn);
  }, 120_000);
});
