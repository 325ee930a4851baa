#!/usr/bin/env node
// One source, one package per cdk8s-plus major (docs/releasing.md, "One package per cdk8s-plus
// major"). `graceful-k8s` is this repository as it is (cdk8s-plus-27); every other package of
// variants.json (written by .projenrc.ts) is built from a copy of it in .variants/<major>/:
//
//   node scripts/variants.js build [33 34]      stage (src/ with the seam pointed at the major,
//                                               package.json named and peered for it), jsii
//                                               compile, API.md
//   node scripts/variants.js api-check [33 34]  `api:check` of each against api-baseline/<package>/
//   node scripts/variants.js examples [33 34]   every example of examples/ as a user of that major
//                                               writes it (its two imports renamed), type-checked
//                                               with tsc --strict and synthesized with the cdk8s CLI
//   node scripts/variants.js pack [33 34]       npm pack of each into dist/js/
//
// Without majors: every variant. The only difference in the source is src/_kplus.ts, the seam:
// its quoted package name 'cdk8s-plus-27' becomes the variant's. Everything a major can do
// natively is read there from the major's own exports.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { isPackageFile } = require('./package-files');

const ROOT = path.join(__dirname, '..');
const STAGE = path.join(ROOT, '.variants');
const SEAM = 'src/_kplus.ts';
const MAIN_PLUS = 'cdk8s-plus-27';

/** The packages: { main: {...}, variants: [{ major, package, plus, plusVersion }] }. */
function readVariants(root = ROOT) {
  return JSON.parse(fs.readFileSync(path.join(root, 'variants.json'), 'utf8'));
}

function variantsFor(majors, root = ROOT) {
  const all = readVariants(root).variants;
  if (majors.length === 0) return all;
  return majors.map(m => {
    const v = all.find(x => String(x.major) === String(m));
    if (!v) throw new Error(`no variant for cdk8s-plus-${m}; variants.json has ${all.map(x => x.major).join(', ')}`);
    return v;
  });
}

function stageDir(variant, root = ROOT) {
  return path.join(root, '.variants', String(variant.major));
}

function run(cmd, args, cwd, extraEnv = {}) {
  execFileSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
}

function bin(name) {
  return path.join(ROOT, 'node_modules', '.bin', name);
}

function copyTree(from, to, filter = () => true) {
  fs.cpSync(from, to, { recursive: true, filter: src => filter(path.relative(from, src)) });
}

/** The seam of a variant: the quoted main package name replaced, exactly where it is quoted. */
function variantSeam(text, plus) {
  const quoted = `'${MAIN_PLUS}'`;
  const count = text.split(quoted).length - 1;
  if (count !== 3) {
    throw new Error(`${SEAM} must name ${quoted} exactly three times (import, export *, PLUS_PACKAGE); it does ${count} times`);
  }
  return text.split(quoted).join(`'${plus}'`);
}

/** The variant's package.json: the main one, renamed and peered on the variant's cdk8s-plus. */
function variantManifest(main, variant) {
  const { devDependencies: _dev, scripts: _scripts, jest: _jest, ...rest } = main;
  const peerDependencies = {};
  const devDependencies = {};
  for (const [name, range] of Object.entries(main.peerDependencies)) {
    const own = name === MAIN_PLUS ? variant.plus : name;
    peerDependencies[own] = name === MAIN_PLUS ? `^${variant.plusVersion}` : range;
    // As in the main package: each peer's floor is the version built and tested with.
    devDependencies[own] = name === MAIN_PLUS ? variant.plusVersion : main.devDependencies[name];
  }
  return {
    ...rest,
    name: variant.package,
    description: `${main.description} For cdk8s-plus-${variant.major} (Kubernetes 1.${variant.major}); built from the same source as graceful-k8s.`,
    keywords: [...new Set([...(main.keywords ?? []), variant.plus])].sort(),
    peerDependencies,
    devDependencies,
  };
}

/** Copies what the package and its build need into .variants/<major>/, the seam pointed at the major. */
function stage(variant) {
  const dir = stageDir(variant);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const main = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(variantManifest(main, variant), null, 2)}\n`);
  copyTree(path.join(ROOT, 'src'), path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, SEAM), variantSeam(fs.readFileSync(path.join(ROOT, SEAM), 'utf8'), variant.plus));
  for (const f of ['tsconfig.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  copyTree(path.join(ROOT, 'bin'), path.join(dir, 'bin'));
  // The docs the README links to, and the pictures it shows: what the package's allow-list takes.
  const docs = path.join(ROOT, 'docs');
  copyTree(docs, path.join(dir, 'docs'), rel => fs.statSync(path.join(docs, rel)).isDirectory() || isPackageFile(`docs/${rel.split(path.sep).join('/')}`));
  // Bundled dependencies are packed from the package's own node_modules: copies. The peers are
  // links to this repository's (jsii-docgen looks for them there); npm packs no link.
  for (const name of bundledClosure(main)) {
    copyTree(path.dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] })), path.join(dir, 'node_modules', name));
  }
  for (const name of Object.keys(variantManifest(main, variant).peerDependencies)) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

function bundledClosure(manifest) {
  const out = new Set();
  const visit = name => {
    if (out.has(name)) return;
    out.add(name);
    const m = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), 'utf8'));
    Object.keys(m.dependencies ?? {}).forEach(visit);
  };
  (manifest.bundledDependencies ?? []).forEach(visit);
  return [...out];
}

function build(variant) {
  const started = Date.now();
  const dir = stage(variant);
  run(bin('jsii'), ['--silence-warnings=reserved-word'], dir);
  run(bin('jsii-docgen'), ['-o', 'API.md'], dir);
  console.log(`variant ${variant.package}: compiled in ${path.relative(ROOT, dir)} against ${variant.plus} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** The newest modification time of the files under a directory. */
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The variant's build directory, built first when it is missing or older than the source or
 * package.json (tests call this: `npx projen test` alone builds what it tests).
 */
