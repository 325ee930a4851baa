#!/usr/bin/env node
// Packed and installed size of the npm package, as a user gets it (docs/benchmarks.md, "Package size").
//
//   node scripts/package-size.js                 # pack the compiled repository (npm pack), then measure
//   node scripts/package-size.js --tarball x.tgz # measure an existing tarball (e.g. dist/js/graceful-k8s-0.1.0.tgz)
//   node scripts/package-size.js --json          # machine-readable
//
// Reports: the tarball (bytes on the wire), its unpacked contents grouped by part (lib/, bundled
// dependencies, docs, ...), and a real `npm install <tarball>` into an empty project: the size of
// node_modules/graceful-k8s (the package with its bundled dependencies) and of the whole node_modules
// (with the peer dependencies cdk8s, cdk8s-plus-27 and constructs that npm installs along).
// Sizes are apparent sizes (sum of file lengths, as npm's "unpacked size"), so they do not depend
// on the file system's block size. The install reads from the npm registry (or npm's cache).
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');

function parseArgs(argv) {
  const args = { json: false, tarball: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--keep') args.keep = true;
    else if (argv[i] === '--tarball') args.tarball = path.resolve(argv[++i]);
    else throw new Error(`unknown argument '${argv[i]}'; usage: package-size.js [--tarball <file.tgz>] [--json] [--keep]`);
  }
  return args;
}

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Sum of file sizes and file count under a directory (symlinks not followed). */
function treeSize(dir) {
  let bytes = 0;
  let files = 0;
  const walk = d => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) { bytes += fs.statSync(p).size; files++; }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { bytes, files };
}

/** The part of the package a file belongs to: lib, bin, docs, a bundled dependency, or the file itself. */
function partOf(file) {
  const parts = file.split('/');
  if (parts[0] === 'node_modules') return `bundled: ${parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]}`;
  return parts.length > 1 ? `${parts[0]}/` : parts[0];
}

function pack(tmp, tarball) {
  if (tarball) {
    // `npm pack <tarball> --dry-run` lists the contents without writing anything.
    const [info] = JSON.parse(npm(['pack', tarball, '--dry-run', '--json', '--ignore-scripts'], tmp));
    return { ...info, tarball };
  }
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) {
    throw new Error('lib/ is missing: compile first (npx projen compile), or use `npx projen bench:package`');
  }
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], ROOT));
  return { ...info, tarball: path.join(tmp, info.filename) };
}

function install(tmp, tarball) {
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'size-probe', version: '1.0.0', private: true }, null, 2));
  const started = Date.now();
  npm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--no-save'], app);
  const seconds = (Date.now() - started) / 1000;
  const nm = path.join(app, 'node_modules');
  const top = fs.readdirSync(nm).filter(n => !n.startsWith('.'))
    .flatMap(n => (n.startsWith('@') ? fs.readdirSync(path.join(nm, n)).map(s => `${n}/${s}`) : [n]));
  const packages = Object.fromEntries(top.map(n => [n, treeSize(path.join(nm, n))]));
  return { seconds, total: treeSize(nm), own: treeSize(path.join(nm, 'graceful-k8s')), packages };
}

const kb = b => `${(b / 1024).toFixed(1)} KiB`;
const mb = b => `${(b / 1024 / 1024).toFixed(2)} MiB`;

function report(packed, installed) {
  const groups = {};
  for (const f of packed.files) {
    const g = partOf(f.path);
    groups[g] = groups[g] ?? { bytes: 0, files: 0 };
    groups[g].bytes += f.size;
    groups[g].files++;
  }
  return {
    name: packed.name,
    version: packed.version,
    node: process.version,
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.arch()}`,
    date: new Date().toISOString().slice(0, 10),
    packed: { bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount, bundled: packed.bundled ?? [] },
    contents: Object.entries(groups).sort((a, b) => b[1].bytes - a[1].bytes).map(([part, v]) => ({ part, ...v })),
    installed,
  };
}

function markdown(r) {
  const out = [];
  out.push(`package size: ${r.name}@${r.version} (node ${r.node}, ${r.machine}, ${r.date})`, '');
  out.push('| measure | size (bytes) | files |', '|---|---|---|');
  const both = b => `${b.toLocaleString('en')} (${b < 1024 * 1024 ? kb(b) : mb(b)})`;
  out.push(`| tarball (npm pack) | ${both(r.packed.bytes)} | ${r.packed.files} |`);
  out.push(`| unpacked package | ${both(r.packed.unpackedBytes)} | ${r.packed.files} |`);
  out.push(`| installed node_modules/graceful-k8s (with bundled deps) | ${both(r.installed.own.bytes)} | ${r.installed.own.files} |`);
  out.push(`| installed node_modules in total (with peers cdk8s, cdk8s-plus-27, constructs) | ${both(r.installed.total.bytes)} | ${r.installed.total.files} |`);
  out.push('', 'unpacked contents by part:', '', '| part | size | files |', '|---|---|---|');
  for (const c of r.contents) out.push(`| ${c.part} | ${kb(c.bytes)} | ${c.files} |`);
  out.push('', 'installed packages (top level of node_modules):', '', '| package | size | files |', '|---|---|---|');
  for (const [n, v] of Object.entries(r.installed.packages).sort((a, b) => b[1].bytes - a[1].bytes)) {
    out.push(`| ${n} | ${mb(v.bytes)} | ${v.files} |`);
  }
  out.push('', `bundled dependencies: ${r.packed.bundled.join(', ') || 'none'}; install took ${r.installed.seconds.toFixed(1)} s`);
  return out.join('\n');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-k8s-size-'));
  try {
    const packed = pack(tmp, args.tarball);
    const installed = install(tmp, packed.tarball);
    const r = report(packed, installed);
    process.stdout.write(args.json ? `${JSON.stringify(r, null, 2)}\n` : `${markdown(r)}\n`);
  } finally {
    if (!args.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
