// `kubectl drain` of the nodes with the most pods (spec 6.1): cordon them, evict every pod on
// them through the Eviction API, each retried every 5 s while the PodDisruptionBudget answers
// 429, and wait until the pods are gone; the controller replaces each evicted pod elsewhere.

import { DrillScenario, Relative, SCENARIO_LIMIT_SECONDS, ScenarioOutcome, ScenarioSection } from './scenario';
import { EvictionAttempt, NodeDrain } from '../cluster/node-drain';
import { limitProblem } from '../options/flags';
import { ResolvedOptions } from '../options/options';
import { DrillRun } from '../run/drill-run';

export interface DrainOutcome extends ScenarioOutcome {
  readonly nodes: string[];
  readonly attempts: EvictionAttempt[];
}

export interface DrainReport extends ScenarioSection {
  readonly nodes: string[];
  readonly podsEvicted: number;
  /** Evictions answered 429 because the PodDisruptionBudget allowed no disruption (spec 6.1). */
  readonly evictionsRefused: number;
  /** Evictions answered 500 (several budgets select the pod). */
  readonly evictionErrors: number;
  /** Seconds from the drain's start until every pod of the drained nodes was gone. */
  readonly drainSeconds?: number;
  readonly attempts: EvictionAttempt[];
  readonly peakPods: number;
  readonly peakTerminating: number;
}

const DRAIN_NODES_DEFAULT = 1;
const f1 = (s: number | undefined) => (s === undefined ? '-' : s.toFixed(1));

export const DRAIN: DrillScenario<undefined, DrainOutcome, DrainReport> = {
  name: 'drain',
  summary: 'kubectl drain of the node(s) with the most pods: evictions through the PodDisruptionBudget, retried every 5 s on 429; '
    + 'the controller replaces them (kubectl drain leaves a DaemonSet\'s pods where they are)',
  kinds: ['Deployment', 'StatefulSet'],
  flags: [{
    name: 'drain-nodes',
    option: 'drainNodes',
    kind: 'number',
    arg: '<n>',
    default: DRAIN_NODES_DEFAULT,
    help: 'nodes drained by the drain scenario',
  }],
  reportKey: 'drain',

  optionProblems(o: ResolvedOptions): string[] {
    const problems: string[] = [];
    if (o.nodes < 2) {
      problems.push(`'--nodes' (${o.nodes}) must be at least 2 for the drain scenario, so the evicted pods have somewhere to go; e.g. --nodes 3`);
    }
    const drainNodes = limitProblem('drain-nodes', o.drainNodes ?? DRAIN_NODES_DEFAULT, {
      min: 1, max: Math.max(1, o.nodes - 1), integer: true, fix: `drain fewer nodes than there are (--nodes ${o.nodes}), so the evicted pods have somewhere to go`,
    });
    if (drainNodes) problems.push(drainNodes);
    return problems;
  },

  async run(run: DrillRun, record: (o: DrainOutcome) => void): Promise<void> {
    const { scheduler } = run.plane;
    const nodes = [...scheduler.nodes]
      .sort((a, b) => scheduler.podsOn(b.name).length - scheduler.podsOn(a.name).length)
      .slice(0, run.options.drainNodes ?? DRAIN_NODES_DEFAULT).map(n => n.name);
    const drain = new NodeDrain(run.clock, scheduler, run.plane.eviction, run.log);
    const outcome: DrainOutcome = { nodes, attempts: drain.attempts };
    record(outcome);
    run.onStop(() => drain.stop());
    void drain.drain(nodes);
    await run.until(() => drain.finishedAt !== undefined, SCENARIO_LIMIT_SECONDS);
    outcome.doneAt = drain.finishedAt;
    if (outcome.doneAt !== undefined) {
      run.log(`drain done: ${drain.evicted} evicted, ${drain.refused} eviction(s) refused by the PodDisruptionBudget`);
    }
  },

  report(run: DrillRun, o: DrainOutcome, rel: Relative): DrainReport {
    return {
      nodes: o.nodes,
      podsEvicted: o.attempts.filter(a => a.code === 200).length,
      evictionsRefused: o.attempts.filter(a => a.code === 429).length,
      evictionErrors: o.attempts.filter(a => a.code === 500).length,
      drainSeconds: o.doneAt === undefined ? undefined : rel(o.doneAt),
      attempts: o.attempts.map(a => ({ ...a, at: rel(a.at) })),
      peakPods: run.plane.peakPods,
      peakTerminating: run.plane.peakTerminating,
      timedOut: o.doneAt === undefined,
    };
  },

  text(d: DrainReport): string[] {
    return [`drain of ${d.nodes.join(', ')}: ${d.podsEvicted} pod(s) evicted, ${d.evictionsRefused} eviction(s) refused by the PodDisruptionBudget (429, retried every 5s)`
      + `${d.evictionErrors ? `, ${d.evictionErrors} error(s) (500)` : ''}; drain took ${f1(d.drainSeconds)}s${d.timedOut ? ' (DID NOT FINISH)' : ''}; `
      + `peak pods ${d.peakPods} (of which terminating ${d.peakTerminating})`];
  },
};
