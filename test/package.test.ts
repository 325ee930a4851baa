// The npm package as users get it: its exact contents, links, engines, versions and entry points.
// Needs the compiled library (lib/, .jsii): `npx projen compile` (the build compiles before testing).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const packageFiles = require('../scripts/package-files.js');
const release = require('../scripts/release.js');
const variantsJs = require('../scripts/variants.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

let packed: { files: string[]; bundled: string[] } | undefined;
/** `npm pack --dry-run`: what `npm pack` and `npm publish` would put in the tarball. */
function packList() {
  if (!packed) {
    if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js')) || !fs.existsSync(path.join(ROOT, '.jsii'))) {
      throw new Error('lib/ or .jsii is missing: compile first (npx projen compile)');
    }
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    packed = { files: info.files.map((f: { path: string }) => f.path).sort(), bundled: [...(info.bundled ?? [])].sort() };
  }
  return packed;
}

/** The bundled dependencies and, recursively, their own dependencies (they ship inside the tarball). */
function bundledClosure(): string[] {
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    out.add(name);
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), 'utf8'));
    Object.keys(manifest.dependencies ?? {}).forEach(visit);
  };
  (pkg.bundledDependencies ?? []).forEach(visit);
  return [...out].sort();
}

/** The lowest version a `>= x.y.z` range admits, as [major, minor, patch]. */
function floor(range: string): number[] {
  const m = range.match(/^>=\s*(\d+)\.(\d+)\.(\d+)$/);
  if (!m) throw new Error(`engines range '${range}' is not of the form '>= x.y.z'`);
  return m.slice(1).map(Number);
}
const atLeast = (a: number[], b: number[]) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];

