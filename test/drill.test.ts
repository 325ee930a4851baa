import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GracefulDeployment, GracefulService } from '../src';
import { main } from '../src/cli/graceful-drill';
import { DeploymentSim } from '../src/drill/controller';
import { runDrill } from '../src/drill/drill';
import { drillSpecOf } from '../src/drill/drill-spec';

const APPS = path.join(__dirname, '..', 'examples', 'drill-apps');
const GRACEFUL_APP = `node ${path.join(APPS, 'graceful-server.js')}`;
const NAIVE_APP = `node ${path.join(APPS, 'naive-server.js')}`;
// Real seconds per manifest second: a 5 s preStop takes 1 s.
const SCALE = 0.2;
// The app's own shutdown timings are real time: scale them too.
const APP_ENV = { CLOSE_DELAY_MS: String(1000 * SCALE) };

function gracefulManifest(replicas: number, preStopSeconds = 5): any[] {
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

function naiveManifest(replicas: number): any[] {
  const chart = Testing.chart();
  new kplus.Deployment(chart, 'web', { replicas, containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] }).exposeViaService();
  return Testing.synth(chart);
}

describe('drill spec', () => {
  test('reads strategy, timings and the preStop from a GracefulDeployment manifest', () => {
    const spec = drillSpecOf(gracefulManifest(4));
    expect(spec).toMatchObject({ replicas: 4, strategy: 'RollingUpdate', surge: 1, unavailable: 0, minReadySeconds: 2, graceSeconds: 20 });
    expect(spec.container.preStop).toMatchObject({ kind: 'exec', seconds: 5 });
    expect(spec.container.readiness?.periodSeconds).toBe(1);
    expect(spec.service).toMatch(/^test-svc-/);
  });

  test('naive cdk8s-plus Deployment: 25 %/25 %, no preStop, no readiness', () => {
    const spec = drillSpecOf(naiveManifest(10));
    expect(spec).toMatchObject({ surge: 3, unavailable: 2, graceSeconds: 30 });
    expect(spec.container.preStop.kind).toBe('none');
    expect(spec.container.readiness).toBeUndefined();
  });

  test('refuses a manifest without a Deployment, or with several and no choice', () => {
    expect(() => drillSpecOf([{ kind: 'Service', metadata: { name: 's' } }])).toThrow(
      'the manifest has no Deployment; pass the synthesized YAML of a Deployment (and the Service selecting it)');
    const two = [...naiveManifest(1), { ...naiveManifest(1)[0], metadata: { name: 'other' } }];
    expect(() => drillSpecOf(two)).toThrow(/the manifest has 2 Deployments \(.*, other\); choose one with --deployment <name>/);
    expect(() => drillSpecOf(two, 'nope')).toThrow(/no Deployment named 'nope' in the manifest; names found: .*other/);
  });
});

describe('RollingUpdate controller (spec 3.3)', () => {
  /** Pods that become ready and available as soon as they are created, and vanish on delete. */
  function fakePods(): { make: (name: string, revision: number) => any } {
    return {
      make: (name, revision) => ({
        name,
        revision,
        ready: true,
        readyAt: 0,
        restarts: 0,
        createdAt: 0,
        terminating: false,
        gone: false,
        isAvailable() { return !this.terminating; },
        async delete() { this.terminating = true; },
      }),
    };
  }

  test('replicas 4, defaults (surge 1, unavailable 1): (new, old) steps as in the spec', () => {
    const spec = { ...drillSpecOf(naiveManifest(4)), minReadySeconds: 0 };
    expect([spec.surge, spec.unavailable]).toEqual([1, 1]);
    const pods = fakePods();
    const d = new DeploymentSim(spec, { now: () => 0 } as any, pods.make);
    d.create();
    d.rollout();
    const steps: string[] = [];
    for (let i = 0; i < 10 && !d.complete(); i++) {
      steps.push(`(${d.replicaSets[1].replicas},${d.replicaSets[0].replicas})`);
      d.sync();
    }
    // One sync scales up to replicas + surge and down to replicas - unavailable at once.
    expect(steps[0]).toBe('(1,3)');
    expect(d.complete()).toBe(true);
    expect(d.peakPods).toBeLessThanOrEqual(4 + 1 + 4);
  });

  test('maxUnavailable 0: never fewer than replicas available', () => {
    const spec = { ...drillSpecOf(gracefulManifest(4)), minReadySeconds: 0 };
    const d = new DeploymentSim(spec, { now: () => 0 } as any, fakePods().make);
    d.create();
    d.rollout();
    for (let i = 0; i < 20 && !d.complete(); i++) {
      const available = d.replicaSets.reduce((n, rs) => n + d.available(rs), 0);
      expect(available).toBeGreaterThanOrEqual(4);
      d.sync();
    }
    expect(d.complete()).toBe(true);
  });
});

