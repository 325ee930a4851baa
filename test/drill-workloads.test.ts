// Every workload kind the constructs make, drilled: a StatefulSet's ordered, partitioned update
// (one pod at a time, or maxUnavailable with its feature gate), a DaemonSet's surge or replace on
// each node with node-local traffic, an autoscaled Deployment at its HorizontalPodAutoscaler's
// minimum. The controllers over timed pods (deterministic, no processes), then short real runs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { TimedCluster, timedCluster } from './drill-harness/timed-cluster';
import { TimedPod } from './drill-harness/timed-pod';
import { GRACEFUL_APP, NAIVE_APP, daemonSetManifest, expectNoFailures, gracefulManifest, statefulSetManifest } from './drill-manifests';
import { main } from '../src/cli/graceful-drill';
import { DaemonSetController } from '../src/drill/cluster/daemon-set-controller';
import { StatefulSetController } from '../src/drill/cluster/stateful-set-controller';
import { WorkloadSpecView } from '../src/drill/cluster/workload-controller';
import { runDrill } from '../src/drill/drill';
import { drillSpecOf } from '../src/drill/workload/drill-spec';

const STS: Partial<WorkloadSpecView> = { kind: 'StatefulSet', name: 'db', strategy: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1, podManagementPolicy: 'OrderedReady' };

/** Each wave of deletions as the pod names it deleted. */
const waves = (c: TimedCluster) => c.plane.workload.deletions.map(d => d.pods.join(','));

/** Runs a rollout until its old pods are gone (or an hour passed). */
function rollout(c: TimedCluster): void {
  c.plane.workload.rollout();
  const start = c.clock.now();
  for (let next = c.clock.nextAt(); next !== undefined && next <= start + 3600; next = c.clock.nextAt()) {
    c.clock.run(next);
    if (c.plane.workload.complete() && c.plane.workload.oldPodsGone()) break;
  }
}

describe('StatefulSet controller (semantics 7.2)', () => {
  test('OrderedReady: pods start one at a time, each once the one before is available', () => {
    const c = timedCluster({ ...STS, replicas: 3 }, { readySeconds: 1 });
    const created = (c.plane.pods as TimedPod[]).map(p => [p.name, Math.round(p.createdAt)]);
    expect(created).toEqual([['db-0', 0], ['db-1', 1], ['db-2', 2]]);
  });

  test('rolling update: the highest ordinal first, one at a time; each replacement has the same name and starts once its predecessor is gone', () => {
    const c = timedCluster({ ...STS, replicas: 3 }, { readySeconds: 1, goneSeconds: 6 });
    rollout(c);
    expect(waves(c)).toEqual(['db-2', 'db-1', 'db-0']);
    const incarnations = c.plane.pods.filter(p => p.revision === 2).sort((a, b) => a.createdAt - b.createdAt)
      .map(p => [p.name, (p as TimedPod).podName]);
    expect(incarnations).toEqual([['db-2#2', 'db-2'], ['db-1#2', 'db-1'], ['db-0#2', 'db-0']]);
    // Never more pods than replicas, never more than one down at once.
    expect(c.plane.peakPods).toBe(3);
    expect(c.plane.peakTerminating).toBe(1);
  });

  test('partition: ordinals below it keep the old revision, and the rollout is complete without them', () => {
    const c = timedCluster({ ...STS, replicas: 3, partition: 1 }, { readySeconds: 1 });
    rollout(c);
    expect(waves(c)).toEqual(['db-2', 'db-1']);
    expect(c.plane.workload.complete()).toBe(true);
    expect(c.plane.pods.filter(p => !p.gone).map(p => `${p.name} r${p.revision}`).sort()).toEqual(['db-0 r1', 'db-1#2 r2', 'db-2#2 r2']);
  });

  test('maxUnavailable 2 is honoured only with the MaxUnavailableStatefulSet feature gate', () => {
    const off = timedCluster({ ...STS, replicas: 4, maxUnavailable: 2 }, { readySeconds: 1 });
    rollout(off);
    expect(waves(off)).toEqual(['db-3', 'db-2', 'db-1', 'db-0']);
    const on = timedCluster({ ...STS, replicas: 4, maxUnavailable: 2, maxUnavailableHonoured: true }, { readySeconds: 1 });
    expect((on.plane.workload as StatefulSetController).podsAtOnce).toBe(2);
    rollout(on);
    expect(waves(on)).toEqual(['db-3,db-2', 'db-1,db-0']);
    expect(on.plane.peakTerminating).toBe(2);
  });

  test('scale-down removes the highest ordinals, one at a time when ordered', () => {
    const c = timedCluster({ ...STS, replicas: 4 }, { readySeconds: 1 });
    c.plane.workload.scale!(2);
    c.clock.run(c.clock.now() + 60);
    expect(waves(c)).toEqual(['db-3', 'db-2']);
  });
});