describe('npm package contents', () => {
  test('the tarball holds only what users need (allow-list)', () => {
    // GIVEN a stray file in the working tree, as tests and tools leave them
    fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, '.tmp', 'stray-package-test.txt'), 'not for users\n');
    packed = undefined;
    // WHEN
    const { files } = packList();
    // THEN every file matches the allow-list: no .tmp/, test fixtures, sources, examples, scripts, bench, baseline
    expect(files.filter(f => !packageFiles.isPackageFile(f, bundledClosure()))).toEqual([]);
    expect(files.filter(f => /^(\.tmp|test|src|examples|scripts|bench|api-baseline|dist|\.ci|\.projen)\//.test(f))).toEqual([]);
  });

  test('one allow-list: package.json "files" is the list in scripts/package-files.js, and its patterns mean what npm means', () => {
    expect(pkg.files).toEqual(packageFiles.PACKAGE_FILES);
    const allowed = (f: string) => packageFiles.isPackageFile(f, ['js-yaml']);
    expect(['lib/index.js', 'lib/checks/rules/probes.d.ts', 'bin/graceful-check', 'docs/rules.md', 'docs/images/drill.png', 'README.md', '.jsii',
      'node_modules/js-yaml/index.js'].filter(f => !allowed(f))).toEqual([]);
    expect(['src/index.ts', 'lib/index.ts', 'docs/images/drill.svg', 'docs/sub/x.md', 'test/x.test.ts', '.tmp/x', 'node_modules/yaml/index.js', 'xlib/a.js']
      .filter(allowed)).toEqual([]);
  });

  test('everything users need is in it: code, both CLIs, docs, assembly, changelog, and every exports and bin target', () => {
    const { files } = packList();
    const targets = [
      ...Object.values(pkg.bin as Record<string, string>),
      ...Object.values(pkg.exports as Record<string, any>).map(t => (typeof t === 'string' ? t : t.default)),
      ...Object.values(pkg.exports as Record<string, any>).filter(t => typeof t !== 'string').map(t => t.types),
      pkg.main, pkg.types,
    ].map(t => t.replace(/^\.\//, ''));
    expect(files).toEqual(expect.arrayContaining([
      ...new Set(targets),
      'README.md', 'LICENSE', 'CHANGELOG.md', 'API.md', '.jsii', 'package.json',
      'docs/kubernetes-semantics.md', 'docs/releasing.md', 'docs/benchmarks.md',
      'lib/cli/graceful-check.js', 'lib/cli/graceful-drill.js', 'lib/cli/version.js',
    ]));
  });

  test('bundled dependencies are the declared ones and what they depend on', () => {
    expect(packList().bundled).toEqual(bundledClosure());
  });

  test('every relative link in README.md and CHANGELOG.md resolves to a file in the package, every #anchor to a heading', () => {
    const { files } = packList();
    const problems: string[] = [];
    for (const doc of ['README.md', 'CHANGELOG.md']) {
      const text = read(doc);
      const slugs = new Set([...text.matchAll(/^#+\s+(.+)$/gm)].map(m => m[1].toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s/g, '-')));
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#');
        if (file && !files.includes(path.posix.normalize(file))) problems.push(`${doc}: ${target} (not in the package)`);
        if (!file && anchor && !slugs.has(anchor)) problems.push(`${doc}: #${anchor} (no such heading)`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('versions users see', () => {
  test('the README cdk8s.yaml snippets pin the version users can install', () => {
    // GIVEN the version a user can install: the one being released (release build), else the
    // last release (api-baseline/), else before any release the first release's version
    const expected = release.publishedVersion(ROOT);
    // THEN both snippets (from a registry, from ./node_modules) show it
    const versions = release.readmePluginVersions(read('README.md'));
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions).toEqual(versions.map(() => expected));
    expect(expected).not.toBe('0.0.0');
  });

  test('CHANGELOG.md: its newest entry is the last release, or in a release build the version being released', () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toContain(release.CHANGELOG_MARKER);
    const [newest] = release.changelogVersions(changelog);
    const releasing = process.env.RELEASE && pkg.version !== '0.0.0';
    expect(newest).toBe(releasing ? pkg.version : release.lastReleasedVersion(ROOT));
  });

  test('both CLIs print the package version with --version', () => {
    for (const bin of Object.values(pkg.bin as Record<string, string>)) {
      const out = execFileSync(process.execPath, [path.join(ROOT, bin), '--version'], { encoding: 'utf8' });
      expect(out).toBe(`${pkg.version}\n`);
    }
  });

  test('engines states what runs: the running Node, and no bundled dependency needs a newer one', () => {
    const ours = floor(pkg.engines.node);
    expect(pkg.engines.node).toBe('>= 20.0.0');
    expect(atLeast(process.versions.node.split('.').map(Number), ours)).toBe(true);
    for (const name of bundledClosure()) {
      const range = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), 'utf8')).engines?.node;
      if (range) {
        expect({ name, ok: atLeast(ours, floor(range.replace(/^>=(\d)/, '>= $1'))) }).toEqual({ name, ok: true });
      }
    }
  });
});

describe('entry points', () => {
  test.each(Object.keys(pkg.exports).filter(e => !/package\.json|\.jsii/.test(e)))('%s loads through the package name, as a user imports it', entry => {
    const specifier = `graceful-k8s${entry.slice(1)}`;
    // A separate node resolves the package's own name through "exports" (self-reference), as a user's app does.
    const names = JSON.parse(execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))))`], { cwd: ROOT, encoding: 'utf8' }));
    expect(names.length).toBeGreaterThan(0);
  });

  test('the main entry point is the jsii API alone: every name it exports at run time is a jsii type', () => {
    const assembly = JSON.parse(read('.jsii'));
    const jsiiNames = new Set(Object.values(assembly.types).map((t: any) => t.name));
    const exportsOf = (file: string) => Object.keys(require(path.join(ROOT, 'lib', file))); // eslint-disable-line @typescript-eslint/no-require-imports
    const names = exportsOf('index.js');
    // A plain function or constant here would be invisible to jsii-diff and to other languages.
    expect(names.filter(n => !jsiiNames.has(n))).toEqual([]);
    // The functions behind the constructs stay reachable from JavaScript, in their entry points.
    const timing = exportsOf('timing/index.js');
    const checks = exportsOf('checks/index.js');
    expect(timing).toEqual(expect.arrayContaining(['computeShutdownBudget', 'killTimeline', 'planRollout', 'resolveFenceposts', 'parseQuantity']));
    expect(checks).toEqual(expect.arrayContaining(['checkManifests', 'checkTexts', 'RULES', 'warningsOf', 'notesOf']));
  });

  test('a deep import outside "exports" is refused, so only the entry points are public', () => {
    expect(() => execFileSync(process.execPath, ['-e', 'require("graceful-k8s/lib/timing/quantity")'], { cwd: ROOT, stdio: 'pipe' })).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});

describe('one package per cdk8s-plus major', () => {
  const { main, variants } = variantsJs.readVariants(ROOT);
  const tasks = JSON.parse(read('.projen/tasks.json')).tasks;

  test('graceful-k8s is on cdk8s-plus-27, and only src/_kplus.ts names it: every other module imports cdk8s-plus through it', () => {
    expect(main).toEqual({ package: 'graceful-k8s', plus: 'cdk8s-plus-27', plusVersion: '2.9.5' });
    expect(pkg.peerDependencies['cdk8s-plus-27']).toBe('^2.9.5');
    const naming = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }).map(String).filter(f => f.endsWith('.ts'))
      .filter(f => /from 'cdk8s-plus-\d+'|require\('cdk8s-plus-\d+'\)/.test(read(path.join('src', f))));
    expect(naming).toEqual(['_kplus.ts']);
  });

  test('`npx projen package` packs every package into dist/js/, and the build builds and API-checks every variant', () => {
    expect(tasks['package:js'].steps.map((s: any) => s.exec)).toEqual(['mkdir -p dist/js && npm pack --pack-destination dist/js', 'node scripts/variants.js pack']);
    expect(tasks['post-compile'].steps.map((s: any) => s.spawn)).toEqual(expect.arrayContaining(['api:check', 'variants']));
    expect(tasks.variants.steps.map((s: any) => s.exec)).toEqual(['node scripts/variants.js build', 'node scripts/variants.js api-check']);
    // The dev dependency each variant is built with is the floor of its peer range.
    for (const v of variants) expect(pkg.devDependencies[v.plus]).toBe(v.plusVersion);
  });

  for (const variant of variantsJs.readVariants(ROOT).variants) {
    test(`${variant.package}: the same files as graceful-k8s, its cdk8s-plus-${variant.major} peer, and its entry points load through its name`, () => {
      const dir = variantsJs.ensureBuilt(variant);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(manifest.name).toBe(variant.package);
      expect(manifest.version).toBe(pkg.version);
      expect(manifest.peerDependencies).toEqual({ ...pkg.peerDependencies, 'cdk8s-plus-27': undefined, [variant.plus]: `^${variant.plusVersion}` });
      expect(Object.keys(manifest.peerDependencies)).not.toContain('cdk8s-plus-27');
      for (const field of ['exports', 'bin', 'files', 'engines', 'bundledDependencies', 'dependencies', 'license', 'main', 'types']) {
        expect({ field, value: manifest[field] }).toEqual({ field, value: pkg[field] });
      }
      const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      const files = info.files.map((f: { path: string }) => f.path).sort();
      expect(info.filename).toBe(`${variant.package}-${pkg.version}.tgz`);
      expect(files.filter((f: string) => !/^node_modules\//.test(f))).toEqual(packList().files.filter(f => !/^node_modules\//.test(f)));
      for (const entry of Object.keys(pkg.exports).filter(e => !/package\.json|\.jsii/.test(e))) {
        const names = JSON.parse(execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(variant.package + entry.slice(1))}))))`],
          { cwd: dir, encoding: 'utf8' }));
        expect(names.length).toBeGreaterThan(0);
      }
    }, 120_000);
  }
});

