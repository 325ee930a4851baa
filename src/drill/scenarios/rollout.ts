// A template change rolls the pods over, as the workload's controller does it: a Deployment's
// RollingUpdate or Recreate (spec 3), a StatefulSet's ordered update from the highest ordinal
// down to its partition (semantics 7.2), a DaemonSet's surge or replace on each node (7.3).

import { DrillScenario, Relative, SCENARIO_LIMIT_SECONDS, ScenarioOutcome, ScenarioSection } from './scenario';
import { DrillRun } from '../run/drill-run';
import { DrillSpec } from '../workload/drill-spec';

export interface RolloutOutcome extends ScenarioOutcome {
  /** When the rollout was complete (spec 3.6). */
  completeAt?: number;
}

export interface RolloutReport extends ScenarioSection {
  /** How the controller replaces pods: `RollingUpdate surge 1 / unavailable 0`, `partition 1, one pod at a time`. */
  readonly how: string;
  /** Seconds from the rollout start until it was complete (spec 3.6). */
  readonly completeAfterSeconds?: number;
  /** Seconds from the rollout start until the last old pod exited: the rollout's wall time. */
  readonly lastOldPodGoneAfterSeconds?: number;
  readonly peakPods: number;
  readonly peakTerminating: number;
  /** Old pods deleted by each sync of the controller, seconds from the start. */
  readonly waves: Array<{ at: number; pods: number }>;
}

const f1 = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(1));

/** How each kind's controller replaces pods, in words. */
export function rolloutHow(spec: DrillSpec): string {
  switch (spec.kind) {
    case 'StatefulSet': {
      const atOnce = spec.unavailable === 1 ? 'one pod at a time' : `${spec.unavailable} pods at a time`;
      const ignored = !spec.maxUnavailableHonoured && spec.maxUnavailable !== 1
        ? ` (maxUnavailable ${spec.maxUnavailable} ignored: feature gate MaxUnavailableStatefulSet off; pass --feature-gate MaxUnavailableStatefulSet)` : '';
      return `StatefulSet ${spec.strategy}, ${spec.podManagementPolicy}, from the highest ordinal down to partition ${spec.partition ?? 0}, ${atOnce}${ignored}`;
    }
    case 'DaemonSet':
      return spec.surge > 0 ? `DaemonSet ${spec.strategy}: surge (${spec.surge} node(s) at once: the new pod starts next to the old one)`
        : `DaemonSet ${spec.strategy}: replace (${spec.unavailable} node(s) at once: the old pod goes first, the new one starts once it is gone)`;
    default:
      return spec.strategy === 'Recreate' ? 'Deployment Recreate' : `Deployment RollingUpdate surge ${spec.surge} / unavailable ${spec.unavailable}`;
  }
}

export const ROLLOUT: DrillScenario<undefined, RolloutOutcome, RolloutReport> = {
  name: 'rollout',
  summary: 'a template change: the workload\'s controller rolls its pods over (default); a Deployment\'s RollingUpdate, '
    + 'a StatefulSet\'s ordered update, a DaemonSet\'s surge or replace',
  kinds: ['Deployment', 'StatefulSet', 'DaemonSet'],
  flags: [],
  reportKey: 'rollout',

  async run(run: DrillRun, record: (o: RolloutOutcome) => void): Promise<void> {
    const { workload } = run.plane;
    const outcome: RolloutOutcome = {};
    record(outcome);
    run.log(`revision 2: rollout starts (${rolloutHow(run.spec)})`);
    workload.rollout();
    await run.until(() => {
      if (outcome.completeAt === undefined && workload.complete()) {
        outcome.completeAt = run.clock.now();
        run.log('rollout complete (old pods may still be terminating)');
      }
      return outcome.completeAt !== undefined && workload.oldPodsGone();
    }, SCENARIO_LIMIT_SECONDS);
    if (outcome.completeAt !== undefined && workload.oldPodsGone()) {
      outcome.doneAt = run.clock.now();
      run.log('last old pod gone');
    }
  },

  report(run: DrillRun, o: RolloutOutcome, rel: Relative): RolloutReport {
    const { workload } = run.plane;
    return {
      how: rolloutHow(run.spec),
      completeAfterSeconds: o.completeAt === undefined ? undefined : rel(o.completeAt),
      lastOldPodGoneAfterSeconds: o.doneAt === undefined ? undefined : rel(o.doneAt),
      peakPods: run.plane.peakPods,
      peakTerminating: run.plane.peakTerminating,
      waves: workload.deletions.filter(d => d.revision < workload.revision).map(d => ({ at: rel(d.at), pods: d.pods.length })),
      timedOut: o.doneAt === undefined,
    };
  },

  text(ro: RolloutReport): string[] {
    return [
      `rollout (${ro.how}): complete after ${f1(ro.completeAfterSeconds)}s, last old pod gone after ${f1(ro.lastOldPodGoneAfterSeconds)}s`
        + `${ro.timedOut ? ' (DID NOT FINISH)' : ''}; peak pods ${ro.peakPods} (of which terminating ${ro.peakTerminating})`,
      `  waves (old pods deleted): ${ro.waves.map(w => `${w.pods} at ${w.at.toFixed(2)}s`).join(', ') || 'none'}`,
    ];
  },
};
