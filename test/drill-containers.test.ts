// Pods with several containers in the drill: the kubelet's stop order for native sidecars
// (pure), nginx's quit preStop replayed as SIGQUIT (pure), and real runs at a short time scale:
// a classic sidecar that dies with the app's SIGTERM fails requests, a native sidecar that
// outlives the app fails none; nginx's SIGTERM drops requests in flight, its quit preStop none.
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { expectAtLeastSecondsApart, expectNoFailures } from './drill-manifests';
import { GracefulDeployment, GracefulService, KubernetesVersion, PreStop, GracefulChecks } from '../src';
import { DrillReport, runDrill } from '../src/drill/drill';
import { replayableHook, serverSignalOf } from '../src/drill/kubelet/hook-replay';
import { portEnvOf } from '../src/drill/kubelet/pod-runtime';
import { containerProblems } from '../src/drill/options/options';
import { drillSpecOf } from '../src/drill/workload/drill-spec';
import { KubeObject } from '../src/manifest/kube-object';
import { containerKillTimeline, stopPrerequisites, turnTimeoutSeconds } from '../src/timing/pod-shutdown';
import { killTimeline } from '../src/timing/shutdown-budget';

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
const GRACEFUL_APP = `node ${path.join(APPS, 'graceful-server.js')}`;
const DB_PROXY = `node ${path.join(APPS, 'db-proxy.js')}`;
const NGINX_LIKE = `node ${path.join(APPS, 'nginx-like-server.js')}`;
// Real seconds per manifest second: a 5 s preStop takes 1 s.
const SCALE = 0.2;
const probes = {
  readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
  startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
};
const shutdown = { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) };

/** An API and its database proxy: a native sidecar (GracefulDeployment `sidecars`), or a classic one among `containers`. */
function sidecarManifest(native: boolean): KubeObject[] {
  const chart = Testing.chart();
  const api = { name: 'api', image: 'ghcr.io/acme/orders-api:1', portNumber: 8080, ...probes };
  const proxy = { name: 'db-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1' };
  const d = new GracefulDeployment(chart, 'orders', {
    replicas: 3,
    minReady: Duration.seconds(1),
    shutdown,
    ...(native
      ? { containers: [api], sidecars: [{ ...proxy, shutdown: { drainTimeout: Duration.seconds(5) } }], kubernetesVersion: KubernetesVersion.V1_29 }
      : { containers: [api, proxy] }),
  });
  // The rule pack refuses a database proxy among `containers` (GS028): that is the point here.
  if (!native) GracefulChecks.suppress(d, [{ id: 'GS028', reason: 'the classic sidecar the drill compares against' }]);
  new GracefulService(chart, 'svc', { workload: d });
  return Testing.synth(chart);
}

/** nginx (an image without STOPSIGNAL): a plain preStop sleep then SIGTERM, or `PreStop.sleepThen(['nginx', '-s', 'quit'])`. */
function nginxManifest(quit: boolean): KubeObject[] {
  const chart = Testing.chart();
  const d = new GracefulDeployment(chart, 'web', {
    replicas: 3,
    minReady: Duration.seconds(1),
    shutdown,
    containers: [{ name: 'nginx', image: 'docker.io/bitnami/nginx:1.25.4', portNumber: 8080, ...probes }],
    ...(quit ? { containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) } } : {}),
  });
  // GS038 refuses nginx without its graceful stop: the naive variant is what it warns about.
  if (!quit) GracefulChecks.suppress(d, [{ id: 'GS038', reason: 'the SIGTERM variant the drill compares against' }]);
  new GracefulService(chart, 'svc', { workload: d });
  return Testing.synth(chart);
}

// Long-lived keep-alive connections, as a load balancer's upstream pool: requests keep coming on
// a terminating pod's connections until it closes them.
const load = {
  timeScale: SCALE, lag: { min: 0, max: 4 }, rate: 300, connections: 24, requestsPerConnection: 1_000_000, warmupSeconds: 3, settleSeconds: 3,
};
const APP_ENV = { CLOSE_DELAY_MS: String(1000 * SCALE), WORK_MS: '20' };

/** Whether a process runs: it exists and is not a zombie waiting for Node to reap it. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every pid the drill logged is gone once runDrill has returned (killed processes are reaped within moments). */
async function expectNoProcessLeft(report: DrillReport): Promise<void> {
  const pids = report.pods.flatMap(p => p.events.map(e => /\(pid (\d+)\)/.exec(e.what)?.[1]).filter((x): x is string => x !== undefined)).map(Number);
  expect(pids.length).toBeGreaterThan(0);
  await new Promise(resolve => setTimeout(resolve, 100));
  expect(pids.filter(running)).toEqual([]);
}