describe('DaemonSet controller (semantics 7.3)', () => {
  const DS: Partial<WorkloadSpecView> = { kind: 'DaemonSet', name: 'agent', strategy: 'RollingUpdate' };

  test('one pod on each node, bound there', () => {
    const c = timedCluster({ ...DS, replicas: 0, maxSurge: 0, maxUnavailable: 1 }, { nodes: 3 });
    expect(c.plane.pods.map(p => p.node)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(c.plane.workload.replicas).toBe(3);
  });

  test('replace (maxUnavailable 1): the old pod goes first, and its node gets the new one only once it is gone', () => {
    const c = timedCluster({ ...DS, replicas: 0, maxSurge: 0, maxUnavailable: 1 }, { nodes: 3, readySeconds: 1, goneSeconds: 6 });
    rollout(c);
    expect(waves(c)).toEqual(['agent-node-1-r1', 'agent-node-2-r1', 'agent-node-3-r1']);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      const [old, next] = c.plane.pods.filter(p => p.node === node) as TimedPod[];
      expect(next.createdAt).toBeGreaterThan(old.deletedAt! + 6);
    }
    expect(c.plane.peakPods).toBe(3);
  });

  test('surge (maxSurge 1): the new pod starts next to the old one, which goes once the new one is available', () => {
    const c = timedCluster({ ...DS, replicas: 0, maxSurge: 1, maxUnavailable: 0 }, { nodes: 3, readySeconds: 1, goneSeconds: 6 });
    rollout(c);
    expect((c.plane.workload as DaemonSetController).maxSurge).toBe(1);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      const [old, next] = c.plane.pods.filter(p => p.node === node) as TimedPod[];
      expect(next.createdAt).toBeLessThan(old.deletedAt!);
      expect(next.readyAt).toBeLessThanOrEqual(old.deletedAt!);
    }
    // A terminating pod does not count against maxSurge (`findUpdatedPodsOnNode` skips it): the old
    // pods still terminating pile up on top of the one surge pod.
    expect(c.plane.peakPods).toBe(6);
    expect(c.plane.peakTerminating).toBe(3);
  });
});

