#!/usr/bin/env node
// Proof of "no dropped request", in one run: a 10-replica rollout under constant load with a
// propagation lag of up to the preStop delay, for the naive cdk8s-plus Deployment and for the
// GracefulDeployment of the same app; then three scenarios on the GracefulDeployment: a slow
// starter, a lag just under the preStop delay, and a crashing pod. Real time (scale 1).
process.env.GRACEFUL_K8S_QUIET = '1';
const os = require('os');
const path = require('path');
const { Duration, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment, GracefulService } = require('../lib');
const { runDrill } = require('../lib/drill/drill');

const REPLICAS = 10;
const PRE_STOP = 5;
const RATE = Number(process.env.BENCH_RATE ?? 560);
const app = `node ${path.join(__dirname, '..', 'examples', 'drill-apps', 'graceful-server.js')}`;
const naiveApp = `node ${path.join(__dirname, '..', 'examples', 'drill-apps', 'naive-server.js')}`;

/** What `cdk8s-plus` gives by default: no readiness, no preStop, 25 %/25 %. */
function naiveManifest() {
  const chart = Testing.chart();
  new kplus.Deployment(chart, 'web', { replicas: REPLICAS, containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] }).exposeViaService();
  return Testing.synth(chart);
}

/** The same app as a GracefulDeployment, tuned for fast probing. */
function gracefulManifest() {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas: REPLICAS,
    minReady: Duration.seconds(2),
    shutdown: { preStopDelay: Duration.seconds(PRE_STOP), drainTimeout: Duration.seconds(10) },
    containers: [{
      image: 'ghcr.io/acme/web:1',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
      startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 60 }),
    }],
  });
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

const common = { rate: RATE, connections: 16, warmupSeconds: 10, settleSeconds: 10, seed: 7, maxSeconds: 240, log: m => process.stderr.write(`  ${m}\n`) };
const runs = [
  ['naive cdk8s-plus Deployment', naiveManifest, { exec: app, lag: { min: 0, max: PRE_STOP } }],
  ['GracefulDeployment', gracefulManifest, { exec: app, lag: { min: 0, max: PRE_STOP } }],
  ['naive Deployment + app exiting at once', naiveManifest, { exec: naiveApp, lag: { min: 0, max: PRE_STOP } }],
  ['Graceful: slow starter (3 s before listening)', gracefulManifest, { exec: app, lag: { min: 0, max: PRE_STOP }, newEnv: { STARTUP_DELAY_MS: '3000' } }],
  ['Graceful: lag just under preStop (4.9 s)', gracefulManifest, { exec: app, lag: { min: 4.9, max: 4.9 } }],
  ['Graceful: a pod crashes mid-rollout', gracefulManifest, { exec: app, lag: { min: 0, max: PRE_STOP }, crashAfterSeconds: 4 }],
];

async function main() {
  const started = Date.now();
  const results = [];
  for (const [name, manifest, options] of runs) {
    process.stderr.write(`${name}\n`);
    results.push([name, await runDrill(manifest(), { ...common, ...options })]);
  }
  const f = s => (s === undefined ? '-' : s.toFixed(1));
  console.log(`rollout drill, ${REPLICAS} replicas, ${RATE} req/s keep-alive, lag 0-${PRE_STOP}s unless stated, seed ${common.seed} (node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)})`);
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | complete s | last old pod gone s | peak pods (terminating) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${r.failuresByClass.refused} | ${r.failuresByClass.reset} | ${r.failuresByClass.timeout} | ${r.failuresByClass['5xx']} | ${f(r.rollout.completeAfterSeconds)} | ${f(r.rollout.lastOldPodGoneAfterSeconds)} | ${r.rollout.peakPods} (${r.rollout.peakTerminating}) |`);
  }
  const crash = results[5][1].crash;
  if (crash) {
    console.log(`crash: ${crash.pod} killed at ${crash.crashedAt.toFixed(2)}s, endpoint left the proxy at ${crash.endpointLeftProxyAt?.toFixed(2)}s; `
      + `${crash.failuresOnCrashedPod} failure(s) on it (${crash.routedBeforeEndpointLeft} routed to it before its endpoint left the proxy, the rest in flight), ${crash.failuresElsewhere} elsewhere`);
  }
  const naive = results[0][1];
  const graceful = results[1][1];
  const limit = (naive.rollout.lastOldPodGoneAfterSeconds + PRE_STOP) * 1.2;
  console.log(`rollout wall time (last old pod gone): graceful ${f(graceful.rollout.lastOldPodGoneAfterSeconds)}s, naive ${f(naive.rollout.lastOldPodGoneAfterSeconds)}s; `
    + `goal graceful ≤ (naive + preStop) × 1.2 = ${f(limit)}s: ${graceful.rollout.lastOldPodGoneAfterSeconds <= limit ? 'met' : 'NOT met'}`);
  console.log(`bench:drill took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`graceful: ${graceful.failed} failed of ${graceful.requests}; naive: ${naive.failed} failed of ${naive.requests}`);
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
