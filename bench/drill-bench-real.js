// bench:drill parts on real programs (Debian's nginx and haproxy), in real time (scale 1):
// - nginx-real: nginx itself as the app (examples/drill-apps/nginx-app.sh, its master the
//   container's PID 1), 4 replicas behind kube-proxy's model (lag 0-1 s): as cdk8s-plus renders it
//   (no preStop: SIGTERM, nginx's fast shutdown, at the deletion) and as a GracefulDeployment with
//   PreStop.sleepThen(['nginx', '-s', 'quit']). Clients' connections come and go (25 requests
//   each); one more row keeps them for the whole run, as a load balancer's pool does, where
//   nginx's quit closes idle kept-alive connections at once and a request can race the close.
// - ingress: HAProxy in front of the pods, its servers following the endpoints through its
//   runtime API with an ingress's lag (0-4 s), naive vs graceful without retries, then the naive
//   one with HAProxy's default retries (3, same server) and with retries to another server (the
//   graceful one needs none).
// About 4 minutes together. A missing program fails the part, naming its Debian package.
const path = require('path');
const { Duration, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment, GracefulService, PreStop } = require('../lib');
const { runTimed, classes, f } = require('./drill-bench-rows');
const { probes } = require('./drill-manifests');
const { findProgram } = require('../lib/drill/process/programs');

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
const REPLICAS = 4;

function requireProgram(name) {
  if (!findProgram(name)) throw new Error(`bench:drill runs ${name}, which is not installed: apt-get install ${name} (Debian package ${name}), or bash scripts/system-packages.sh`);
}

/** nginx as cdk8s-plus renders it (SIGTERM at the deletion), or a GracefulDeployment with the quit preStop. */
function nginxManifest(quit) {
  const chart = Testing.chart();
  const nginx = { name: 'nginx', image: 'docker.io/bitnami/nginx:1.25.4', portNumber: 8080 };
  if (!quit) {
    new kplus.Deployment(chart, 'web', { replicas: REPLICAS, containers: [nginx] }).exposeViaService();
    return Testing.synth(chart);
  }
  const d = new GracefulDeployment(chart, 'web', {
    replicas: REPLICAS,
    minReady: Duration.seconds(2),
    shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) },
    containers: [{ ...nginx, ...probes }],
    containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) },
  });
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

/** The bench's app: the naive cdk8s-plus Deployment, or the GracefulDeployment (preStop 5 s, PDB, spread). */
function appManifest(graceful) {
  const chart = Testing.chart();
  if (!graceful) {
    new kplus.Deployment(chart, 'web', { replicas: REPLICAS, containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] }).exposeViaService();
    return Testing.synth(chart);
  }
  const d = new GracefulDeployment(chart, 'web', {
    replicas: REPLICAS,
    minReady: Duration.seconds(2),
    shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(10) },
    containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080, ...probes }],
  });
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

function runs(common) {
  const nginx = { ...common, exec: `sh ${path.join(APPS, 'nginx-app.sh')}`, lag: { min: 0, max: 1 }, connections: 32, requestsPerConnection: 25, warmupSeconds: 3, settleSeconds: 3, maxSeconds: 150 };
  const pinned = { ...nginx, requestsPerConnection: 1_000_000 };
  const ingress = {
    ...common, exec: `node ${path.join(APPS, 'graceful-server.js')}`, dataPlane: 'haproxy', lag: { min: 0, max: 4 }, warmupSeconds: 3, settleSeconds: 5, maxSeconds: 150,
    // Many clients: a request HAProxy holds for its retries (1 s each) must not hold back the others.
    connections: 128,
  };
  const naiveApp = { ...ingress, exec: `node ${path.join(APPS, 'naive-server.js')}` };
  return {
    'nginx-real': {
      program: 'nginx',
      runs: [
        ['nginx: cdk8s-plus Deployment (SIGTERM at the deletion)', () => nginxManifest(false), nginx],
        ["nginx: PreStop.sleepThen(['nginx', '-s', 'quit'])", () => nginxManifest(true), nginx],
        ["nginx, connections kept: PreStop.sleepThen(['nginx', '-s', 'quit'])", () => nginxManifest(true), pinned],
      ],
    },
    'ingress': {
      program: 'haproxy',
      runs: [
        ['ingress, no retries: naive Deployment, app exiting at once', () => appManifest(false), { ...naiveApp, proxyRetries: 'none' }],
        ['ingress, no retries: GracefulDeployment', () => appManifest(true), { ...ingress, proxyRetries: 'none' }],
        ["ingress, HAProxy's default retries: naive", () => appManifest(false), { ...naiveApp, proxyRetries: 'default' }],
        ['ingress, retries to another server: naive', () => appManifest(false), { ...naiveApp, proxyRetries: 'redispatch' }],
      ],
    },
  };
}

/** Runs the parts asked for (`only`: 'nginx-real', 'ingress', or undefined for both). */
async function runRealParts(only, common) {
  const parts = runs(common);
  const results = {};
  for (const [part, { program, runs: list }] of Object.entries(parts)) {
    if (only && only !== part) continue;
    requireProgram(program);
    results[part] = await runTimed(list);
  }
  return results;
}


function printRealTable(results) {
  const rows = Object.values(results).flat();
  if (rows.length === 0) return;
  console.log(`\nreal programs: nginx ${REPLICAS} replicas behind kube-proxy (lag 0-1 s); HAProxy in front of ${REPLICAS} replicas (lag 0-4 s), preStop 5 s\n`);
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | POST failed | retried by the proxy | last old pod gone s | wall s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r, wall] of rows) {
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${r.byMethod.POST.failed} of ${r.byMethod.POST.requests} | ${r.retried} `
      + `| ${f(r.rollout?.lastOldPodGoneAfterSeconds)} | ${wall.toFixed(0)} |`);
  }
}

function printRealLines(results) {
  const of = r => `${r.failed} failed of ${r.requests}`;
  if (results['nginx-real']) {
    const [[, fast], [, quit]] = results['nginx-real'];
    console.log(`nginx (real): SIGTERM ${of(fast)}; quit preStop ${of(quit)}`);
  }
  if (results.ingress) {
    const [[, naive], [, graceful]] = results.ingress;
    console.log(`ingress (real proxy, no retries): naive ${of(naive)}; graceful ${of(graceful)}`);
  }
}

module.exports = { runRealParts, printRealTable, printRealLines };
