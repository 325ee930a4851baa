// The drill on the real programs Debian ships, at a short time scale: nginx as the app (its fast
// shutdown on SIGTERM, its graceful quit), HAProxy as the data plane (its servers following the
// endpoints through the runtime API; with and without retries), and dash as the shell of a
// `sh -c` entrypoint (PID 1 that never execs the app and ignores SIGTERM). A test whose program is
// missing fails naming the Debian package that installs it.
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GRACEFUL_APP, NAIVE_APP, expectNoFailures, gracefulManifest, naiveManifest } from './drill-manifests';
import { GracefulChecks, GracefulDeployment, GracefulService, PreStop } from '../src';
import { DrillReport, runDrill } from '../src/drill/drill';
import { localScript } from '../src/drill/process/entrypoint';
import { findProgram } from '../src/drill/process/programs';
import { KubeObject } from '../src/manifest/kube-object';

const NGINX_APP = `sh ${path.join(__dirname, '..', 'examples', 'drill-apps', 'nginx-app.sh')}`;
const SCALE = 0.2;
const APP_ENV = { CLOSE_DELAY_MS: String(1000 * SCALE) };
const probes = {
  readiness: kplus.Probe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(1) }),
  startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
};

/** Fails, naming the Debian package, when a program the test runs is not installed. */
function requireProgram(name: string, debianPackage: string): void {
  if (!findProgram(name)) {
    throw new Error(`this test runs ${name}, which is not installed on this machine: apt-get install ${debianPackage} (Debian package ${debianPackage}), `
      + 'or run bash scripts/system-packages.sh');
  }
}

/** Every timeline event of the report's pods that matches. */
function events(report: DrillReport, match: RegExp): string[] {
  return report.pods.flatMap(p => p.events.filter(e => match.test(e.what)).map(e => `${p.name}: ${e.what}`));
}

/** nginx as a GracefulDeployment with PreStop.sleepThen(['nginx', '-s', 'quit']), or as cdk8s-plus renders it (no preStop: SIGTERM at once). */
function nginxManifest(quit: boolean): KubeObject[] {
  const chart = Testing.chart();
  const nginx = { name: 'nginx', image: 'docker.io/bitnami/nginx:1.25.4', portNumber: 8080 };
  if (!quit) {
    new kplus.Deployment(chart, 'web', { replicas: 3, containers: [nginx] }).exposeViaService();
    return Testing.synth(chart);
  }
  const d = new GracefulDeployment(chart, 'web', {
    replicas: 3,
    minReady: Duration.seconds(1),
    shutdown: { preStopDelay: Duration.seconds(5), drainTimeout: Duration.seconds(5) },
    containers: [{ ...nginx, ...probes }],
    containerPreStop: { nginx: PreStop.sleepThen(['nginx', '-s', 'quit']) },
  });
  new GracefulService(chart, 'svc', { workload: d });
  return Testing.synth(chart);
}

describe('real nginx as the app (Debian nginx)', () => {
  // Connections come and go as many clients' do (25 requests each): those a terminating pod still
  // holds are gone by the time its preStop ends.
  const timing = { timeScale: 0.5, lag: { min: 0, max: 1 }, warmupSeconds: 3, settleSeconds: 3 };
  const load = { ...timing, exec: NGINX_APP, rate: 300, connections: 24, requestsPerConnection: 25 };

  test('SIGTERM, nginx\'s fast shutdown, at the deletion: requests fail; the quit preStop: none fail, nginx quits gracefully as PID 1', async () => {
    requireProgram('nginx', 'nginx');
    // A lag of at least 1 s (half a real second) and each request on its own connection, so the data
    // plane picks a pod for every one: while an exited pod's endpoint lingers, dozens of requests are
    // routed to it, whatever the scheduler does with the timers (the load catches up when late). The
    // quit run keeps the shorter lag: a connection opened just before the endpoint left must carry its
    // 25 requests before the preStop's sleep ends.
    const fast = await runDrill(nginxManifest(false), { ...load, lag: { min: 1, max: 2 }, requestsPerConnection: 1 });
    expect(fast.failed).toBeGreaterThan(0);
    expect(events(fast, /SIGTERM/).length).toBe(3);
    const quit = await runDrill(nginxManifest(true), load);
    expect(quit.rollout!.timedOut).toBe(false);
    expect(quit.requests).toBeGreaterThan(1000);
    expectNoFailures(quit);
    // The hook's `nginx -s quit` reaches nginx's master, the container's PID 1: it exits on its own, before the kubelet's SIGTERM.
    expect(events(quit, /preStop 'nginx -s quit': SIGQUIT to PID 1/)).toHaveLength(3);
    expect(events(quit, /^SIGTERM$/)).toEqual([]);
    expect(quit.entrypoint.serving).toBe(`${NGINX_APP} as PID 1`);
  }, 180_000);
});

