// bench:drill parts for the other workload kinds the constructs make, in real time (scale 1),
// lag 0-4 s, the bench's app and rate:
// - statefulset: 3 replicas updated one at a time from the highest ordinal, each pod deleted
//   before its replacement (same name) starts: GracefulStatefulSet vs cdk8s-plus's StatefulSet
//   (no preStop) of the app that exits at once;
// - daemonset: one pod on each of 3 nodes, node-local traffic (the Service's internalTrafficPolicy
//   Local: each node's clients reach its own pod only): GracefulDaemonSet (surge: the new pod
//   starts next to the old one) vs cdk8s-plus's DaemonSet (replace: the node goes without a pod).
// About 3.5 minutes together.
const path = require('path');
const { ApiObject, Duration, JsonPatch, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDaemonSet, GracefulService, GracefulStatefulSet } = require('../lib');
const { runTimed, classes, f } = require('./drill-bench-rows');
const { probes } = require('./drill-manifests');

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
const shutdown = { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(10) };

function statefulSet(graceful) {
  const chart = Testing.chart();
  const container = { name: 'web', image: 'ghcr.io/acme/web:1', portNumber: 8080, ...(graceful ? probes : {}) };
  const workload = graceful
    ? new GracefulStatefulSet(chart, 'web', { replicas: 3, minReady: Duration.seconds(2), shutdown, containers: [container] })
    : new kplus.StatefulSet(chart, 'web', { replicas: 3, containers: [container] });
  if (graceful) new GracefulService(chart, 'client', { workload, ports: [{ port: 80, targetPort: 8080 }] });
  else new kplus.Service(chart, 'client', { selector: workload, ports: [{ port: 80, targetPort: 8080 }] });
  return Testing.synth(chart);
}

function daemonSet(graceful) {
  const chart = Testing.chart();
  const container = { name: 'agent', image: 'ghcr.io/acme/agent:1', portNumber: 8080, ...(graceful ? probes : {}) };
  const service = graceful
    ? new GracefulService(chart, 'local', { workload: new GracefulDaemonSet(chart, 'agent', { minReadySeconds: 2, shutdown, containers: [container] }) })
    : new kplus.Service(chart, 'local', { selector: new kplus.DaemonSet(chart, 'agent', { containers: [container] }), ports: [{ port: 80, targetPort: 8080 }] });
  ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/internalTrafficPolicy', 'Local'));
  return Testing.synth(chart);
}

async function runKindParts(only, common) {
  const load = { ...common, lag: { min: 0, max: 4 }, warmupSeconds: 3, settleSeconds: 5, maxSeconds: 200, startTimeoutSeconds: 120 };
  const graceful = { ...load, exec: `node ${path.join(APPS, 'graceful-server.js')}` };
  const naive = { ...load, exec: `node ${path.join(APPS, 'naive-server.js')}` };
  const parts = {
    statefulset: [
      ['statefulset: GracefulStatefulSet', () => statefulSet(true), graceful],
      ['statefulset: cdk8s-plus StatefulSet, app exiting at once', () => statefulSet(false), naive],
    ],
    daemonset: [
      ['daemonset: GracefulDaemonSet (surge), node-local traffic', () => daemonSet(true), graceful],
      ['daemonset: cdk8s-plus DaemonSet (replace), node-local traffic', () => daemonSet(false), graceful],
    ],
  };
  const results = {};
  for (const [part, list] of Object.entries(parts)) {
    if (only && only !== part) continue;
    results[part] = await runTimed(list);
  }
  return results;
}


function printKindTable(results) {
  const rows = Object.values(results).flat();
  if (rows.length === 0) return;
  console.log('\nStatefulSet (3 replicas) and DaemonSet (3 nodes, node-local traffic) rollouts, lag 0-4 s, preStop 5 s\n');
  console.log('| run | how | requests | failed | refused | reset | timeout | 5xx | last old pod gone s | peak pods (terminating) | wall s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r, wall] of rows) {
    console.log(`| ${name} | ${r.rollout?.how ?? '-'} | ${r.requests} | ${r.failed} | ${classes(r)} | ${f(r.rollout?.lastOldPodGoneAfterSeconds)} `
      + `| ${r.peakPods} (${r.peakTerminating}) | ${wall.toFixed(0)} |`);
  }
}

function printKindLines(results) {
  const of = r => `${r.failed} failed of ${r.requests}`;
  for (const part of ['statefulset', 'daemonset']) {
    if (!results[part]) continue;
    const [[, graceful], [, naive]] = results[part];
    console.log(`${part}: graceful ${of(graceful)}; naive ${of(naive)}`);
  }
}

module.exports = { runKindParts, printKindTable, printKindLines };
