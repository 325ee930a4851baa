#!/usr/bin/env node
// Benchmark: synthesize N GracefulDeployments vs N hand-written cdk8s-plus Deployments with
// the same settings (preStop, grace, strategy, minReady, spread, PDB), in one process,
// alternating rounds so both see the same machine state. Prints both times and the ratio.
process.env.GRACEFUL_K8S_QUIET = '1';
const os = require('os');
const { App, Chart, Duration, ApiObject, JsonPatch } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment } = require('../lib');

const N = Number(process.env.BENCH_N ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);

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
      containers: [{ ...container(), lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '15']) } }],
    });
    d.metadata.addAnnotation('graceful-k8s.io/drain-seconds', '15');
    d.metadata.addAnnotation('graceful-k8s.io/prestop-seconds', '15');
    const matchLabels = d.matchLabels;
    ApiObject.of(d).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
      labelSelector: { matchLabels }, maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway',
    }))));
    new kplus.k8s.KubePodDisruptionBudget(d, 'DisruptionBudget', {
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
  }
  return chart;
}

/** Construct + synth (validation included, as `cdk8s synth` does), in milliseconds. */
function time(build) {
  // Start each round from a collected heap, so one variant does not pay for the other's garbage.
  global.gc?.();
  const started = process.hrtime.bigint();
  const objects = build().toJson();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (objects.length !== 2 * N) {
    throw new Error(`expected ${2 * N} objects, got ${objects.length}`);
  }
  return ms;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
time(graceful); time(handWritten); // warm-up: JIT and module caches
const ours = [];
const base = [];
for (let r = 0; r < ROUNDS; r++) {
  base.push(time(handWritten));
  ours.push(time(graceful));
}
const o = median(ours);
const b = median(base);
const ratio = o / b;
console.log(`synth of ${N} Deployments + ${N} PDBs, median of ${ROUNDS} rounds (node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model})`);
console.log('| variant | median ms | min ms | max ms |');
console.log('|---|---|---|---|');
console.log(`| hand-written cdk8s-plus | ${b.toFixed(0)} | ${Math.min(...base).toFixed(0)} | ${Math.max(...base).toFixed(0)} |`);
console.log(`| GracefulDeployment | ${o.toFixed(0)} | ${Math.min(...ours).toFixed(0)} | ${Math.max(...ours).toFixed(0)} |`);
console.log(`ratio GracefulDeployment / hand-written: ${ratio.toFixed(2)}× (goal ≤ 1.15×)`);
