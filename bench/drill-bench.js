#!/usr/bin/env node
// Proof of "no dropped request", in one run, real time (scale 1):
// - rollouts of 10 replicas under constant load (1,000 requests/s offered, a fifth of them POSTs)
//   with a propagation lag of up to the preStop delay, for the naive cdk8s-plus Deployment and the
//   GracefulDeployment of the same app, then three scenarios on the GracefulDeployment: a slow
//   starter, a lag just under the preStop delay, a crashing pod; the rate offered and achieved
//   during the rollout is measured, and a run that falls short says so;
// - a node drain and an autoscaler scale-down, naive vs graceful (>= 10,000 requests each);
// - the controllers over timed pods (no processes) next to rolloutPlan and the measurements on
//   Kubernetes 1.34;
// - behind an AWS ALB's lag, and WebSocket chats through a rollout and a rainbow release change
//   (bench/drill-bench-long-lived.js);
// - pods with several containers: a classic vs a native sidecar, nginx's signals on a server that
//   has them (bench/drill-bench-containers.js);
// - real programs: nginx itself as the app, HAProxy as the data plane with and without retries
//   (bench/drill-bench-real.js);
// - the other workload kinds: a StatefulSet's ordered update, a DaemonSet's surge vs replace with
//   node-local traffic (bench/drill-bench-kinds.js).
// BENCH_ONLY=rollout|drain|scale-down|table|alb|websockets|sidecar|nginx|nginx-real|ingress|statefulset|daemonset
// runs one part; BENCH_RATE changes the rate; BENCH_HTML=<dir> also writes the naive and graceful
// rollout, drain and scale-down side by side as pictures (rollout.html, drain.html, scale-down.html).
process.env.GRACEFUL_K8S_QUIET = '1';
const os = require('os');
const path = require('path');
const { planRollout } = require('../lib/timing');
const fs = require('fs');
const { drillReportHtml, runDrill } = require('../lib/drill/drill');
// The controller table replays the control plane over timed pods: a test harness that no package
// ships (test/drill-harness), compiled from TypeScript on the fly.
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'test', 'tsconfig.json') });
const { replayRollout, timedCluster } = require('../test/drill-harness/timed-cluster');
const longLived = require('./drill-bench-long-lived');
const containerParts = require('./drill-bench-containers');
const realParts = require('./drill-bench-real');
const kindParts = require('./drill-bench-kinds');

const REPLICAS = 10;
const PRE_STOP = 5;
const manifests = require('./drill-manifests');
const { classes, f } = require('./drill-bench-rows');
const naiveManifest = () => manifests.naiveManifest(REPLICAS);
const gracefulManifest = () => manifests.gracefulManifest(REPLICAS, PRE_STOP);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const ONLY = process.env.BENCH_ONLY;
const app = `node ${path.join(__dirname, '..', 'examples', 'drill-apps', 'graceful-server.js')}`;
const naiveApp = `node ${path.join(__dirname, '..', 'examples', 'drill-apps', 'naive-server.js')}`;

const lag = { min: 0, max: PRE_STOP };
const common = { rate: RATE, postShare: 0.2, connections: 16, warmupSeconds: 4, settleSeconds: 4, seed: 7, maxSeconds: 240, log: m => process.stderr.write(`  ${m}\n`) };
// A naive drain or scale-down is over in a second; the load runs long enough for 10,000+
// requests (8 + 1 + 12 s at 1,000/s), the graceful ones take longer by themselves.
const disruption = { ...common, exec: app, lag, warmupSeconds: 8, settleSeconds: 12, nodes: 3 };
const rolloutRuns = [
  ['naive cdk8s-plus Deployment', naiveManifest, { exec: app, lag }],
  ['GracefulDeployment', gracefulManifest, { exec: app, lag }],
  ['naive Deployment + app exiting at once', naiveManifest, { exec: naiveApp, lag }],
  ['Graceful: slow starter (3 s before listening)', gracefulManifest, { exec: app, lag, newEnv: { STARTUP_DELAY_MS: '3000' } }],
  ['Graceful: lag just under preStop (4.9 s)', gracefulManifest, { exec: app, lag: { min: 4.9, max: 4.9 } }],
  ['Graceful: a pod crashes mid-rollout', gracefulManifest, { exec: app, lag, crashAfterSeconds: 4 }],
];
const disruptionRuns = [
  ['drain: naive cdk8s-plus Deployment', naiveManifest, { ...disruption, scenario: 'drain' }],
  ['drain: GracefulDeployment', gracefulManifest, { ...disruption, scenario: 'drain', settleSeconds: 6 }],
  ['scale-down 10 -> 5: naive cdk8s-plus Deployment', naiveManifest, { ...disruption, scenario: 'scale-down', scaleTo: 5 }],
  ['scale-down 10 -> 5: GracefulDeployment', gracefulManifest, { ...disruption, scenario: 'scale-down', scaleTo: 5, settleSeconds: 8 }],
];


