// An autoscaler lowers spec.replicas (its stabilization window and policies decide when, not
// how, pods go): a Deployment's ReplicaSet controller picks the victims (spec 3.3), a
// StatefulSet removes its highest ordinals; nothing replaces them.

import { DrillScenario, Relative, SCENARIO_LIMIT_SECONDS, ScenarioOutcome, ScenarioSection } from './scenario';
import { ResolvedOptions } from '../options/options';
import { DrillRun } from '../run/drill-run';
import { DrillSpec } from '../workload/drill-spec';

export interface ScaleDownOutcome extends ScenarioOutcome {
  readonly from: number;
  readonly to: number;
  victims: string[];
}

export interface ScaleDownReport extends ScenarioSection {
  readonly from: number;
  readonly to: number;
  readonly victims: string[];
  /** Seconds until the last removed pod was gone. */
  readonly doneAfterSeconds?: number;
}

const f1 = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(1));

/** The replicas after the scale-down: --scale-to, else the autoscaler's minimum when below, else half. */
function targetOf(scaleTo: number | undefined, from: number, hpaMin: number | undefined): number {
  return scaleTo ?? (hpaMin !== undefined && hpaMin < from ? hpaMin : Math.max(1, Math.floor(from / 2)));
}

export const SCALE_DOWN: DrillScenario<undefined, ScaleDownOutcome, ScaleDownReport> = {
  name: 'scale-down',
  summary: 'the autoscaler lowers replicas (to --scale-to); nothing replaces the victims',
  kinds: ['Deployment', 'StatefulSet'],
  flags: [{
    name: 'scale-to',
    option: 'scaleTo',
    kind: 'number',
    arg: '<n>',
    defaultText: 'the HPA\'s minReplicas, else half',
    limit: { min: 1, max: 1e6, integer: true, fix: 'give the replicas the autoscaler leaves, e.g. 5' },
    help: 'replicas after the scale-down',
  }],
  reportKey: 'scaleDown',

  specProblems(o: ResolvedOptions, spec: DrillSpec): string[] {
    const problems: string[] = [];
    if (o.scaleTo !== undefined && o.scaleTo >= spec.replicas) {
      problems.push(`'--scale-to' (${o.scaleTo}) must be below the ${spec.kind}'s ${spec.replicas} replicas, or the autoscaler removes nothing; `
        + `e.g. --scale-to ${Math.max(1, Math.floor(spec.replicas / 2))}`);
    }
    if (spec.replicas < 2) {
      problems.push(`the scale-down scenario needs at least 2 replicas (the ${spec.kind} has ${spec.replicas}); the autoscaler keeps at least 1`);
    }
    return problems;
  },

  async run(run: DrillRun, record: (o: ScaleDownOutcome) => void): Promise<void> {
    const { workload } = run.plane;
    const from = workload.replicas;
    const to = targetOf(run.options.scaleTo, from, run.spec.autoscalerMinReplicas);
    const before = new Set(workload.deletions);
    const outcome: ScaleDownOutcome = { from, to, victims: [] };
    record(outcome);
    run.log(`autoscaler: replicas ${from} -> ${to}`);
    workload.scale!(to);
    const victims = () => workload.deletions.filter(d => !before.has(d)).flatMap(d => d.pods);
    const gone = () => {
      const names = new Set(victims());
      return names.size >= from - to && run.pods.filter(p => names.has(p.name)).every(p => p.gone);
    };
    await run.until(gone, SCENARIO_LIMIT_SECONDS);
    outcome.victims = victims();
    if (gone()) {
      outcome.doneAt = run.clock.now();
      run.log(`scale-down done: ${outcome.victims.length} pod(s) removed`);
    }
  },

  report(_run: DrillRun, o: ScaleDownOutcome, rel: Relative): ScaleDownReport {
    const doneAfterSeconds = o.doneAt === undefined ? undefined : rel(o.doneAt);
    return { from: o.from, to: o.to, victims: o.victims, doneAfterSeconds, timedOut: o.doneAt === undefined };
  },

  text(s: ScaleDownReport): string[] {
    return [`scale-down ${s.from} -> ${s.to}: removed ${s.victims.join(', ') || 'none'}; last one gone after ${f1(s.doneAfterSeconds)}s${s.timedOut ? ' (DID NOT FINISH)' : ''}`];
  },
};
