// Manifests and apps shared by the drill tests.
import * as path from 'path';
import { ApiObject, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDaemonSet, GracefulDeployment, GracefulService, GracefulStatefulSet } from '../src';
import { DrillReport } from '../src/drill/drill';
import { KubeObject } from '../src/manifest/kube-object';

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
export const GRACEFUL_APP = `node ${path.join(APPS, 'graceful-server.js')}`;
export const NAIVE_APP = `node ${path.join(APPS, 'naive-server.js')}`;
export const CHAT_APP = `node ${path.join(APPS, 'websocket-chat-server.js')}`;

/** Drill options for the chat server at a short time scale: quick heartbeats, a scaled drain, light load. */
export function chatDrillOptions(scale: number, maxSeconds: number) {
  return {
    exec: CHAT_APP,
    env: { HEARTBEAT_MS: '200', DRAIN_TIMEOUT_MS: String(5000 * scale), CLOSE_DELAY_MS: String(1000 * scale) },
    timeScale: scale,
    lag: { min: 0, max: 1 },
    rate: 50,
    // Few connections, each used every 80 ms: none stays idle through the server's close delay
    // (200 ms real here), so none is closed as idle while a request is on its way (that race is the
    // app's, not the drill's, and on a busy machine a stall makes it likely).
    connections: 4,
    warmupSeconds: 2,
    settleSeconds: 2,
    maxSeconds,
  };
}

/** A GracefulDeployment (preStop, readiness every second, minReady 2 s, PDB maxUnavailable 1, hostname spread) and its Service. */
export function gracefulManifest(replicas: number, preStopSeconds = 5): KubeObject[] {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas,
    minReady: Duration.seconds(2),
    shutdown: { preStopDelay: Duration.seconds(preStopSeconds), drainTimeout: Duration.seconds(10) },
    containers: [{
      image: 'ghcr.io/acme/web:1',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
      startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
    }],
  });
  new GracefulService(chart, 'svc', { workload: d });
  return Testing.synth(chart);
}

/** Probes that see the graceful app go unready at once (readiness every second). */
const FAST_PROBES = {
  readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
  startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
};

/**
 * A GracefulStatefulSet (one pod at a time from the highest ordinal, preStop 5 s) and its client
 * Service; or, naive, what cdk8s-plus renders by default (no preStop, no readiness probe).
 */
export function statefulSetManifest(replicas: number, graceful: boolean, update: { partition?: number } = {}): KubeObject[] {
  const chart = Testing.chart();
  const container = { name: 'web', image: 'ghcr.io/acme/web:1', portNumber: 8080, ...(graceful ? FAST_PROBES : {}) };
  const strategy = update.partition !== undefined ? kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: update.partition }) : undefined;
  if (graceful) {
    const sts = new GracefulStatefulSet(chart, 'web', {
      replicas,
      containers: [container],
      minReady: Duration.seconds(1),
      strategy,
      shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) },
    });
    new GracefulService(chart, 'client', { workload: sts, ports: [{ port: 80, targetPort: 8080 }] });
  } else {
    const sts = new kplus.StatefulSet(chart, 'web', { replicas, containers: [container], strategy });
    new kplus.Service(chart, 'client', { selector: sts, ports: [{ port: 80, targetPort: 8080 }] });
  }
  return Testing.synth(chart);
}

/**
 * A GracefulDaemonSet (surge: the new pod starts next to the old one, preStop 5 s) or, naive,
 * cdk8s-plus's DaemonSet (replace one node at a time, no preStop), behind a Service whose
 * internalTrafficPolicy is Local: each node's clients reach that node's pod only.
 */
export function daemonSetManifest(graceful: boolean): KubeObject[] {
  const chart = Testing.chart();
  const container = { name: 'agent', image: 'ghcr.io/acme/agent:1', portNumber: 8080, ...(graceful ? FAST_PROBES : {}) };
  const service = graceful
    ? new GracefulService(chart, 'local', {
      workload: new GracefulDaemonSet(chart, 'agent', { containers: [container], minReadySeconds: 1, shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) } }),
    })
    : new kplus.Service(chart, 'local', { selector: new kplus.DaemonSet(chart, 'agent', { containers: [container] }), ports: [{ port: 80, targetPort: 8080 }] });
  ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/internalTrafficPolicy', 'Local'));
  return Testing.synth(chart);
}

/** What cdk8s-plus renders by default: no preStop, no readiness probe, no PDB, 25 %/25 %. */
export function naiveManifest(replicas: number): KubeObject[] {
  const chart = Testing.chart();
  new kplus.Deployment(chart, 'web', { replicas, containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] }).exposeViaService();
  return Testing.synth(chart);
}

/**
 * The Deployment of issue 12's table, written out: minReady 2, pods Ready 1.0 s after they
 * start (the first readiness probe comes after 1 s), preStop sleep 5 s; the app drains for 1 s.
 */
export function tableManifest(replicas: number, strategy: { maxSurge: number | string; maxUnavailable: number | string }): KubeObject[] {
  const labels = { app: 'table' };
  return [{
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'table' },
    spec: {
      replicas,
      minReadySeconds: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: strategy },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 30,
          containers: [{
            name: 'web',
            image: 'ghcr.io/acme/web:1',
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 1 },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
          }],
        },
      },
    },
  }, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'table' },
    spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
  }];
}

/**
 * No failed request. On failure, jest shows the count and the first three failures: a diff of
 * thousands of failures would take jest minutes of CPU.
 */
export function expectNoFailures(report: DrillReport): void {
  expect({ failed: report.failed, first: report.failures.slice(0, 3) }).toEqual({ failed: 0, first: [] });
}

/**
 * Asserts `later - earlier >= seconds` for two times of one drill report. The report gives times
 * relative to the run's start, and a difference of two such floats can fall an ulp short of the
 * bound the clock kept exactly (5.999999999999999 for 6); a nanosecond of slack absorbs that and
 * nothing a real regression would produce.
 */
export function expectAtLeastSecondsApart(later: number, earlier: number, seconds: number): void {
  expect(later - earlier).toBeGreaterThanOrEqual(seconds - 1e-9);
}
