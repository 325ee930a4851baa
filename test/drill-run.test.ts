// The drill with real processes at a short time scale: what it reads from a manifest, the kill
// sequence, failures of a naive Deployment, a crash, and the overlapping terminations of issue 12.
import { GRACEFUL_APP, NAIVE_APP, expectAtLeastSecondsApart, expectNoFailures, gracefulManifest, naiveManifest, tableManifest } from './drill-manifests';
import { runDrill } from '../src/drill/drill';
import { drillSpecOf } from '../src/drill/workload/drill-spec';
import { planRollout } from '../src/timing/rollout-plan';

// Real seconds per manifest second: a 5 s preStop takes 1 s.
const SCALE = 0.2;
// The app's own shutdown timings are real time: scale them too.
const APP_ENV = { CLOSE_DELAY_MS: String(1000 * SCALE) };

describe('drill spec', () => {
  test('reads strategy, timings, preStop, placement and the PodDisruptionBudget from a GracefulDeployment manifest', () => {
    const spec = drillSpecOf(gracefulManifest(4));
    expect(spec).toMatchObject({ replicas: 4, strategy: 'RollingUpdate', surge: 1, unavailable: 0, maxSurge: '25%', maxUnavailable: 0, minReadySeconds: 2, graceSeconds: 20 });
    expect(spec.container.preStop).toMatchObject({ kind: 'exec', seconds: 5 });
    expect(spec.container.readiness?.periodSeconds).toBe(1);
    expect(spec.service).toMatch(/^test-svc-/);
    expect(spec.placement).toEqual({ spread: { maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' }, antiAffinity: undefined });
    expect(spec.budgets).toEqual([expect.objectContaining({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' })]);
  });

  test('naive cdk8s-plus Deployment: 25 %/25 %, no preStop, no readiness, no budget, no placement rules', () => {
    const spec = drillSpecOf(naiveManifest(10));
    expect(spec).toMatchObject({ surge: 3, unavailable: 2, graceSeconds: 30, budgets: [], placement: {} });
    expect(spec.container.preStop.kind).toBe('none');
    expect(spec.container.readiness).toBeUndefined();
  });

  test('an HPA targeting the Deployment gives the scale-down its minReplicas; required anti-affinity is read', () => {
    const objects = tableManifest(4, { maxSurge: 1, maxUnavailable: 0 });
    objects[0].spec.template.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'table' } } }] } };
    objects.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'table' }, minReplicas: 2, maxReplicas: 8 } });
    const spec = drillSpecOf(objects);
    expect(spec.autoscalerMinReplicas).toBe(2);
    expect(spec.placement.antiAffinity).toBe('required');
  });

  test('refuses a manifest without a workload it drills, or with several and no choice', () => {
    expect(() => drillSpecOf([{ kind: 'Service', metadata: { name: 's' } }])).toThrow(
      'the manifest has no Deployment, StatefulSet or DaemonSet; pass the synthesized YAML of a workload (and the Service selecting it)');
    const job = { kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { spec: { containers: [{ name: 'm', image: 'm' }] } } } };
    expect(() => drillSpecOf([job])).toThrow(
      'the manifest has no Deployment, StatefulSet or DaemonSet (it has Job migrate, which the drill does not drill); pass the synthesized YAML of a workload');
    const two = [...naiveManifest(1), { ...naiveManifest(1)[0], metadata: { name: 'other' } }];
    expect(() => drillSpecOf(two)).toThrow(/the manifest has 2 workloads \(Deployment .*, Deployment other\); choose one with --deployment <name>/);
    expect(() => drillSpecOf(two, { name: 'nope' })).toThrow(/no Deployment, StatefulSet or DaemonSet named 'nope' in the manifest; names found: Deployment .*, Deployment other/);
  });
});

