import * as fc from 'fast-check';
import { parseQuantity, planRollout, resolveFenceposts } from '../src';

describe('resolveFenceposts (spec 3.2)', () => {
  test.each([
    [1, 1, 0], [2, 1, 0], [3, 1, 0], [4, 1, 1], [10, 3, 2],
  ])('defaults at %i replicas: surge %i, unavailable %i', (replicas, surge, unavailable) => {
    expect(resolveFenceposts(replicas)).toEqual({ surge, unavailable });
  });

  test('both zero becomes unavailable 1', () => {
    expect(resolveFenceposts(3, '10%', '10%')).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(3, 0, '10%')).toEqual({ surge: 0, unavailable: 1 });
  });

  test('unavailable is capped at replicas', () => {
    expect(resolveFenceposts(2, 1, 5)).toEqual({ surge: 1, unavailable: 2 });
  });

  test('throws on a malformed value', () => {
    expect(() => resolveFenceposts(2, 'x%', 0)).toThrow("'x%' is not a valid percentage; use e.g. '25%' or a whole number");
    expect(() => resolveFenceposts(2, '1.5', 0)).toThrow("'1.5' is neither a whole number nor a percentage");
  });
});

describe('planRollout', () => {
  test('10 replicas, 25 % surge, no unavailability, 20 s startup, 10 s minReady, 35 s grace', () => {
    const plan = planRollout({
      replicas: 10, maxSurge: '25%', maxUnavailable: 0, startupSeconds: 20, minReadySeconds: 10, terminatingSeconds: 35, cpuMillisPerPod: 250, memoryBytesPerPod: 2 ** 28,
    });
    expect(plan.surge).toBe(3);
    expect(plan.waves).toBe(4);
    expect(plan.peakActivePods).toBe(13);
    // Deleted pods terminate for 35 s while the next 30 s wave runs: two waves overlap.
    expect(plan.peakTerminatingPods).toBe(6);
    expect(plan.peakPods).toBe(19);
    expect(plan.peakCpuMillis).toBe(19 * 250);
    expect(plan.peakMemoryBytes).toBe(19 * 2 ** 28);
    expect(plan.completeAfterSeconds).toBe(120);
    expect(plan.lastOldPodGoneAfterSeconds).toBe(155);
  });

  test('property: peak pods never below replicas + surge, never above 2 × replicas + surge', () => {
    const int = (min: number, max: number) => fc.integer({ min, max });
    fc.assert(fc.property(int(1, 200), int(1, 100), int(0, 300), int(0, 600), (replicas, surgePct, startup, grace) => {
      const plan = planRollout({ replicas, maxSurge: `${surgePct}%`, maxUnavailable: 0, startupSeconds: startup, minReadySeconds: 0, terminatingSeconds: grace });
      expect(plan.peakPods).toBeGreaterThanOrEqual(replicas + plan.surge);
      expect(plan.peakPods).toBeLessThanOrEqual(2 * replicas + plan.surge);
      expect(plan.surge).toBeGreaterThanOrEqual(1);
      expect(plan.unavailable).toBe(0);
    }));
  });

  test('throws on a bad replica count', () => {
    expect(() => planRollout({ replicas: -1, maxSurge: 1, maxUnavailable: 0, startupSeconds: 0, minReadySeconds: 0, terminatingSeconds: 0 })).toThrow("'replicas' (-1) must be a whole number of zero or more");
  });
});

describe('parseQuantity', () => {
  test.each([
    ['500m', 0.5], ['2', 2], ['512Mi', 512 * 2 ** 20], ['1G', 1e9], ['1e3', 1000], ['1.5Gi', 1.5 * 2 ** 30],
  ])('%s', (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v);
  });

  test('throws on a bad quantity', () => {
    expect(() => parseQuantity('lots')).toThrow("'lots' is not a Kubernetes quantity; use e.g. '500m', '2', '512Mi'");
    expect(() => parseQuantity('5Q')).toThrow("'5Q' has an unknown suffix 'Q'");
  });
});