async function runAll(runs) {
  const results = [];
  for (const [name, manifest, options] of runs) {
    process.stderr.write(`${name}\n`);
    results.push([name, await runDrill(manifest(), { ...common, ...options })]);
  }
  return results;
}

function printRollouts(results) {
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | POST failed | req/s offered (achieved) | complete s | last old pod gone s | peak pods (terminating) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    const rate = r.rate ? `${r.rate.offered} (${r.rate.achieved})${r.rate.reached ? '' : ' NOT REACHED'}` : '-';
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${r.byMethod.POST.failed} of ${r.byMethod.POST.requests} | ${rate} `
      + `| ${f(r.rollout.completeAfterSeconds)} | ${f(r.rollout.lastOldPodGoneAfterSeconds)} | ${r.rollout.peakPods} (${r.rollout.peakTerminating}) |`);
  }
  const crash = results[5][1].crash;
  if (crash) {
    console.log(`\ncrash: ${crash.pod} killed at ${crash.crashedAt.toFixed(2)}s, endpoint left the proxy at ${crash.endpointLeftProxyAt?.toFixed(2)}s; `
      + `${crash.failuresOnCrashedPod} failure(s) on it (${crash.routedBeforeEndpointLeft} routed to it before its endpoint left the proxy, the rest in flight), ${crash.failuresElsewhere} elsewhere`);
  }
  const naive = results[0][1];
  const graceful = results[1][1];
  const limit = (naive.rollout.lastOldPodGoneAfterSeconds + PRE_STOP) * 1.2;
  console.log(`\nrollout wall time (last old pod gone): graceful ${f(graceful.rollout.lastOldPodGoneAfterSeconds)}s, naive ${f(naive.rollout.lastOldPodGoneAfterSeconds)}s; `
    + `goal graceful ≤ (naive + preStop) × 1.2 = ${f(limit)}s: ${graceful.rollout.lastOldPodGoneAfterSeconds <= limit ? 'met' : 'NOT met'}`);
}

function printDisruptions(results) {
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | evicted (refused by the PDB) | done after s | peak pods (terminating) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    const evictions = r.drain ? `${r.drain.podsEvicted} (${r.drain.evictionsRefused})` : '-';
    const done = r.drain ? r.drain.drainSeconds : r.scaleDown.doneAfterSeconds;
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${evictions} | ${f(done)} | ${r.peakPods} (${r.peakTerminating}) |`);
  }
}

/** The controllers over timed pods (Ready 1.0 s after binding, gone 6.0 s after the deletion), 20 start phases × 3 seeds, next to Kubernetes 1.34. */
function printTable() {
  const rows = [
    ['maxSurge 0, maxUnavailable 2', { maxSurge: 0, maxUnavailable: 2 }, '16 (6) in every run', '14.1-15.0 s'],
    ['maxSurge 25 %, maxUnavailable 0', { maxSurge: '25%', maxUnavailable: 0 }, '19-20 (9, briefly)', '-'],
  ];
  console.log('| replicas 10, minReady 2, Ready 1.0 s, gone 6.0 s | real 1.34 | drill controllers: peak pods (terminating) | drill: complete s | drill: first wave s, then every s | rolloutPlan |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, strategy, real, realComplete] of rows) {
    const runs = [];
    for (let i = 0; i < 20; i++) for (const seed of [1, 2, 3]) runs.push(replayRollout(timedCluster({ replicas: 10, minReadySeconds: 2, ...strategy }, { seed }), i / 20));
    const range = values => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
    const peaks = [...new Set(runs.map(r => `${r.peakPods} (${r.peakTerminating})`))].sort().join(', ');
    // With maxSurge 0 the first old pods go at the start; the first wave that waits for new pods is the next.
    const first = strategy.maxSurge === 0 ? 1 : 0;
    const gaps = runs.flatMap(r => r.waves.slice(first + 1).map((w, i) => w - r.waves[first + i]));
    const plan = planRollout({ replicas: 10, ...strategy, startupSeconds: 1, minReadySeconds: 2, terminatingSeconds: 6 });
    console.log(`| ${name} | ${real}; complete ${realComplete} | ${peaks} | ${range(runs.map(r => r.completeAt))} | ${range(runs.map(r => r.waves[first]))}, then ${range(gaps)} `
      + `| ${plan.peakPods} (${plan.peakTerminatingPods}); complete ${plan.earliestCompleteAfterSeconds}-${plan.completeAfterSeconds} s |`);
  }
  const minReady0 = [1, 2, 3].map(seed => replayRollout(timedCluster({ replicas: 4, maxSurge: 1, maxUnavailable: 1 }, { seed }), 0.5));
  const plan0 = planRollout({ replicas: 4, maxSurge: 1, maxUnavailable: 1, startupSeconds: 1, minReadySeconds: 0, terminatingSeconds: 6 });
  console.log(`| replicas 4, 1/1, minReady 0 | agree within 0.1 s | ${minReady0.map(r => `${r.peakPods} (${r.peakTerminating})`).join(', ')} `
    + `| ${minReady0.map(r => r.completeAt.toFixed(2)).join(', ')} | - | ${plan0.peakPods} (${plan0.peakTerminatingPods}); complete ${plan0.earliestCompleteAfterSeconds}-${plan0.completeAfterSeconds} s |`);
}