describe('drill runs (short timings)', () => {
  // The bench runs the tight cases (lag 4.9 s of a 5 s preStop) in real time; scaled down, a
  // test keeps a manifest second of margin so that timer slip on a loaded machine does not count.
  test('GracefulDeployment + graceful app, lag up to the preStop less 1 s: 0 failed requests; SIGTERM when the preStop ends', async () => {
    const report = await runDrill(gracefulManifest(3), {
      exec: GRACEFUL_APP, env: APP_ENV, timeScale: SCALE, lag: { min: 0, max: 4 }, rate: 150, warmupSeconds: 5, settleSeconds: 5,
    });
    expect(report.rollout!.timedOut).toBe(false);
    expect(report.requests).toBeGreaterThan(500);
    expectNoFailures(report);
    // Terminating pods are not counted against maxSurge (spec 3.5): they pile up on top.
    expect(report.rollout!.peakPods).toBeGreaterThan(3 + 1);
    expect(report.rollout!.lastOldPodGoneAfterSeconds!).toBeGreaterThan(report.rollout!.completeAfterSeconds!);
    // The kill sequence (spec 1.4): the kubelet notices the deletion a reconcile latency later
    // (at most 0.05 s), runs the 5 s preStop, then sends SIGTERM. Times are on the drill clock,
    // which never reads earlier than a timer's target, so the lower bound is exact; the upper
    // bound allows 0.95 manifest s (190 ms real at this scale) for the kubelet's latency and
    // event-loop delay on a loaded machine.
    for (const old of report.pods.filter(p => p.revision === 1)) {
      const deleted = old.events.find(e => e.what.startsWith('deleted'))!.at;
      const sigterm = old.events.find(e => e.what === 'SIGTERM')!.at;
      expectAtLeastSecondsApart(sigterm, deleted, 5);
      expect(sigterm - deleted).toBeLessThan(6);
    }
  }, 90_000);

  test('naive cdk8s-plus Deployment + app that exits at once: failures, classified by phase', async () => {
    const report = await runDrill(naiveManifest(3), {
      exec: NAIVE_APP, timeScale: SCALE, lag: { min: 2, max: 4 }, rate: 300, requestsPerConnection: 10, warmupSeconds: 5, settleSeconds: 3,
    });
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failuresByPhase.before).toBe(0);
    expect(report.failuresByPhase.during).toBeGreaterThan(0);
    // After the last old pod has exited, proxies still route to it until the lag has passed.
    expect(report.failuresByPhase.during + report.failuresByPhase.after).toBe(report.failed);
    expect(report.failuresByClass.refused + report.failuresByClass.reset).toBe(report.failed);
    // Every failure is on an old pod: the ones the rollout deleted.
    const oldPods = new Set(report.pods.filter(p => p.revision === 1).map(p => p.name));
    expect(report.failures.filter(f => f.pod === undefined || !oldPods.has(f.pod))).toEqual([]);
  }, 90_000);

  test('a pod that crashes: failures only on the crashed pod, before its endpoint left the proxy or in flight', async () => {
    const report = await runDrill(gracefulManifest(3), {
      exec: GRACEFUL_APP,
      env: APP_ENV,
      timeScale: SCALE,
      lag: { min: 2, max: 2 },
      rate: 200,
      warmupSeconds: 5,
      settleSeconds: 5,
      crashAfterSeconds: 1,
    });
    expect(report.crash).toBeDefined();
    expect(report.crash!.failuresElsewhere).toBe(0);
    expectAtLeastSecondsApart(report.crash!.endpointLeftProxyAt!, report.crash!.crashedAt, 2);
    // Sent at the latest as the proxy learned of it (1 manifest s, 200 ms real, of event-loop delay allowed).
    const late = report.failures.filter(f => f.pod !== report.crash!.pod || f.sentAt > report.crash!.endpointLeftProxyAt! + 1);
    expect(late.slice(0, 3)).toEqual([]);
  }, 90_000);
});

describe('issue 12: overlapping terminations', () => {
  // Real time (scale 1): the effect lives in the fraction of a second that Ready times lose to
  // truncation, and the margins below are in real seconds on a shared, loaded machine.
  test('replicas 6, maxSurge 0 / maxUnavailable 2, minReady 2, Ready 1 s, gone 6 s: 6 pods terminate at once, not the 4 of Ready + minReady arithmetic', async () => {
    // Seed 11 starts the rollout 0.447 s into a wall-clock second: the first new pods turn Ready
    // about 0.5 s into the next second (a Ready time 0.45 s late still falls in it), and the
    // third wave comes about 0.4 s before the first wave's pods are gone.
    const report = await runDrill(tableManifest(6, { maxSurge: 0, maxUnavailable: 2 }), {
      exec: GRACEFUL_APP, env: { CLOSE_DELAY_MS: '1000' }, timeScale: 1, lag: { min: 0, max: 0.2 }, rate: 50, warmupSeconds: 1, settleSeconds: 1, seed: 11,
    });
    const { rollout } = report;
    expect(report.wallPhase).toBeCloseTo(0.447);
    expect(rollout!.timedOut).toBe(false);
    expect(rollout!.waves.map(w => w.pods)).toEqual([2, 2, 2]);
    // The second wave comes 2.5 s after the first, not Ready (1 s) + minReady (2 s) = 3 s later.
    expect(rollout!.waves[1].at - rollout!.waves[0].at).toBeLessThan(2.8);
    // Deletion to gone is at least 6 s (5 s preStop + 1 s drain), waves at least 3 s apart by
    // arithmetic: at most 2 waves (4 pods) overlap. The controllers overlap 3 waves.
    const arithmetic = 2 * Math.ceil(6 / (1 + 2));
    expect(arithmetic).toBe(4);
    expect(rollout!.peakTerminating).toBe(6);
    expect(rollout!.peakTerminating).toBeGreaterThan(arithmetic);
    expect(rollout!.peakPods).toBeGreaterThanOrEqual(12);
    // The plan says the same, and does not understate.
    const plan = planRollout({ replicas: 6, maxSurge: 0, maxUnavailable: 2, startupSeconds: 1, minReadySeconds: 2, terminatingSeconds: 6 });
    expect(plan.peakTerminatingPods).toBe(6);
    expect(rollout!.peakPods).toBeLessThanOrEqual(plan.peakPods);
    expect(report.failed).toBe(0);
  }, 90_000);
});
