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
const {
  GracefulDeployment, GracefulService, RainbowDeployment, RainbowRelease, RainbowScaleToZero, ReleaseState, TrafficPath,
} = require('../lib');
const { runDrill } = require('../lib/drill/drill');
const { classes, f } = require('./drill-bench-rows');

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

// The same chat clients through both: 60 WebSockets to /chat, chats lasting 10-30 s (a new
// one starts when one ends), a cut client reconnecting after 1 s, on top of 100 req/s of HTTP.
const CHATS = 60;
const WS_SCALE = 0.5;
const chatContainer = {
  portNumber: 8080,
  readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
  startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 60 }),
};
const chatShutdown = { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) };

/** The chat server as a GracefulDeployment: a release is a rolling update. */
function rollingChat() {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'chat', {
    replicas: 4, minReady: Duration.seconds(2), shutdown: chatShutdown, containers: [{ image: 'ghcr.io/acme/chat:1.4.0', ...chatContainer }],
  });
  new GracefulService(chart, 'service', { workload: d });
  return Testing.synth(chart);
}

/** The chat server as a RainbowDeployment at the commit that makes 1.5.0 active (1.4.0 drains; KEDA scales it to zero when idle). */
function rainbowChat() {
  const chart = Testing.chart();
  new RainbowDeployment(chart, 'chat', {
    metadata: { name: 'chat' },
    autoscaling: { minReplicas: 4, maxReplicas: 4 },
    minReady: Duration.seconds(2),
    container: chatContainer,
    shutdown: chatShutdown,
    drainFor: Duration.minutes(5),
    scaleToZero: RainbowScaleToZero.prometheus({
      serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
      query: 'sum(chat_open_connections{release="{{release}}"})',
      cooldown: Duration.seconds(5),
    }),
    releases: [
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.4.0', ReleaseState.DRAINING),
      RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.ACTIVE),
    ],
  });
  return Testing.synth(chart);
}

async function runWebsockets(common) {
  const options = {
    ...common,
    exec: chatApp,
    env: { HEARTBEAT_MS: '500', DRAIN_TIMEOUT_MS: String(5000 * WS_SCALE), CLOSE_DELAY_MS: String(1000 * WS_SCALE) },
    rate: 100,
    lag: { min: 0, max: 1 },
    timeScale: WS_SCALE,
    warmupSeconds: 4,
    settleSeconds: 3,
    maxSeconds: 120,
    longLived: { connections: CHATS, kind: 'websocket', path: '/chat', sessionSeconds: 20, reconnectSeconds: 1 },
  };
  const results = [];
  for (const [name, manifest, scenario] of [['rolling update (GracefulDeployment)', rollingChat, 'rollout'], ['rainbow release change (RainbowDeployment)', rainbowChat, 'rainbow']]) {
    process.stderr.write(`websockets: ${name}\n`);
    results.push([name, await runDrill(manifest(), { ...options, scenario })]);
  }
  return results;
}

function printWebsockets(results) {
  console.log(`\nWebSocket chats (${CHATS} clients, chats of 10-30 s, reconnect after 1 s) next to 100 req/s, lag 0-1 s, time scale ${WS_SCALE}\n`);
  console.log('| run | requests | failed | refused | reset | timeout | 5xx | chats opened | cut (clients) | failed attempts | reconnects by release | after the switch: new / old release |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    const l = r.longLived;
    const routing = r.rainbow?.routing;
    const byRelease = Object.entries(l.reconnectsByRelease).map(([k, v]) => `${k}: ${v}`).join(', ') || '-';
    console.log(`| ${name} | ${r.requests} | ${r.failed} | ${classes(r)} | ${l.opened} | ${l.cut} (${l.clientsCut}) | ${l.failedAttempts} | ${byRelease} `
      + `| ${routing ? `${routing.afterSwitch.onNew} / ${routing.afterSwitch.onOld}` : '-'} |`);
  }
  const rb = results[1][1].rainbow;
  if (rb) {
    console.log(`\nrainbow: switch ${rb.from} -> ${rb.to} at ${f(rb.switchAt)} s, seen by the proxy at ${f(rb.switchSeenAt)} s; ${rb.from} idle at ${f(rb.idleAt)} s, `
      + `scaled to zero at ${f(rb.scaledToZeroAt)} s (${rb.scaledBecause}), last pod gone at ${f(rb.lastOldPodGoneAt)} s`);
  }
}

function websocketsLine(results) {
  const [[, rolling], [, rainbow]] = results;
  return `websockets: rolling cut ${rolling.longLived.clientsCut} of ${rolling.longLived.clients}; rainbow cut ${rainbow.longLived.clientsCut} of ${rainbow.longLived.clients}`;
}

module.exports = { runAlb, printAlb, albLine, runWebsockets, printWebsockets, websocketsLine };
