// The two manifests the drill's headline compares, shared by the bench (bench/drill-bench.js) and
// the README's pictures (scripts/screenshots.js).
const { Duration, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment, GracefulService } = require('../lib');

/** Probes tuned for fast probing: readiness every second, a minute to start. */
const probes = {
  readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
  startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 60 }),
};

/** What `cdk8s-plus` gives by default: no readiness, no preStop, no PDB, 25 %/25 %. */
function naiveManifest(replicas) {
  const chart = Testing.chart();
  new kplus.Deployment(chart, 'web', { replicas, containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] }).exposeViaService();
  return Testing.synth(chart);
}

/** The same app as a GracefulDeployment (PDB maxUnavailable 1, hostname spread), tuned for fast probing. */
function gracefulManifest(replicas, preStopSeconds) {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas,
    minReady: Duration.seconds(2),
    shutdown: { preStopDelay: Duration.seconds(preStopSeconds), drainTimeout: Duration.seconds(10) },
    containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080, ...probes }],
  });
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

module.exports = { naiveManifest, gracefulManifest, probes };
