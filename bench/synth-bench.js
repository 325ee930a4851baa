#!/usr/bin/env node
// Benchmark: synthesize N GracefulDeployments vs N hand-written cdk8s-plus Deployments with
// the same settings (preStop, grace, strategy, minReady, spread, PDB), in one process,
// alternating rounds so both see the same machine state. Prints both times and the ratio.
//
//   node --expose-gc bench/synth-bench.js            graceful-k8s on cdk8s-plus-27
//   node --expose-gc bench/synth-bench.js --variant 33   graceful-k8s-33 on cdk8s-plus-33 (built in .variants/33)
//
// Each round times both variants by wall clock and by the process's CPU time (user + system): on
// a shared machine the CPU time is what other processes disturb least. The ratio is the median
// of each round's own ratio, so drift between rounds cancels; the medians are shown too.
process.env.GRACEFUL_K8S_QUIET = '1';
const os = require('os');
const path = require('path');

const args = process.argv.slice(2);
const variantArg = args.indexOf('--variant') >= 0 ? args[args.indexOf('--variant') + 1] : undefined;
const ROOT = path.join(__dirname, '..');
const { main, variants } = require('../variants.json');
const variant = variantArg === undefined ? undefined : variants.find(v => String(v.major) === variantArg);
if (variantArg !== undefined && !variant) {
  throw new Error(`--variant ${variantArg}: variants.json has ${variants.map(v => v.major).join(', ')}`);
}
const { App, Chart, Duration, ApiObject, JsonPatch } = require('cdk8s');
const kplus = require(variant ? variant.plus : main.plus);
const lib = variant ? path.join(ROOT, '.variants', String(variant.major), 'lib') : path.join(ROOT, 'lib');
const { GracefulDeployment } = require(lib);
const label = variant ? `${variant.package} on ${variant.plus}` : `${main.package} on ${main.plus}`;

const N = Number(process.env.BENCH_N ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
// The preStop both write: the kubelet's own sleep where the package's default target has it (1.30 and later).
const nativeSleep = variant !== undefined;

function container() {
  return {
    image: 'ghcr.io/acme/api:1.0.0',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready'),
    liveness: kplus.Probe.fromHttpGet('/healthz', { failureThreshold: 6 }),
  };
}

function graceful() {
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < N; i++) {
    new GracefulDeployment(chart, `d${i}`, { containers: [container()] });
  }
  return chart;
}

/** What a careful user writes by hand with cdk8s-plus for the same YAML. */
function handWritten() {
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < N; i++) {
    const d = new kplus.Deployment(chart, `d${i}`, {
      replicas: 2,
      minReady: Duration.seconds(10),
      terminationGracePeriod: Duration.seconds(35),
      strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.percent(25), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
      containers: [{ ...container(), lifecycle: nativeSleep ? undefined : { preStop: kplus.Handler.fromCommand(['sleep', '15']) } }],
    });
    d.metadata.addAnnotation('graceful-k8s.io/drain-seconds', '15');
    d.metadata.addAnnotation('graceful-k8s.io/prestop-seconds', '15');
    const matchLabels = d.matchLabels;
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
      labelSelector: { matchLabels }, maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway',
    }))));
    if (nativeSleep) {
      // cdk8s-plus has no handler for the kubelet's sleep: a JSON patch, as a user writes it.
      ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { sleep: { seconds: 15 } } }));
    }
    new kplus.k8s.KubePodDisruptionBudget(d, 'DisruptionBudget', {
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
  }
  return chart;
}

/** Construct + synth (validation included, as `cdk8s synth` does): wall and CPU milliseconds, and the objects. */
function time(build) {
  // Start each round from a collected heap, so one variant does not pay for the other's garbage.
  global.gc?.();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const objects = build().toJson();
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  if (objects.length !== 2 * N) {
    throw new Error(`expected ${2 * N} objects, got ${objects.length}`);
  }
  return { wall, cpu: (used.user + used.system) / 1000, objects };
}

/** The two variants write the same YAML: checked once before timing. */
function sameObjects() {
  const strip = o => JSON.stringify(o, (k, v) => (k === 'name' || k === 'cdk8s.io/metadata.addr' || k === 'matchLabels' ? undefined : v));
  const a = time(graceful).objects.map(strip);
  const b = time(handWritten).objects.map(strip);
  const differing = a.findIndex((o, i) => o !== b[i]);
  if (differing >= 0) {
    throw new Error(`the two variants do not write the same objects (first difference at object ${differing}):\n${a[differing]}\n${b[differing]}`);
  }
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/**
 * Lets the event loop turn between rounds, as it does between two `cdk8s synth` runs: a round's
 * pending microtasks (the constructs clear their synth-time render caches at the next one) run
 * before the next round. A loop that never yields keeps every earlier round's construct tree
 * reachable through them, and each later garbage collection marks all of it.
 */
const tick = () => new Promise(resolve => setImmediate(resolve));

async function run() {
  sameObjects(); // also the warm-up: JIT and module caches
  await tick();
  const ours = [];
  const base = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always runs on the other's leftovers.
    for (const [build, into] of r % 2 === 0 ? [[handWritten, base], [graceful, ours]] : [[graceful, ours], [handWritten, base]]) {
      into.push(time(build));
      await tick();
    }
  }
  const row = (name, xs, k) => `| ${name} | ${k} | ${median(xs.map(x => x[k])).toFixed(0)} | ${Math.min(...xs.map(x => x[k])).toFixed(0)} | ${Math.max(...xs.map(x => x[k])).toFixed(0)} |`;
  const perRound = k => median(ours.map((o, i) => o[k] / base[i][k]));
  console.log(`${label}: synth of ${N} Deployments + ${N} PDBs, ${ROUNDS} alternating rounds (node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model.trim()}, load ${os.loadavg()[0].toFixed(1)})`);
  console.log('| variant | clock | median ms | min ms | max ms |');
  console.log('|---|---|---|---|---|');
  console.log(row('hand-written cdk8s-plus', base, 'cpu'));
  console.log(row('GracefulDeployment', ours, 'cpu'));
  console.log(row('hand-written cdk8s-plus', base, 'wall'));
  console.log(row('GracefulDeployment', ours, 'wall'));
  console.log(`ratio GracefulDeployment / hand-written, median of the rounds' own ratios: CPU ${perRound('cpu').toFixed(2)}×, wall ${perRound('wall').toFixed(2)}× (goal ≤ 1.15×)`);
}

run().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
