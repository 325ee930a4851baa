import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { computeShutdownBudget, graceShortfallSeconds, killTimeline, preStopChargedSeconds } from '../src/timing';

describe('computeShutdownBudget', () => {
  test('defaults: preStop 15 s, drain 15 s, margin 5 s, grace 35 s', () => {
    expect(computeShutdownBudget()).toEqual({
      preStopSeconds: 15,
      drainSeconds: 15,
      safetyMarginSeconds: 5,
      terminationGracePeriodSeconds: 35,
      sigtermAtSeconds: 15,
      sigkillAtSeconds: 35,
    });
  });

  test('grace is preStop + drain + margin, each rounded up to whole seconds', () => {
    const budget = computeShutdownBudget({
      preStopDelay: Duration.millis(4500),
      drainTimeout: Duration.minutes(2),
      safetyMargin: Duration.millis(1),
    });
    expect(budget.preStopSeconds).toBe(5);
    expect(budget.drainSeconds).toBe(120);
    expect(budget.safetyMarginSeconds).toBe(1);
    expect(budget.terminationGracePeriodSeconds).toBe(126);
  });

  test('an explicit grace that covers preStop + drain is kept', () => {
    expect(computeShutdownBudget({}, Duration.seconds(90)).terminationGracePeriodSeconds).toBe(90);
  });

  test('throws if an explicit grace is below preStop + drain, with the numbers and the fix', () => {
    expect(() => computeShutdownBudget({ drainTimeout: Duration.seconds(30) }, Duration.seconds(20))).toThrow(
      "'terminationGracePeriod' (20s) must be at least preStop (15s) + drain (30s) = 45s, or SIGKILL cuts the drain short; "
      + "raise it to at least 50s, shorten 'shutdown.drainTimeout', or omit 'terminationGracePeriod' to derive it");
  });

  test('property: derived grace always exceeds preStop + drain when the margin is positive', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3600 }), fc.integer({ min: 0, max: 3600 }), fc.integer({ min: 1, max: 60 }), (p, d, m) => {
      const b = computeShutdownBudget({ preStopDelay: Duration.seconds(p), drainTimeout: Duration.seconds(d), safetyMargin: Duration.seconds(m) });
      expect(b.terminationGracePeriodSeconds).toBeGreaterThan(b.preStopSeconds + b.drainSeconds);
      expect(b.sigkillAtSeconds - b.sigtermAtSeconds).toBeGreaterThanOrEqual(b.drainSeconds);
    }));
  });

  test('property: an explicit grace is accepted exactly when it covers preStop + drain', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 1500 }), (p, d, g) => {
      const build = () => computeShutdownBudget({ preStopDelay: Duration.seconds(p), drainTimeout: Duration.seconds(d) }, Duration.seconds(g));
      if (g >= p + d) {
        expect(build().terminationGracePeriodSeconds).toBe(g);
      } else {
        expect(build).toThrow(/must be at least preStop/);
      }
    }));
  });
});

describe('kubelet kill sequence (spec 1.4, 1.5)', () => {
  test('a preStop is charged in whole seconds, truncated', () => {
    expect(preStopChargedSeconds(5.9)).toBe(5);
  });

  test('SIGTERM after the hook, SIGKILL at the grace', () => {
    expect(killTimeline(35, 15)).toEqual({ sigtermAt: 15, sigkillAt: 35 });
  });

  test('a 5.9 s hook costs 5 s, so SIGKILL comes 0.9 s after the grace', () => {
    expect(killTimeline(30, 5.9)).toEqual({ sigtermAt: 5.9, sigkillAt: 30.9 });
  });

  test('a hook that overruns the grace gets the one-time 2 s extension', () => {
    expect(killTimeline(30, 45)).toEqual({ sigtermAt: 30, sigkillAt: 32 });
  });

  test('a failed hook (0 s, spec 1.6) sends SIGTERM at once with the full grace', () => {
    expect(killTimeline(30, 0)).toEqual({ sigtermAt: 0, sigkillAt: 30 });
  });

  test('grace shortfall', () => {
    expect(graceShortfallSeconds(30, 15, 15)).toBe(0);
    expect(graceShortfallSeconds(20, 15, 15)).toBe(10);
  });
});