describe('real HAProxy as the data plane (Debian haproxy)', () => {
  const load = { exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 0, max: 4 }, rate: 200, warmupSeconds: 2, settleSeconds: 3, dataPlane: 'haproxy' as const };

  test('no retries: the naive Deployment\'s pods refuse requests HAProxy still sends them (503); the GracefulDeployment loses none', async () => {
    requireProgram('haproxy', 'haproxy');
    // A lag of at least 1 s (200 ms real): HAProxy sends requests to each exited pod for that long, however the scheduler runs the timers.
    const naive = await runDrill(naiveManifest(3), { ...load, lag: { min: 1, max: 4 }, exec: NAIVE_APP });
    expect(naive.dataPlaneText).toBe('haproxy (retries: none)');
    expect(naive.failed).toBeGreaterThan(0);
    expect(naive.failures.some(f => f.failureClass === 'refused' && /^haproxy SC 503/.test(f.proxyOutcome ?? '') && f.pod !== undefined)).toBe(true);
    expect(naive.retried).toBe(0);
    const graceful = await runDrill(gracefulManifest(3), load);
    expect(graceful.requests).toBeGreaterThan(500);
    expectNoFailures(graceful);
  }, 180_000);

  test('retries to another server (redispatch) hide every refused connection, GET and POST alike (nothing was sent); what remains was sent', async () => {
    requireProgram('haproxy', 'haproxy');
    const report = await runDrill(naiveManifest(3), { ...load, exec: NAIVE_APP, proxyRetries: 'redispatch', postShare: 0.3 });
    expect(report.dataPlaneText).toBe('haproxy (retries: redispatch)');
    expect(report.retried).toBeGreaterThan(0);
    expect(report.failuresByClass.refused).toBe(0);
    expect(report.byMethod.POST.requests).toBeGreaterThan(100);
  }, 120_000);
});

describe('a `sh -c` entrypoint through real dash (Debian dash)', () => {
  /** The graceful app behind a `sh -c` script, connections kept (as a load balancer's pool keeps them). */
  function shellManifest(script: string): KubeObject[] {
    const chart = Testing.chart();
    const d = new GracefulDeployment(chart, 'web', {
      replicas: 2,
      minReady: Duration.seconds(1),
      shutdown: { preStopDelay: Duration.seconds(3), drainTimeout: Duration.seconds(5) },
      containers: [{ name: 'web', image: 'node:22-bookworm-slim', command: ['sh', '-c', script], portNumber: 8080, ...probes }],
    });
    // GS006 refuses the script that dash runs as a child: it is what this test drills.
    GracefulChecks.suppress(d, [{ id: 'GS006', reason: 'the drill compares dash with and without exec' }]);
    new GracefulService(chart, 'svc', { workload: d });
    return Testing.synth(chart);
  }
  const load = { exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 0, max: 1 }, rate: 150, connections: 8, requestsPerConnection: 1_000_000, warmupSeconds: 2, settleSeconds: 2, shell: 'dash' };

  test('`node server.js`: dash stays PID 1, ignores SIGTERM, and the app serves until the SIGKILL; `exec node server.js`: the app drains', async () => {
    requireProgram('dash', 'dash');
    const kept = await runDrill(shellManifest('node /app/server.js'), load);
    expect(kept.entrypoint.serving).toBe(`dash -c '${GRACEFUL_APP}'`);
    const killed = events(kept, /SIGKILL \(grace period over\)/);
    expect(killed.length).toBe(2);
    expect(events(kept, /container exited \(SIGKILL\)/).length).toBe(2);
    const drained = await runDrill(shellManifest('exec node /app/server.js'), load);
    expect(drained.entrypoint.serving).toBe(`dash -c 'exec ${GRACEFUL_APP}'`);
    expect(events(drained, /SIGKILL/)).toEqual([]);
    expect(events(drained, /container exited \(code 0\)/).length).toBe(2);
    expectNoFailures(drained);
  }, 180_000);

  test('the script the shell runs: --exec stands for its last statement; traps and assignments stay, other commands become no-ops', () => {
    expect(localScript('node server.js', 'node app.js', 'web')).toBe('node app.js');
    expect(localScript('exec node server.js', 'node app.js', 'web')).toBe('exec node app.js');
    expect(localScript('/docker-entrypoint.sh && export MODE=prod && nginx -g "daemon off;"', 'sh nginx-app.sh', 'web'))
      .toBe(': && export MODE=prod && sh nginx-app.sh');
    expect(localScript("trap 'kill -TERM $pid' TERM; echo start; exec node server.js", 'node app.js', 'web'))
      .toBe("trap 'kill -TERM $pid' TERM ; : ; exec node app.js");
    expect(() => localScript('while true; do node server.js; done', 'node app.js', 'web')).toThrow(
      'container \'web\' runs a shell script with control structures or pipes ("while true; do node server.js; done"); the drill stands --exec in for the '
      + 'script\'s last statement and cannot tell which statement starts the app here; run it with --entrypoint exec (the app as PID 1), or simplify the script');
  });
});
