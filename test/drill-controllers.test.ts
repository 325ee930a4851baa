// The drill's Deployment and ReplicaSet controllers on a virtual clock with timed pods: the rows
// of issue 12's table (Kubernetes 1.34 measured side by side), deterministic, no processes.
import * as fc from 'fast-check';
import { replayRollout, timedCluster } from './drill-harness/timed-cluster';
import { DeploymentSpecView } from '../src/drill/cluster/deployment-controller';
import { availableAt } from '../src/timing/rolling-update';
import { planRollout } from '../src/timing/rollout-plan';

type Strategy = Pick<DeploymentSpecView, 'maxSurge' | 'maxUnavailable'>;
const SURGE_0_UNAVAILABLE_2: Strategy = { maxSurge: 0, maxUnavailable: 2 };
const SURGE_25_UNAVAILABLE_0: Strategy = { maxSurge: '25%', maxUnavailable: 0 };
/** Phases of the wall-clock second at which the rollout starts. */
const PHASES = Array.from({ length: 20 }, (_, i) => i / 20);

/** Replicas 10, minReady 2, pods Ready 1.0 s after binding and gone 6.0 s after the kubelet saw the deletion. */
function tableRun(strategy: Strategy, phase: number, seed: number) {
  return replayRollout(timedCluster({ replicas: 10, minReadySeconds: 2, ...strategy }, { seed, readySeconds: 1, goneSeconds: 6 }), phase);
}

describe('availability on the truncated Ready time (spec 3.4a)', () => {
  test('a pod is available minReadySeconds after the whole second its Ready time falls in', () => {
    expect(availableAt(1.3, 2, 0)).toBeCloseTo(3);
    // Wall clock 0.8 s ahead: Ready at wall 2.1 s is stored as 2 s, i.e. 1.2 s on this clock.
    expect(availableAt(1.3, 2, 0.8)).toBeCloseTo(3.2);
    expect(availableAt(1.3, 0, 0.8)).toBe(1.3);
  });

  test('property: never later than Ready + minReady, never a second or more earlier, never before Ready', () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 1e4, noNaN: true }), fc.integer({ min: 1, max: 600 }), fc.double({ min: 0, max: 0.999, noNaN: true }),
      (ready, minReady, phase) => {
        const at = availableAt(ready, minReady, phase);
        expect(at).toBeLessThanOrEqual(ready + minReady + 1e-9);
        expect(at).toBeGreaterThan(ready + minReady - 1 - 1e-9);
        expect(at).toBeGreaterThanOrEqual(ready);
      }));
  });
});