function ensureBuilt(variant, options = {}) {
  const dir = stageDir(variant);
  const assembly = path.join(dir, '.jsii');
  const sources = Math.max(newest(path.join(ROOT, 'src')), fs.statSync(path.join(ROOT, 'package.json')).mtimeMs);
  if (!fs.existsSync(assembly) || fs.statSync(assembly).mtimeMs < sources) {
    const out = execFileSync(process.execPath, [__filename, 'build', String(variant.major)], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (options.log) options.log(out);
  }
  return dir;
}

function requireBuilt(variant) {
  const dir = stageDir(variant);
  if (!fs.existsSync(path.join(dir, '.jsii'))) {
    throw new Error(`${path.relative(ROOT, dir)} has no build: run \`node scripts/variants.js build ${variant.major}\` (or \`npx projen variants\`) first`);
  }
  return dir;
}

function apiCheck(variant) {
  const dir = requireBuilt(variant);
  run(process.execPath, [path.join(ROOT, 'scripts', 'api-check.js'), '--baseline', path.join(ROOT, 'api-baseline', variant.package), '--package', dir, '--repo', ROOT]);
}

function pack(variant) {
  const dir = requireBuilt(variant);
  const out = path.join(ROOT, 'dist', 'js');
  fs.mkdirSync(out, { recursive: true });
  run('npm', ['pack', '--pack-destination', out], dir);
}

/** An example as a user of the variant writes it: the same code, importing the variant's packages. */
function variantExample(text, variant) {
  return text
    .replace(new RegExp(`(['"])${MAIN_PLUS}\\1`, 'g'), `$1${variant.plus}$1`)
    .replace(/(['"])graceful-k8s(\/[a-z]+)?\1/g, `$1${variant.package}$2$1`);
}

/**
 * Every example, as the variant's user: main.ts with the variant's imports, type-checked together
 * (tsc --strict, the examples' tsconfig), compiled, then `cdk8s synth` with the example's own
 * cdk8s.yaml (validation plugin included) running the compiled app.
 */
function examples(variant) {
  const dir = requireBuilt(variant);
  const started = Date.now();
  const out = path.join(dir, 'examples');
  fs.rmSync(out, { recursive: true, force: true });
  const names = fs.readdirSync(path.join(ROOT, 'examples')).filter(n => fs.existsSync(path.join(ROOT, 'examples', n, 'cdk8s.yaml'))).sort();
  for (const name of names) {
    const from = path.join(ROOT, 'examples', name);
    const to = path.join(out, name);
    fs.mkdirSync(to, { recursive: true });
    for (const f of fs.readdirSync(from).filter(x => x.endsWith('.ts') || x === 'cdk8s.yaml')) {
      const text = fs.readFileSync(path.join(from, f), 'utf8');
      const written = f.endsWith('.ts') ? variantExample(text, variant)
        // The compiled app instead of ts-node: the type check ran once, for every example.
        : text.replace(/^app:.*$/m, `app: node ../build/${name}/main.js`);
      fs.writeFileSync(path.join(to, f), written);
    }
  }
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'tsconfig.json'), 'utf8'));
  tsconfig.compilerOptions = { ...tsconfig.compilerOptions, noEmit: false, strict: true, outDir: 'build', rootDir: '.' };
  fs.writeFileSync(path.join(out, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  run(bin('tsc'), ['--project', path.join(out, 'tsconfig.json')], out);
  for (const name of names) {
    run(bin('cdk8s'), ['synth', '--check-upgrade=false'], path.join(out, name), { GRACEFUL_K8S_QUIET: '1' });
    const files = fs.readdirSync(path.join(out, name, 'dist')).filter(f => f.endsWith('.k8s.yaml'));
    if (files.length === 0) throw new Error(`example ${name} with ${variant.package}: cdk8s synth wrote no *.k8s.yaml`);
  }
  console.log(`variant ${variant.package}: ${names.length} examples type-checked and synthesized (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const COMMANDS = { build, 'api-check': apiCheck, examples, pack };

if (require.main === module) {
  const [command, ...majors] = process.argv.slice(2);
  try {
    if (!COMMANDS[command]) {
      throw new Error(`usage: variants.js ${Object.keys(COMMANDS).join('|')} [major ...]`);
    }
    for (const v of variantsFor(majors)) COMMANDS[command](v);
  } catch (e) {
    process.stderr.write(`variants: ${e.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { readVariants, variantsFor, stageDir, ensureBuilt, variantSeam, variantManifest, variantExample, STAGE, MAIN_PLUS };
