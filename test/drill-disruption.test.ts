// Node placement, the Eviction API with PodDisruptionBudgets, kubectl drain and the
// autoscaler's scale-down, on the virtual clock with timed pods (deterministic, no processes).
import { TimedCluster, timedCluster } from './drill-harness/timed-cluster';
import { TimedPod } from './drill-harness/timed-pod';
import { DeploymentWorkload } from '../src/drill/cluster/deployment-workload';
import { desiredHealthy, DisruptionBudgetSpec } from '../src/drill/cluster/eviction-api';
import { NodeDrain } from '../src/drill/cluster/node-drain';

const budget = (b: Partial<DisruptionBudgetSpec>): DisruptionBudgetSpec => ({ name: 'pdb', unhealthyPodEvictionPolicy: 'IfHealthyBudget', ...b });
const podsOn = (c: TimedCluster) => c.plane.scheduler.nodes.map(n => c.plane.scheduler.podsOn(n.name).length);

describe('scheduler: pods on simulated nodes', () => {
  test('default and ScheduleAnyway spread: the node with the fewest pods of the Deployment', () => {
    expect(podsOn(timedCluster({ replicas: 10 }, { nodes: 3 }))).toEqual([4, 3, 3]);
    expect(podsOn(timedCluster({ replicas: 10 }, { nodes: 4, placement: { spread: { maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' } } }))).toEqual([3, 3, 2, 2]);
  });

  test('required anti-affinity: one pod per node; the rest stay Pending', () => {
    const c = timedCluster({ replicas: 4 }, { nodes: 3, placement: { antiAffinity: 'required' } });
    expect(podsOn(c)).toEqual([1, 1, 1]);
    expect(c.plane.pods.filter(p => !p.node)).toHaveLength(1);
  });

  test('DoNotSchedule spread counts a cordoned node: with maxSkew 1 and an empty cordoned node, no second pod per node', () => {
    const c = timedCluster({ replicas: 2 }, { nodes: 3, placement: { spread: { maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' } } });
    expect(podsOn(c)).toEqual([1, 1, 0]);
    expect(c.plane.scheduler.place()).toBe('node-3');
    c.plane.scheduler.cordon('node-3');
    expect(c.plane.scheduler.place()).toBeUndefined();
  });
});

describe('Eviction API (spec 6.1-6.3)', () => {
  test('desiredHealthy: maxUnavailable and minAvailable, whole or percent rounded up', () => {
    expect(desiredHealthy(budget({ maxUnavailable: 1 }), 10)).toBe(9);
    expect(desiredHealthy(budget({ maxUnavailable: '25%' }), 10)).toBe(7);
    expect(desiredHealthy(budget({ minAvailable: 8 }), 10)).toBe(8);
    expect(desiredHealthy(budget({ minAvailable: '75%' }), 10)).toBe(8);
    // policy/v1 has no default budget: with neither field the controller wants no pod healthy (spec 6.2).
    expect(desiredHealthy(budget({}), 10)).toBe(0);
  });

  test('429 while the budget allows no disruption; 200 again once the replacement is Ready', () => {
    const c = timedCluster({ replicas: 4 }, { budgets: [budget({ maxUnavailable: 1 })] });
    const [a, b] = c.plane.pods;
    expect(c.plane.eviction.evict(a).code).toBe(200);
    // a is terminating, so not healthy: 3 healthy, 3 desired.
    expect(c.plane.eviction.evict(b)).toEqual({ code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget 'pdb'" });
    c.clock.run(c.clock.now() + 2);
    expect(c.plane.eviction.evict(b).code).toBe(200);
  });

  test('minAvailable = replicas: every eviction refused; several budgets: 500; a terminating pod: 200 without a budget check', () => {
    const blocked = timedCluster({ replicas: 3 }, { budgets: [budget({ minAvailable: 3 })] });
    expect(blocked.plane.pods.map(p => blocked.plane.eviction.evict(p).code)).toEqual([429, 429, 429]);
    const two = timedCluster({ replicas: 2 }, { budgets: [budget({ maxUnavailable: 1 }), budget({ name: 'other', maxUnavailable: 1 })] });
    expect(two.plane.eviction.evict(two.plane.pods[0])).toEqual({ code: 500, message: 'this pod has more than one PodDisruptionBudget (pdb, other), which the eviction API does not support' });
    const pod = blocked.plane.pods[0];
    pod.delete(30);
    expect(blocked.plane.eviction.evict(pod).code).toBe(200);
  });

  test('a pod that is not Ready: AlwaysAllow evicts it; IfHealthyBudget only while the budget is met', () => {
    for (const [policy, code] of [['AlwaysAllow', 200], ['IfHealthyBudget', 429]] as const) {
      const c = timedCluster({ replicas: 3 }, { budgets: [budget({ minAvailable: 3, unhealthyPodEvictionPolicy: policy })] });
      const pod = c.plane.pods[0] as TimedPod;
      pod.ready = false;
      expect(c.plane.eviction.evict(pod).code).toBe(code);
    }
  });
});

describe('kubectl drain (spec 6.1)', () => {
  test('PDB maxUnavailable 1: the node\'s pods go one at a time, refusals retried every 5 s; replacements land on other nodes', async () => {
    const c = timedCluster({ replicas: 10 }, { nodes: 3, budgets: [budget({ maxUnavailable: 1 })], readySeconds: 1, goneSeconds: 6 });
    const start = c.clock.now();
    const drain = new NodeDrain(c.clock, c.plane.scheduler, c.plane.eviction, () => undefined);
    void drain.drain(['node-1']);
    await c.clock.runAsync(start + 60);
    expect(drain.evicted).toBe(4);
    // 4 pods: the first at once, each next after the replacement is Ready, on the 5 s retry: 0, 5, 10, 15 s.
    expect(drain.attempts.filter(a => a.code === 200).map(a => Math.round(a.at - start))).toEqual([0, 5, 10, 15]);
    expect(drain.refused).toBe(1 + 2 + 3);
    expect(drain.finishedAt! - start).toBeGreaterThan(21);
    expect(drain.finishedAt! - start).toBeLessThan(21.3);
    expect(c.plane.scheduler.podsOn('node-1')).toHaveLength(0);
    expect(podsOn(c)).toEqual([0, 5, 5]);
  });

  test('no PDB: every pod of the node evicted at once', async () => {
    const c = timedCluster({ replicas: 10 }, { nodes: 3 });
    const start = c.clock.now();
    const drain = new NodeDrain(c.clock, c.plane.scheduler, c.plane.eviction, () => undefined);
    void drain.drain(['node-1']);
    await c.clock.runAsync(start + 30);
    expect(drain.refused).toBe(0);
    expect(new Set(drain.attempts.map(a => a.at)).size).toBe(1);
    expect(c.plane.peakTerminating).toBe(4);
  });
});

describe('autoscaler scale-down (spec 3.3)', () => {
  test('the ReplicaSet controller removes pods from the most crowded node first; nothing replaces them', () => {
    const c = timedCluster({ replicas: 10 }, { nodes: 3 });
    expect(podsOn(c)).toEqual([4, 3, 3]);
    c.plane.workload.scale!(4);
    c.clock.run(c.clock.now() + 30);
    expect(c.plane.pods.filter(p => !p.terminating && !p.gone)).toHaveLength(4);
    // Ranks are counted once, before the deletions: node-1's 4 pods outrank the others' 3.
    const [first, ...rest] = podsOn(c);
    expect(first).toBe(0);
    expect(rest.reduce((a, b) => a + b)).toBe(4);
    expect(c.plane.workload.deletions).toHaveLength(1);
  });

  test('victims: unscheduled, then not ready, then more co-located, then ready for less time', () => {
    const c = timedCluster({ replicas: 6 }, { nodes: 3 });
    const pods = c.plane.pods as TimedPod[];
    const rsc = (c.plane.workload as DeploymentWorkload).replicaSetController;
    pods[0].node = undefined;
    pods[1].ready = false;
    pods[2].readyAt = c.clock.now() - 0.5;
    const order = rsc.victims(pods, 6).map(p => p.name);
    expect(order.slice(0, 2)).toEqual([pods[0].name, pods[1].name]);
    expect(order.indexOf(pods[2].name)).toBeLessThan(order.indexOf(pods[5].name));
  });
});