/** When a container of a pod exited: the serving one's events have no prefix, a sidecar's start with its name. */
function exitAt(events: Array<{ at: number; what: string }>, prefix = ''): number {
  return events.find(e => e.what.startsWith(`${prefix}container exited`))!.at;
}

describe('stop order (pure)', () => {
  test('app containers wait for nobody; native sidecars wait for every app container and the sidecars declared after them', () => {
    const order = stopPrerequisites([
      { name: 'api', sidecar: false }, { name: 'worker', sidecar: false },
      { name: 'log-shipper', sidecar: true }, { name: 'db-proxy', sidecar: true },
    ]);
    expect(Object.fromEntries(order)).toEqual({
      'api': [],
      'worker': [],
      'log-shipper': ['api', 'worker', 'db-proxy'],
      'db-proxy': ['api', 'worker'],
    });
  });

  test('a classic sidecar is an app container: it stops in parallel', () => {
    expect(Object.fromEntries(stopPrerequisites([{ name: 'api', sidecar: false }, { name: 'proxy', sidecar: false }]))).toEqual({ api: [], proxy: [] });
  });

  test('an app container gets SIGTERM as killTimeline says', () => {
    expect(containerKillTimeline(20, 5)).toEqual(killTimeline(20, 5));
    expect(containerKillTimeline(30, 45)).toEqual({ sigtermAt: 30, sigkillAt: 32 });
  });

  test('a native sidecar: SIGTERM after its wait, whole seconds of hook and wait charged, at least 2 s left', () => {
    // grace 20, no hook, the app exited after 7.5 s: 20 - 7 = 13 s left.
    expect(containerKillTimeline(20, 0, 7.5)).toEqual({ sigtermAt: 7.5, sigkillAt: 20.5 });
    // a 3 s hook, then 16.9 s of wait: 20 - 3 - 16 = 1, raised to 2.
    expect(containerKillTimeline(20, 3, 16.9)).toEqual({ sigtermAt: 19.9, sigkillAt: 21.9 });
    // the app never exits: the wait times out with the grace, then the 2 s minimum (spec 5.3c).
    expect(turnTimeoutSeconds(20, 3)).toBe(17);
    expect(containerKillTimeline(20, 3, 99)).toEqual({ sigtermAt: 20, sigkillAt: 22 });
    // a hook that used the whole grace: no wait at all.
    expect(turnTimeoutSeconds(20, 25)).toBe(0);
  });
});

describe('exec hooks replayed as signals (pure)', () => {
  test("PreStop.sleepThen(['nginx', '-s', 'quit']): sleep, SIGQUIT, sleep", () => {
    expect(replayableHook(['sh', '-c', 'sleep 5 && nginx -s quit && sleep 5'])).toEqual([
      { kind: 'sleep', seconds: 5 }, { kind: 'signal', signal: 'SIGQUIT', command: 'nginx -s quit' }, { kind: 'sleep', seconds: 5 },
    ]);
  });

  test('nginx -s stop is the fast shutdown (SIGTERM); openresty and a path are nginx too', () => {
    expect(serverSignalOf('nginx -s stop')).toBe('SIGTERM');
    expect(serverSignalOf('/usr/sbin/nginx -c /etc/nginx.conf -s quit')).toBe('SIGQUIT');
    expect(replayableHook(['openresty', '-s', 'quit'])).toEqual([{ kind: 'signal', signal: 'SIGQUIT', command: 'openresty -s quit' }]);
  });

  test('anything else runs for real: plain sleeps, other commands, pipes, ||', () => {
    expect(replayableHook(['sleep', '5'])).toBeUndefined();
    expect(replayableHook(['sh', '-c', 'sleep 5 && curl -s localhost/drain'])).toBeUndefined();
    expect(replayableHook(['sh', '-c', 'sleep 5 && nginx -s quit || true'])).toBeUndefined();
    expect(replayableHook(['sh', '-c', 'nginx -s quit | tee /tmp/x'])).toBeUndefined();
  });
});