describe('issue 12 table: replicas 10, minReady 2, Ready 1.0 s, terminating 6.0 s', () => {
  test('maxSurge 0, maxUnavailable 2: peak 16 pods with 6 terminating (real: 16 (6) in every run)', () => {
    for (const phase of PHASES) {
      for (const seed of [1, 2, 3]) {
        const run = tableRun(SURGE_0_UNAVAILABLE_2, phase, seed);
        expect(run.peakTerminating).toBe(6);
        // Ready + minReady arithmetic says 14 (4). When the rollout starts just after the Ready
        // time's whole second (phase 0 or above 0.9 here), the first wave takes its full 3 s and the
        // third wave's new pods can come a few ms after the first wave's pods are gone: 14 (6).
        if (phase >= 0.1 && phase <= 0.85) expect(run.peakPods).toBe(16);
        expect([14, 16]).toContain(run.peakPods);
      }
    }
  });

  test('maxSurge 0, maxUnavailable 2: complete after 14.1-15.1 s (real 14.1-15.0 s), waves 3.00 s apart', () => {
    const completes = PHASES.map(phase => tableRun(SURGE_0_UNAVAILABLE_2, phase, 1).completeAt);
    expect(Math.min(...completes)).toBeGreaterThan(14.05);
    expect(Math.max(...completes)).toBeLessThan(15.15);
    // The spread of the start phase shows: up to a second between runs.
    expect(Math.max(...completes) - Math.min(...completes)).toBeGreaterThan(0.8);
    const { waves } = tableRun(SURGE_0_UNAVAILABLE_2, 0.5, 1);
    expect(waves).toHaveLength(5);
    for (let i = 2; i < waves.length; i++) expect(Math.abs(waves[i] - waves[i - 1] - 3)).toBeLessThanOrEqual(0.081);
  });

  test('maxSurge 25 %, maxUnavailable 0: peak 19-20 pods with 9 terminating, briefly (real: 19-20 (9))', () => {
    const peaks = new Set<number>();
    for (const phase of PHASES) {
      for (const seed of [1, 2, 3]) {
        const run = tableRun(SURGE_25_UNAVAILABLE_0, phase, seed);
        expect(run.peakTerminating).toBe(9);
        peaks.add(run.peakPods);
      }
    }
    expect([...peaks].sort()).toEqual([19, 20]);
  });

  test('maxSurge 25 %, maxUnavailable 0: waves every 3.00 s, the first 2.1-3.1 s after the start (real 2.1-3.0 s)', () => {
    const firsts: number[] = [];
    for (const phase of PHASES) {
      const { waves } = tableRun(SURGE_25_UNAVAILABLE_0, phase, 2);
      expect(waves).toHaveLength(4);
      firsts.push(waves[0]);
      // The whole second absorbs the latencies: each wave is 3 s after the one before, give or take
      // the difference of two reconcile latencies (at most 2 x 40 ms).
      for (let i = 1; i < waves.length; i++) expect(Math.abs(waves[i] - waves[i - 1] - 3)).toBeLessThanOrEqual(0.081);
    }
    expect(Math.min(...firsts)).toBeGreaterThan(2.05);
    expect(Math.max(...firsts)).toBeLessThan(3.15);
  });

  test('replicas 4, maxSurge 1, maxUnavailable 1, minReady 0: controllers and plan agree within 0.1 s', () => {
    const plan = planRollout({ replicas: 4, maxSurge: 1, maxUnavailable: 1, startupSeconds: 1, minReadySeconds: 0, terminatingSeconds: 6 });
    const middle = (plan.earliestCompleteAfterSeconds + plan.completeAfterSeconds) / 2;
    for (const seed of [1, 2, 3, 4, 5]) {
      const run = replayRollout(timedCluster({ replicas: 4, minReadySeconds: 0, maxSurge: 1, maxUnavailable: 1 }, { seed }), 0.37);
      expect(Math.abs(run.completeAt - middle)).toBeLessThanOrEqual(0.1);
      expect(run.peakPods).toBeLessThanOrEqual(plan.peakPods);
    }
  });
});

describe('the plan never understates what the controllers do', () => {
  // A fixed seed: the same 150 cases every run (a replay is a simulation; exploring 9,000 more
  // cases found no peak above the plan and one completion 15 ms past its range).
  test('property: peak pods and terminating pods at most the plan, completion within its range give or take one reconcile latency', () => {
    const strategy = fc.oneof(
      fc.record({ maxSurge: fc.integer({ min: 0, max: 4 }), maxUnavailable: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ maxSurge: fc.constantFrom('0%', '25%', '50%'), maxUnavailable: fc.constantFrom('0%', '25%', '50%') }),
    ).filter(s => !(String(s.maxSurge).startsWith('0') && String(s.maxUnavailable).startsWith('0')));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 12 }), strategy, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 100 }),
      fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 1000 }),
      (replicas, s, startupTenths, minReady, goneTenths, phase, seed) => {
        const readySeconds = startupTenths / 10;
        const goneSeconds = goneTenths / 10;
        const run = replayRollout(timedCluster({ replicas, minReadySeconds: minReady, ...s }, { seed, readySeconds, goneSeconds }), phase);
        const plan = planRollout({ replicas, ...s, startupSeconds: readySeconds, minReadySeconds: minReady, terminatingSeconds: goneSeconds });
        expect(run.peakPods).toBeLessThanOrEqual(plan.peakPods);
        expect(run.peakTerminating).toBeLessThanOrEqual(plan.peakTerminatingPods);
        // The duration is an expected range: an unusual interleaving of syncs can add a hop.
        expect(run.completeAt).toBeGreaterThanOrEqual(plan.earliestCompleteAfterSeconds - 0.05);
        expect(run.completeAt).toBeLessThanOrEqual(plan.completeAfterSeconds + 0.05);
      }), { numRuns: 150, seed: 20261122 });
  });
});
