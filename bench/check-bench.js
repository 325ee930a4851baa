#!/usr/bin/env node
// Benchmark: graceful-check on 10,000 objects of YAML in a fresh process, next to the floor:
// the fastest well-kept JS YAML parser (js-yaml loadAll) loading the same input in a fresh
// process. `yaml`'s parseAllDocuments is shown for context. Alternating rounds, median.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = path.join(__dirname, '..');

// Input: the Helm-like fixture (11 objects, 3 workloads with findings) repeated under new names.
const template = fs.readFileSync(path.join(root, 'test', 'fixtures', 'checker', 'helm-output.yaml'), 'utf8')
  .split(/^---\n/m).filter(d => d.trim());
const docs = [];
for (let i = 0; docs.length < OBJECTS; i++) {
  for (const d of template) {
    if (docs.length < OBJECTS) docs.push(d.replace(/release-acme/g, `r${i}-acme`).replace(/release$/gm, `r${i}`));
  }
}
const file = path.join(os.tmpdir(), `graceful-check-bench-${OBJECTS}.yaml`);
fs.writeFileSync(file, docs.map(d => `---\n${d}`).join(''));
const mb = (fs.statSync(file).size / 2 ** 20).toFixed(1);

function run(args) {
  const started = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  } catch (e) {
    if (e.status !== 1) throw e; // 1 = findings with errors: expected on this input
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const variants = {
  'js-yaml loadAll (floor)': ['-e', `const n = require('js-yaml').loadAll(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')).length; if (n !== ${OBJECTS}) throw new Error(n)`],
  'yaml parseAllDocuments + toJSON': ['-e', `const n = require('yaml').parseAllDocuments(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')).map(d => d.toJSON()).length; if (n !== ${OBJECTS}) throw new Error(n)`],
  'graceful-check (text report)': [path.join(root, 'bin', 'graceful-check'), file],
  'graceful-check --output sarif': [path.join(root, 'bin', 'graceful-check'), file, '--output', 'sarif'],
};
const times = Object.fromEntries(Object.keys(variants).map(k => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, args] of Object.entries(variants)) {
    times[name].push(run(args));
  }
}
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(times['js-yaml loadAll (floor)']);
console.log(`check of ${OBJECTS} objects (${mb} MiB of YAML) in a fresh process, median of ${ROUNDS} rounds (node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model})`);
console.log('| variant | median s | × floor |');
console.log('|---|---|---|');
for (const [name, xs] of Object.entries(times)) {
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${(median(xs) / floor).toFixed(2)}× |`);
}
const ours = median(times['graceful-check (text report)']);
console.log(`ratio graceful-check / js-yaml floor: ${(ours / floor).toFixed(2)}× (goal ≤ 2×)`);