describe('reading the workload', () => {
  test('an autoscaled Deployment (no spec.replicas) is drilled at its HorizontalPodAutoscaler\'s minReplicas; --replicas overrides both', () => {
    const objects = gracefulManifest(4);
    delete objects.find(o => o.kind === 'Deployment')!.spec.replicas;
    const name = objects.find(o => o.kind === 'Deployment')!.metadata.name;
    objects.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name }, minReplicas: 3, maxReplicas: 30 } });
    expect(drillSpecOf(objects)).toMatchObject({ replicas: 3, replicasFrom: 'autoscaler', autoscalerMinReplicas: 3 });
    expect(drillSpecOf(objects, { replicas: 2 })).toMatchObject({ replicas: 2, replicasFrom: 'flag' });
  });

  test('a StatefulSet: its kind, partition and one pod at a time; a DaemonSet: one pod per node and node-local traffic', () => {
    expect(drillSpecOf(statefulSetManifest(3, true, { partition: 1 }))).toMatchObject({ kind: 'StatefulSet', replicas: 3, partition: 1, surge: 0, unavailable: 1 });
    expect(drillSpecOf(daemonSetManifest(true), {}, 4)).toMatchObject({ kind: 'DaemonSet', replicas: 4, replicasFrom: 'nodes', surge: 1, unavailable: 0, internalTrafficPolicy: 'Local' });
    expect(drillSpecOf(daemonSetManifest(false), {}, 3)).toMatchObject({ surge: 0, unavailable: 1 });
  });

  test('a scenario refuses a kind it does not drill: kubectl drain leaves a DaemonSet\'s pods where they are', async () => {
    await expect(runDrill(daemonSetManifest(true), { exec: GRACEFUL_APP, scenario: 'drain' })).rejects.toThrow(
      /^'--scenario drain' drills a Deployment or a StatefulSet; DaemonSet 'test-agent-\w+' is none of them$/);
  });
});

describe('real runs (short timings)', () => {
  const SCALE = 0.2;
  const load = {
    env: { CLOSE_DELAY_MS: String(1000 * SCALE) }, timeScale: SCALE, lag: { min: 0, max: 4 }, rate: 150, warmupSeconds: 2, settleSeconds: 3,
  };

  test('StatefulSet: the GracefulStatefulSet loses no request, the naive one (no preStop, an app that exits at once) does', async () => {
    const graceful = await runDrill(statefulSetManifest(3, true), { ...load, exec: GRACEFUL_APP });
    expect(graceful.kind).toBe('StatefulSet');
    expect(graceful.rollout!.timedOut).toBe(false);
    expect(graceful.rollout!.waves.map(w => w.pods)).toEqual([1, 1, 1]);
    expectNoFailures(graceful);
    // A lag of at least 1 s (200 ms real) and a new connection per request: while each exited pod's
    // endpoint lingers, dozens of requests are routed to it, however the scheduler runs the timers.
    const naive = await runDrill(statefulSetManifest(3, false), {
      ...load, lag: { min: 1, max: 4 }, requestsPerConnection: 1, exec: NAIVE_APP, startTimeoutSeconds: 60,
    });
    expect(naive.failed).toBeGreaterThan(0);
  }, 180_000);

  test('DaemonSet with node-local traffic: surge loses no request; replace (cdk8s-plus\'s default) leaves a node without a pod and fails its requests', async () => {
    const graceful = await runDrill(daemonSetManifest(true), { ...load, exec: GRACEFUL_APP });
    expect(graceful.dataPlaneText).toBe('kube-proxy on each of 3 nodes, node-local traffic');
    expect(graceful.rollout!.timedOut).toBe(false);
    expectNoFailures(graceful);
    const naive = await runDrill(daemonSetManifest(false), { ...load, exec: GRACEFUL_APP });
    expect(naive.failed).toBeGreaterThan(0);
    expect(naive.failures.some(f => f.proxyOutcome === 'no-local-endpoint')).toBe(true);
  }, 180_000);

  test('--replicas and the CLI: a StatefulSet is drilled by name, its kind in the report', async () => {
    let out = '';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-workloads-'));
    const file = path.join(dir, 'sts.yaml');
    fs.writeFileSync(file, statefulSetManifest(3, true).map(o => yaml.dump(o)).join('---\n'));
    const code = await main([file, '--exec', GRACEFUL_APP, '--replicas', '2', '--env', 'CLOSE_DELAY_MS=200', '--time-scale', '0.2', '--lag', '0-2',
      '--warmup', '1', '--settle', '1', '--rate', '100'], t => { out += t; }, () => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(out).toMatch(/^drill \(rollout\) of StatefulSet 'test-web-\w+': 2 replicas, RollingUpdate surge 0 \/ unavailable 1/);
    expect(out).toContain('rollout (StatefulSet RollingUpdate, OrderedReady, from the highest ordinal down to partition 0, one pod at a time)');
  }, 120_000);
});
