// The three ways pods die that the library promises to survive without a dropped request:
// a rolling update, a node drain through the Eviction API, and an autoscaler's scale-down.

import { DrillRun } from '../run/drill-run';
import { EvictionAttempt, NodeDrain } from '../cluster/node-drain';

/** Bound on one scenario, manifest seconds (--max-seconds bounds the whole run in real time). */
const SCENARIO_LIMIT_SECONDS = 3600;

export interface RolloutOutcome {
  readonly kind: 'rollout';
  /** When the Deployment was complete (spec 3.6). */
  readonly completeAt?: number;
  /** When the last old pod was gone. */
  readonly doneAt?: number;
}

export interface DrainOutcome {
  readonly kind: 'drain';
  readonly nodes: string[];
  readonly attempts: EvictionAttempt[];
  /** When every pod of the drained nodes was gone. */
  readonly doneAt?: number;
}

export interface ScaleDownOutcome {
  readonly kind: 'scale-down';
  readonly from: number;
  readonly to: number;
  readonly victims: string[];
  /** When the last removed pod was gone. */
  readonly doneAt?: number;
}

export type ScenarioOutcome = RolloutOutcome | DrainOutcome | ScaleDownOutcome;

/** A template change: the Deployment controller rolls the pods over (spec 3). */
export async function runRollout(run: DrillRun, record: (o: ScenarioOutcome) => void): Promise<void> {
  const { deployment } = run.plane;
  const outcome: { -readonly [K in keyof RolloutOutcome]: RolloutOutcome[K] } = { kind: 'rollout' };
  record(outcome);
  run.log('revision 2: rollout starts');
  deployment.rollout();
  await run.until(() => {
    if (outcome.completeAt === undefined && deployment.complete()) {
      outcome.completeAt = run.clock.now();
      run.log('rollout complete (old pods may still be terminating)');
    }
    return outcome.completeAt !== undefined && deployment.oldPodsGone();
  }, SCENARIO_LIMIT_SECONDS);
  if (outcome.completeAt !== undefined && deployment.oldPodsGone()) {
    outcome.doneAt = run.clock.now();
    run.log('last old pod gone');
  }
}

/** `kubectl drain` of the nodes with the most pods (spec 6.1): evictions retried while the budget refuses. */
export async function runDrain(run: DrillRun, record: (o: ScenarioOutcome) => void): Promise<void> {
  const { scheduler } = run.plane;
  const count = run.options.drainNodes ?? 1;
  const nodes = [...scheduler.nodes]
    .sort((a, b) => scheduler.podsOn(b.name).length - scheduler.podsOn(a.name).length)
    .slice(0, count).map(n => n.name);
  const drain = new NodeDrain(run.clock, scheduler, run.plane.eviction, run.log);
  const outcome: { -readonly [K in keyof DrainOutcome]: DrainOutcome[K] } = { kind: 'drain', nodes, attempts: drain.attempts };
  record(outcome);
  run.onStop(() => drain.stop());
  void drain.drain(nodes);
  await run.until(() => drain.finishedAt !== undefined, SCENARIO_LIMIT_SECONDS);
  outcome.doneAt = drain.finishedAt;
  if (outcome.doneAt !== undefined) {
    run.log(`drain done: ${drain.evicted} evicted, ${drain.refused} eviction(s) refused by the PodDisruptionBudget`);
  }
}

/** A HorizontalPodAutoscaler lowers spec.replicas: the ReplicaSet controller picks the victims (spec 3.3); nothing replaces them. */
export async function runScaleDown(run: DrillRun, record: (o: ScenarioOutcome) => void): Promise<void> {
  const { deployment, replicaSetController } = run.plane;
  const from = deployment.replicas;
  const hpaMin = run.spec.autoscalerMinReplicas;
  const to = run.options.scaleTo ?? (hpaMin !== undefined && hpaMin < from ? hpaMin : Math.max(1, Math.floor(from / 2)));
  const before = new Set(replicaSetController.deletions);
  const outcome: { -readonly [K in keyof ScaleDownOutcome]: ScaleDownOutcome[K] } = { kind: 'scale-down', from, to, victims: [] };
  record(outcome);
  run.log(`autoscaler: replicas ${from} -> ${to}`);
  deployment.scale(to);
  const victims = () => replicaSetController.deletions.filter(d => !before.has(d)).flatMap(d => d.pods);
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
}
