// Manifests and apps shared by the drill tests.
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService } from '../src';
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