async function main() {
  const started = Date.now();
  const rollouts = !ONLY || ONLY === 'rollout' ? await runAll(rolloutRuns) : [];
  const disruptions = !ONLY || ONLY === 'drain' || ONLY === 'scale-down'
    ? await runAll(disruptionRuns.filter(([name]) => !ONLY || name.startsWith(ONLY))) : [];
  const alb = !ONLY || ONLY === 'alb' ? await longLived.runAlb(common) : undefined;
  const websockets = !ONLY || ONLY === 'websockets' ? await longLived.runWebsockets(common) : undefined;
  // Requests of 20-50 ms over 32 kept connections: these parts keep the rate they were sized for.
  const containers = !ONLY || ['sidecar', 'nginx'].includes(ONLY) ? await containerParts.runContainerParts(ONLY, { ...common, rate: 560 }) : {};
  const real = !ONLY || ['nginx-real', 'ingress'].includes(ONLY) ? await realParts.runRealParts(ONLY, { ...common, rate: 600 }) : {};
  const kinds = !ONLY || ['statefulset', 'daemonset'].includes(ONLY) ? await kindParts.runKindParts(ONLY, { ...common, rate: 600 }) : {};
  console.log(`rollout drill, ${REPLICAS} replicas, ${RATE} req/s keep-alive (a fifth POSTs), lag 0-${PRE_STOP}s unless stated, seed ${common.seed} `
    + `(node ${process.version}, ${os.cpus().length}× ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)})\n`);
  if (rollouts.length > 0) printRollouts(rollouts);
  if (disruptions.length > 0) {
    console.log('\nnode drain (the node with the most pods, of 3) and autoscaler scale-down, same app, same load and lag\n');
    printDisruptions(disruptions);
  }
  if (!ONLY || ONLY === 'table') {
    console.log('\ncontrollers over timed pods (no processes) next to rolloutPlan and Kubernetes 1.34\n');
    printTable();
  }
  if (alb) longLived.printAlb(alb);
  if (websockets) longLived.printWebsockets(websockets);
  containerParts.printContainerTable(containers);
  realParts.printRealTable(real);
  kindParts.printKindTable(kinds);
  console.log(`\nbench:drill took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const line = (a, b) => `${a.failed} failed of ${a.requests}; naive ${b.failed} failed of ${b.requests}`;
  if (rollouts.length > 0) {
    const [[, naive], [, graceful]] = rollouts;
    console.log(`graceful: ${graceful.failed} failed of ${graceful.requests}; naive: ${naive.failed} failed of ${naive.requests}`);
  }
  const byName = name => disruptions.find(([n]) => n === name)?.[1];
  for (const [label, prefix] of [['drain', 'drain'], ['scale-down', 'scale-down 10 -> 5']]) {
    const graceful = byName(`${prefix}: GracefulDeployment`);
    const naive = byName(`${prefix}: naive cdk8s-plus Deployment`);
    if (graceful && naive) console.log(`${label}: graceful ${line(graceful, naive)}`);
  }
  if (alb) console.log(longLived.albLine(alb));
  if (websockets) console.log(longLived.websocketsLine(websockets));
  containerParts.printContainerLines(containers);
  realParts.printRealLines(real);
  if (rollouts.length > 0) {
    const [[, naive], [, graceful]] = rollouts;
    const rate = graceful.rate;
    console.log(`rate: graceful ${graceful.failed} failed of ${graceful.requests} at ${rate.offered} requests/s offered (${rate.achieved} achieved); `
      + `naive ${naive.failed} failed of ${naive.requests}${rate.reached && naive.rate.reached ? '' : ' (RATE NOT REACHED: see the reports above)'}`);
  }
  kindParts.printKindLines(kinds);
  if (process.env.BENCH_HTML) writePictures(process.env.BENCH_HTML, rollouts, disruptions);
}

/** With BENCH_HTML: each naive run next to its graceful one, one page per scenario. */
function writePictures(dir, rollouts, disruptions) {
  fs.mkdirSync(dir, { recursive: true });
  const pages = [
    ['rollout', rollouts.slice(0, 2)],
    ['drain', disruptions.filter(([name]) => name.startsWith('drain: '))],
    ['scale-down', disruptions.filter(([name]) => name.startsWith('scale-down '))],
  ];
  for (const [name, pair] of pages) {
    if (pair.length === 0) continue;
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, drillReportHtml(pair.map(([label, report]) => ({ label, report })), `bench:drill: ${name}, naive vs graceful`));
    console.log(`picture: ${file}`);
  }
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