describe('drill runs (short timings)', () => {
  // The bench runs the tight cases (lag 4.9 s of a 5 s preStop) in real time; scaled down, a
  // test keeps a manifest second of margin so that timer slip on a loaded CI machine does not count.
  test('GracefulDeployment + graceful app, lag up to the preStop less 1 s: 0 failed requests', async () => {
    const report = await runDrill(gracefulManifest(3), {
      exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 0, max: 4 }, rate: 150, warmupSeconds: 5, settleSeconds: 5,
    });
    expect(report.rollout.timedOut).toBe(false);
    expect(report.requests).toBeGreaterThan(500);
    expect(report.failures).toEqual([]);
    // Terminating pods are not counted against maxSurge (spec 3.5): they pile up on top.
    expect(report.rollout.peakPods).toBeGreaterThan(3 + 1);
    expect(report.rollout.lastOldPodGoneAfterSeconds!).toBeGreaterThan(report.rollout.completeAfterSeconds!);
    // The kill sequence: SIGTERM when the 5 s preStop ends (spec 1.4).
    const old = report.pods.find(p => p.revision === 1)!;
    const deleted = old.events.find(e => e.what.startsWith('deleted'))!.at;
    const sigterm = old.events.find(e => e.what === 'SIGTERM')!.at;
    expect(sigterm - deleted).toBeGreaterThanOrEqual(5);
    expect(sigterm - deleted).toBeLessThan(6);
  }, 60_000);

  test('naive cdk8s-plus Deployment + app that exits at once: failures, classified by phase', async () => {
    const report = await runDrill(naiveManifest(3), {
      exec: NAIVE_APP, timeScale: SCALE, lag: { min: 2, max: 4 }, rate: 300, requestsPerConnection: 10, warmupSeconds: 5, settleSeconds: 3,
    });
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failuresByPhase.before).toBe(0);
    expect(report.failuresByPhase.rollout).toBeGreaterThan(0);
    // After the last old pod has exited, proxies still route to it until the lag has passed.
    expect(report.failuresByPhase.rollout + report.failuresByPhase.after).toBe(report.failed);
    expect(report.failuresByClass.refused + report.failuresByClass.reset).toBe(report.failed);
    // Every failure is on an old pod: the ones the rollout deleted.
    const oldPods = new Set(report.pods.filter(p => p.revision === 1).map(p => p.name));
    expect(report.failures.every(f => f.pod !== undefined && oldPods.has(f.pod))).toBe(true);
  }, 60_000);

  test('a pod that crashes: failures only on the crashed pod, before its endpoint left the proxy or in flight', async () => {
    const report = await runDrill(gracefulManifest(3), {
      exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 2, max: 2 }, rate: 200, warmupSeconds: 5, settleSeconds: 5, crashAfterSeconds: 1,
    });
    expect(report.crash).toBeDefined();
    expect(report.crash!.failuresElsewhere).toBe(0);
    expect(report.crash!.endpointLeftProxyAt! - report.crash!.crashedAt).toBeGreaterThanOrEqual(2);
    for (const f of report.failures) {
      expect(f.pod).toBe(report.crash!.pod);
      expect(f.sentAt).toBeLessThanOrEqual(report.crash!.endpointLeftProxyAt! + 0.5);
    }
  }, 60_000);
});

describe('graceful-drill CLI', () => {
  test('usage errors exit 2 with the reason', async () => {
    let err = '';
    expect(await main([], () => undefined, t => { err += t; })).toBe(2);
    expect(err).toContain('pass one manifest file and --exec "<command that starts the app>"');
    err = '';
    expect(await main(['x.yaml', '--exec', 'true', '--lag', 'soon'], () => undefined, t => { err += t; })).toBe(2);
    expect(err).toContain("--lag takes seconds or a range such as 0-5 (got 'soon')");
    err = '';
    expect(await main(['missing.yaml', '--exec', 'true'], () => undefined, t => { err += t; })).toBe(2);
    expect(err).toContain('graceful-drill: cannot read missing.yaml: no such file');
  });

  test('an app that never listens: exit 2, naming the command and the port variable', async () => {
    const file = path.join(__dirname, 'fixtures', 'checker', 'web-app.yaml');
    let err = '';
    const code = await main([file, '--exec', 'sleep 30', '--time-scale', '0.05', '--max-seconds', '20'], () => undefined, t => { err += t; });
    expect(code).toBe(2);
    expect(err).toMatch(/the pods of the first revision did not become available \(0 of 4\); check that 'sleep 30' listens on 127.0.0.1:\$PORT and passes its probes/);
  }, 60_000);
});