describe('docs/kubernetes-semantics.md', () => {
  const doc = read('docs/kubernetes-semantics.md');
  const defined = new Set([
    ...[...doc.matchAll(/^(\d+\.\d+[a-z]?) /gm)].map(m => m[1]),
    ...[...doc.matchAll(/^## (\d+)\. /gm)].map(m => m[1]),
  ]);

  test('keeps the numbering the code cites: 1.1–6.4, the defaults table, the rollout rules, and section 7', () => {
    const expected = [
      ...[1, 2, 3, 4, 5, 6, 7].map(String),
      ...['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9', '2.1', '2.2', '2.3', '2.4', '2.5'],
      ...['3.1', '3.2', '3.3', '3.4', '3.4a', '3.5', '3.6', '4.1', '4.2', '4.3', '4.4'],
      ...['5.1', '5.2', '5.3', '5.3a', '5.3b', '5.3c', '5.4', '5.5', '6.1', '6.2', '6.3', '6.4'],
      ...['7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '7.7', '7.8', '7.9', '7.10'],
    ];
    expect(expected.filter(n => !defined.has(n))).toEqual([]);
    expect(doc).toMatch(/^## Defaults table$/m);
    expect(doc).toMatch(/^## Rules for anything that emulates a rollout$/m);
    const rules = doc.slice(doc.indexOf('## Rules for anything'), doc.indexOf('## 7.'));
    expect([...rules.matchAll(/^(\d)\. /gm)].map(m => m[1])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });

  test('every "spec N.N" cited in the code, the README and the benchmarks exists in it', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|js)$/.test(e.name)) sources.push(rel);
      }
    };
    ['src', 'bench'].filter(d => fs.existsSync(path.join(ROOT, d))).forEach(walk);
    const missing: string[] = [];
    for (const file of [...sources, 'README.md']) {
      for (const m of read(file).matchAll(/\bspec (\d+(?:\.\d+[a-z]?)?)(?:\s*[-–/]\s*(\d+\.\d+[a-z]?))?/g)) {
        for (const point of [m[1], m[2]].filter(Boolean)) {
          if (!defined.has(point)) missing.push(`${file}: spec ${point}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
