// Pods with several containers, in real time (scale 1), rollouts of 4 replicas under constant
// load with a propagation lag of up to the preStop delay:
// - sidecar: an API and its database proxy (examples/drill-apps/db-proxy.js, called on every
//   request). As a classic sidecar among `containers`, the proxy gets its preStop and SIGTERM with
//   the API and exits at once, so the API's requests during its drain fail; as a native sidecar
//   (GracefulDeployment `sidecars`, examples/db-proxy-sidecar) it gets SIGTERM once the API exited.
// - nginx: a server with nginx's signals (examples/drill-apps/nginx-like-server.js). A plain preStop
//   sleep ends in SIGTERM, nginx's fast shutdown, which drops requests in flight;
//   `PreStop.sleepThen(['nginx', '-s', 'quit'])` (examples/nginx-front) is replayed as the sleep,
//   then SIGQUIT, nginx's graceful stop.
// The load keeps its connections (as a load balancer's upstream keep-alive pool does), so a
// terminating pod still has requests in flight when its signal comes. Each run is about 30 s
// (>= 10,000 requests at 560/s); the four together about 2 minutes.
const path = require('path');
const { Duration, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment, GracefulService, KubernetesVersion, PreStop, GracefulChecks } = require('../lib');
const { runTimed, classes, f } = require('./drill-bench-rows');
const { probes } = require('./drill-manifests');

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
const REPLICAS = 4;
const PRE_STOP = 5;
const shutdown = { preStopDelay: Duration.seconds(PRE_STOP), drainTimeout: Duration.seconds(5) };

/** The API with its database proxy as a native sidecar, or (native false) as a classic one among `containers`. */
function sidecarManifest(native) {
  const chart = Testing.chart();
  const api = { name: 'api', image: 'ghcr.io/acme/orders-api:3.8.0', portNumber: 8080, ...probes };
  const proxy = { name: 'db-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1' };
  const d = new GracefulDeployment(chart, 'orders', {
    replicas: REPLICAS,
    minReady: Duration.seconds(2),
    shutdown,
    ...(native
      ? { containers: [api], sidecars: [{ ...proxy, shutdown: { drainTimeout: Duration.seconds(5) } }], kubernetesVersion: KubernetesVersion.V1_29 }
      : { containers: [api, proxy] }),
  });
  // GS028 refuses a database proxy among `containers`: the classic variant is what it warns about.
  if (!native) GracefulChecks.suppress(d, [{ id: 'GS028', reason: 'the classic sidecar the bench compares against' }]);
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

/** nginx (bitnami image, no STOPSIGNAL) with a plain preStop sleep, or (quit true) with `PreStop.sleepThen(['nginx', '-s', 'quit'])`. */
function nginxManifest(quit) {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas: REPLICAS,
    minReady: Duration.seconds(2),
    shutdown,
    containers: [{ name: 'nginx', image: 'docker.io/bitnami/nginx:1.25.4', portNumber: 8080, ...probes }],
    ...(quit ? { containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) } } : {}),
  });
  // GS038 refuses nginx without its graceful stop: the SIGTERM variant is what it warns about.
  if (!quit) GracefulChecks.suppress(d, [{ id: 'GS038', reason: 'the SIGTERM variant the bench compares against' }]);
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

/**
 * The runs of one part.
 * @param common the bench's rate, seed, log and bounds
 */
function containerRuns(common) {
  const load = {
    ...common,
    lag: { min: 0, max: PRE_STOP },
    connections: 32,
    requestsPerConnection: 1_000_000,
    warmupSeconds: 4,
    settleSeconds: 4,
    maxSeconds: 90,
  };
  const sidecar = {
    ...load,
    exec: `node ${path.join(APPS, 'graceful-server.js')}`,
    execContainers: { 'db-proxy': `node ${path.join(APPS, 'db-proxy.js')}` },
    env: { WORK_MS: '20' },
  };
  const nginx = { ...load, exec: `node ${path.join(APPS, 'nginx-like-server.js')}`, env: { WORK_MS: '50' } };
  return {
    sidecar: [
      ['sidecar: classic (db-proxy among containers)', () => sidecarManifest(false), sidecar],
      ['sidecar: native (GracefulDeployment sidecars)', () => sidecarManifest(true), sidecar],
    ],
    nginx: [
      ['nginx: preStop sleep, then SIGTERM', () => nginxManifest(false), nginx],
      ["nginx: PreStop.sleepThen(['nginx', '-s', 'quit'])", () => nginxManifest(true), nginx],
    ],
  };
}


/**
 * Runs the parts asked for (`only`: 'sidecar', 'nginx', or undefined for both); returns their results.
 */
async function runContainerParts(only, common) {
  const runs = containerRuns(common);
  const results = {};
  for (const part of ['sidecar', 'nginx']) {
    if (only && only !== part) continue;
    results[part] = await runTimed(runs[part]);
  }
  return results;
}

/** The markdown rows for docs/benchmarks.md. */
function printContainerTable(results) {
  const parts = Object.values(results);
  if (parts.length === 0) return;
  console.log(`\npods with several containers: ${REPLICAS} replicas, rollout, preStop ${PRE_STOP} s, lag 0-${PRE_STOP} s, kept-alive connections\n`);
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | last old pod gone s | wall s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, r, wall] of parts.flat()) {
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${f(r.rollout?.lastOldPodGoneAfterSeconds)} | ${wall.toFixed(0)} |`);
  }
}

/** The side-by-side lines. */
function printContainerLines(results) {
  const line = ([, a], [, b], left, right) => `${left} ${a.failed} failed of ${a.requests}; ${right} ${b.failed} failed of ${b.requests}`;
  if (results.sidecar) console.log(`sidecar: ${line(results.sidecar[0], results.sidecar[1], 'classic sidecar', 'native sidecar')}`);
  if (results.nginx) console.log(`nginx: ${line(results.nginx[0], results.nginx[1], 'SIGTERM', 'quit preStop')}`);
}

module.exports = { runContainerParts, printContainerTable, printContainerLines, sidecarManifest, nginxManifest };
