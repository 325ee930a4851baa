// bench:drill parts behind slow data planes and with long-lived connections:
// - alb: the graceful rollout behind an AWS ALB's propagation lag (IP targets), with the
//   default shutdown budget (no traffic path: preStop 15 s) and with GracefulService's
//   TrafficPath.awsAlb() preset (preStop 60 s, grace 80 s);
// - websockets: WebSocket chats through the rolling update of a GracefulDeployment, and through
//   a RainbowDeployment's release change, with the same clients.
// Both replay at a time scale below 1 (every timing of the manifest, the lag and the app's own
// shutdown delays shrink together), so the two parts take about two minutes.
const path = require('path');
const { Duration, Testing } = require('cdk8s');
const kplus = require('cdk8s-plus-27');
const { GracefulDeployment, GracefulService, RainbowDeployment, RainbowRelease, ReleaseState, TrafficPath } = require('../lib');
const { runDrill } = require('../lib/drill/drill');

const apps = path.join(__dirname, '..', 'examples', 'drill-apps');
const gracefulApp = `node ${path.join(apps, 'graceful-server.js')}`;
const chatApp = `node ${path.join(apps, 'websocket-chat-server.js')}`;

// docs/traffic-paths.md: the ALB learns of a deregistration in tens of seconds (25-60 s
// reported; the preset is sized for 30 s). Drawn from 20-30 s: every lag is longer than the
// default budget's 15 s preStop and within the preset's 30 s.
const ALB_LAG = { min: 20, max: 30 };
const ALB_SCALE = 0.25;
const ALB_REPLICAS = 4;

/** The bench's graceful app, with or without the ALB preset in front. */
function albManifest(trafficPaths) {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas: ALB_REPLICAS,
    minReady: Duration.seconds(2),
    containers: [{
      image: 'ghcr.io/acme/web:1',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
      startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 60 }),
    }],
  });
  new GracefulService(chart, 'service', { workload: d, trafficPaths });
  return Testing.synth(chart);
}

/** Real milliseconds of the app's own delays, scaled like the manifest's times. */
const appEnv = scale => ({ CLOSE_DELAY_MS: String(Math.round(1000 * scale)), DRAIN_TIMEOUT_MS: String(Math.round(10_000 * scale)) });

async function runAlb(common) {
  const options = {
    ...common,
    exec: gracefulApp,
    env: appEnv(ALB_SCALE),
    lag: ALB_LAG,
    timeScale: ALB_SCALE,
    // Manifest seconds: the load runs through the whole rollout (≈ 80 s with the preset) and
    // the lag after it, so a pod that exited while the ALB still sent to it is counted.
    warmupSeconds: 8,
    settleSeconds: ALB_LAG.max + 2,
    maxSeconds: 120,
  };
  const results = [];
  for (const [name, paths] of [['default budget (preStop 15 s)', undefined], ['TrafficPath.awsAlb() (preStop 60 s)', [TrafficPath.awsAlb()]]]) {
    process.stderr.write(`alb: ${name}\n`);
    results.push([name, await runDrill(albManifest(paths), options)]);
  }
  return results;
}

const classes = r => `${r.failuresByClass.refused} | ${r.failuresByClass.reset} | ${r.failuresByClass.timeout} | ${r.failuresByClass['5xx']}`;
const f = s => (s === undefined ? '-' : s.toFixed(1));

function printAlb(results) {
  console.log(`\nbehind an AWS ALB (IP targets): lag ${ALB_LAG.min}-${ALB_LAG.max} s, ${ALB_REPLICAS} replicas, time scale ${ALB_SCALE}\n`);
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | last old pod gone s | failed after the last old pod |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${f(r.rollout?.lastOldPodGoneAfterSeconds)} | ${r.failuresByPhase.after} |`);
  }
}

function albLine(results) {
  const [[, base], [, preset]] = results;
  return `alb: default budget ${base.failed} failed of ${base.requests}; alb preset ${preset.failed} failed of ${preset.requests}`;
}

module.exports = { runAlb, printAlb, albLine };