describe('containers of the pod (spec and options)', () => {
  test('reads every container that runs for the pod: app containers, then native sidecars', () => {
    expect(drillSpecOf(sidecarManifest(true)).containers.map(c => [c.name, c.sidecar === true])).toEqual([['api', false], ['db-proxy', true]]);
    const classic = drillSpecOf(sidecarManifest(false));
    expect(classic.container.name).toBe('api');
    expect(classic.containers.map(c => [c.name, c.sidecar === true])).toEqual([['api', false], ['db-proxy', false]]);
    expect(portEnvOf('db-proxy')).toBe('DB_PROXY_PORT');
  });

  test('refuses an unknown container, the serving container and a missing command, naming option, value and fix', () => {
    const containers = [{ name: 'api' }, { name: 'db-proxy', sidecar: true }];
    const problems = containerProblems({ exec: 'x', execContainers: { 'proxy': 'node p.js', 'api': 'node a.js', 'db-proxy': ' ' } }, containers, 'api', "Deployment 'orders'");
    expect(problems).toEqual([
      "'--exec-container' (proxy=node p.js) names no container of Deployment 'orders'; its containers are api, db-proxy (native sidecar); "
        + 'use one of those names, e.g. --exec-container db-proxy="node proxy.js"',
      "'--exec-container' (api=node a.js) names 'api', the container behind the Service, which runs the --exec command; drop it, or give its command with --exec",
      "'--exec-container' (db-proxy= ) has no command; give the command that starts container 'db-proxy', e.g. --exec-container db-proxy=\"node db-proxy.js\"",
    ]);
  });

  test('runDrill refuses a bad --exec-container before any process starts', async () => {
    await expect(runDrill(sidecarManifest(true), { exec: GRACEFUL_APP, execContainers: { proxy: DB_PROXY } }))
      .rejects.toThrow("'--exec-container' (proxy=");
  });
});

describe('sidecars under load (short timings)', () => {
  test('native sidecar: started before the app, SIGTERM only after the app exited; 0 failed requests', async () => {
    const report = await runDrill(sidecarManifest(true), { ...load, exec: GRACEFUL_APP, execContainers: { 'db-proxy': DB_PROXY }, env: APP_ENV });
    expect(report.rollout!.timedOut).toBe(false);
    expect(report.requests).toBeGreaterThan(1000);
    expectNoFailures(report);
    for (const old of report.pods.filter(p => p.revision === 1)) {
      const started = (prefix: string) => old.events.find(e => e.what.startsWith(prefix))!.at;
      expect(started('db-proxy: native sidecar started')).toBeLessThanOrEqual(started('container started'));
      const sidecarSigterm = old.events.find(e => e.what === 'db-proxy: SIGTERM')!.at;
      expect(sidecarSigterm).toBeGreaterThanOrEqual(exitAt(old.events));
      expect(exitAt(old.events, 'db-proxy: ')).toBeGreaterThanOrEqual(exitAt(old.events));
    }
    await expectNoProcessLeft(report);
  }, 60_000);

  test('classic sidecar: SIGTERM with the app, it exits at once, the app\'s requests during its drain fail (502)', async () => {
    const report = await runDrill(sidecarManifest(false), { ...load, exec: GRACEFUL_APP, execContainers: { 'db-proxy': DB_PROXY }, env: APP_ENV });
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failuresByClass['5xx']).toBe(report.failed);
    for (const old of report.pods.filter(p => p.revision === 1)) {
      const sigterm = (what: string) => old.events.find(e => e.what === what)!.at;
      // Both containers ran their 5 s preStop in parallel and got SIGTERM together (spec 1.4).
      expect(Math.abs(sigterm('db-proxy: SIGTERM') - sigterm('SIGTERM'))).toBeLessThan(0.5);
      expect(exitAt(old.events, 'db-proxy: ')).toBeLessThan(exitAt(old.events));
    }
    await expectNoProcessLeft(report);
  }, 60_000);
});

describe('nginx signal semantics (short timings)', () => {
  const nginxLoad = { ...load, exec: NGINX_LIKE, env: { CLOSE_DELAY_MS: String(1000 * SCALE), WORK_MS: '50' } };

  test("quit preStop: the sleep, then SIGQUIT (nginx's graceful stop); 0 failed requests", async () => {
    const report = await runDrill(nginxManifest(true), nginxLoad);
    expect(report.requests).toBeGreaterThan(1000);
    expectNoFailures(report);
    for (const old of report.pods.filter(p => p.revision === 1)) {
      const deleted = old.events.find(e => e.what.startsWith('deleted'))!.at;
      const quit = old.events.find(e => /^preStop 'nginx -s quit': SIGQUIT/.test(e.what))!.at;
      expectAtLeastSecondsApart(quit, deleted, 5);
      // nginx exits after its graceful stop, before the trailing sleep ends: no SIGTERM at all.
      expect(old.events.some(e => e.what === 'SIGTERM')).toBe(false);
    }
    await expectNoProcessLeft(report);
  }, 60_000);

  test('a plain preStop sleep, then SIGTERM (nginx\'s fast shutdown): requests in flight are dropped', async () => {
    const report = await runDrill(nginxManifest(false), nginxLoad);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failuresByClass.reset).toBeGreaterThan(0);
    await expectNoProcessLeft(report);
  }, 60_000);
});
