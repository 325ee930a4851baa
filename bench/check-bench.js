#!/usr/bin/env node
// Benchmark: graceful-check on 10,000 and 150,000 objects of YAML, each variant in a fresh
// process, next to the floor: the fastest well-kept JS YAML parser (js-yaml loadAll) loading the
// same input. `yaml`'s parseAllDocuments is shown for context at the smaller size. Two inputs:
// the Helm-like fixture repeated (one shape, many findings) and the twelve corpus installs
// copied into namespaces of their own (every shape the rules know). Rounds alternate the
// variants, each round in a rotated order so that none always runs after the same neighbour;
// median wall time and the peak resident memory of each process.
// BENCH_OBJECTS=10000,150000, BENCH_INPUTS=helm,corpus and BENCH_ROUNDS narrow a run.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const yaml = require('js-yaml');

const SIZES = (process.env.BENCH_OBJECTS ?? '10000,150000').split(',').map(Number);
const INPUTS = (process.env.BENCH_INPUTS ?? 'helm,corpus').split(',');
const root = path.join(__dirname, '..');
const runner = path.join(__dirname, 'check-bench-run.js');

/** The Helm-like fixture (11 objects, 3 workloads with findings) repeated under new names. */
function helmDocuments(objects) {
  const template = fs.readFileSync(path.join(root, 'test', 'fixtures', 'checker', 'helm-output.yaml'), 'utf8')
    .split(/^---\n/m).filter(d => d.trim());
  const docs = [];
  for (let i = 0; docs.length < objects; i++) {
    for (const d of template) {
      if (docs.length < objects) docs.push(d.replace(/release-acme/g, `r${i}-acme`).replace(/release$/gm, `r${i}`));
    }
  }
  return docs;
}

/** Kinds without a namespace: their copies keep their names (duplicates, which GS000 reports). */
const CLUSTER_SCOPED = new Set(['Namespace', 'IngressClass', 'GatewayClass', 'APIService', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass', 'PersistentVolume']);

/**
 * Every corpus install (test/fixtures/corpus), copy after copy, each copy in namespaces of its own,
 * and what points into a namespace pointed into the copy's. A namespaced object written without a
 * namespace (Helm output rendered without --namespace) is put in `default-<copy>`: left in no
 * namespace, the copies of one such Service all selected the copies of one such Deployment, 540 by
 * 540 at 150,000 objects, a pairing no install has.
 */
function corpusDocuments(objects) {
  const dir = path.join(root, 'test', 'fixtures', 'corpus');
  const template = fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort()
    .flatMap(f => yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8')))
    .filter(o => o !== null && typeof o === 'object');
  const docs = [];
  for (let i = 0; docs.length < objects; i++) {
    for (const o of template) {
      if (docs.length >= objects) break;
      const copy = JSON.parse(JSON.stringify(o));
      const ofCopy = n => (typeof n === 'string' ? `${n}-${i}` : n);
      if (copy.metadata?.namespace !== undefined) copy.metadata.namespace = ofCopy(copy.metadata.namespace);
      else if (copy.metadata && !CLUSTER_SCOPED.has(copy.kind)) copy.metadata.namespace = `default-${i}`;
      if (copy.kind === 'Namespace' && copy.metadata) copy.metadata.name = ofCopy(copy.metadata.name);
      const watched = copy.spec?.namespaceSelector?.matchNames;
      if (Array.isArray(watched)) copy.spec.namespaceSelector.matchNames = watched.map(ofCopy);
      // The API server's Service references (APIService, admission webhooks) and a route's references.
      if (copy.spec?.service?.namespace !== undefined) copy.spec.service.namespace = ofCopy(copy.spec.service.namespace);
      for (const hook of Array.isArray(copy.webhooks) ? copy.webhooks : []) {
        if (hook?.clientConfig?.service?.namespace !== undefined) hook.clientConfig.service.namespace = ofCopy(hook.clientConfig.service.namespace);
      }
      for (const ref of [...(copy.spec?.parentRefs ?? []), ...(copy.spec?.rules ?? []).flatMap(r => r?.backendRefs ?? [])]) {
        if (ref?.namespace !== undefined) ref.namespace = ofCopy(ref.namespace);
      }
      docs.push(yaml.dump(copy, { lineWidth: -1 }));
    }
  }
  return docs;
}

function input(kind, objects) {
  const docs = kind === 'corpus' ? corpusDocuments(objects) : helmDocuments(objects);
  const file = path.join(os.tmpdir(), `graceful-check-bench-${kind === 'corpus' ? 'corpus-' : ''}${objects}.yaml`);
  fs.writeFileSync(file, docs.map(d => `---\n${d}`).join(''));
  return file;
}

/** Runs one variant in a fresh process; the runner reports its own wall time and peak memory. */
function run(variant, file, objects) {
  const out = execFileSync(process.execPath, [runner, variant, file, String(objects)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const LABELS = { helm: 'Helm-like fixture repeated', corpus: 'the 12 corpus installs, copied into namespaces of their own' };
console.log(`graceful-check vs the js-yaml floor, fresh processes (node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)})`);
for (const kind of INPUTS) {
  for (const objects of SIZES) {
    const file = input(kind, objects);
    const mb = (fs.statSync(file).size / 2 ** 20).toFixed(1);
    const rounds = Number(process.env.BENCH_ROUNDS ?? (objects > 20000 ? 3 : 11));
    const variants = ['js-yaml loadAll (floor)', ...(objects <= 20000 && kind === 'helm' ? ['yaml parseAllDocuments + toJSON'] : []), 'graceful-check (text report)', 'graceful-check --output sarif'];
    const results = Object.fromEntries(variants.map(v => [v, { s: [], rss: [] }]));
    for (let r = 0; r < rounds; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      for (const v of order) {
        const { seconds, maxRssMiB } = run(v, file, objects);
        results[v].s.push(seconds);
        results[v].rss.push(maxRssMiB);
      }
    }
    const floor = median(results['js-yaml loadAll (floor)'].s);
    console.log(`\n${objects} objects, ${LABELS[kind]} (${mb} MiB of YAML), median of ${rounds} rounds`);
    console.log('| variant | median s | × floor | peak memory MiB |');
    console.log('|---|---|---|---|');
    for (const [name, { s, rss }] of Object.entries(results)) {
      console.log(`| ${name} | ${median(s).toFixed(2)} | ${(median(s) / floor).toFixed(2)}× | ${median(rss).toFixed(0)} |`);
    }
    const ours = median(results['graceful-check (text report)'].s);
    // Each round runs every variant once: the ratio within a round cancels the machine's drift between rounds.
    const paired = median(results['graceful-check (text report)'].s.map((t, r) => t / results['js-yaml loadAll (floor)'].s[r]));
    console.log(`ratio graceful-check / js-yaml floor at ${objects} objects (${kind}): ${(ours / floor).toFixed(2)}× `
      + `(median of the rounds' own ratios ${paired.toFixed(2)}×; goal ≤ 2×)`);
  }
}
