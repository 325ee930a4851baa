// The drill: replays what Kubernetes does with a synthesized Deployment when its pods go
// (a rolling update, a node drain, an autoscaler's scale-down), with the user's app as local
// processes and real HTTP traffic through a lagged proxy, and reports every failed request.
// docs/drill.md lists each rule it replays and its source.

import { DrillRun, Interrupted } from './drill-run';
import { DRILL_DEFAULTS, DrillOptions } from './options';
import { buildReport, DrillReport } from './report';
import { runDrain, runRollout, runScaleDown, ScenarioOutcome } from './scenarios';
import { KubeObject } from '../manifest/kube-object';

export { DrillOptions, Scenario, SCENARIOS, DRILL_DEFAULTS } from './options';
export { DrillReport, DrillFailure, FailureClass, Phase, PodReport, CrashReport, RolloutReport, DrainReport, ScaleDownReport } from './report';
export { formatDrillReport } from './report-text';

const SCENARIO_RUNNERS = { 'rollout': runRollout, 'drain': runDrain, 'scale-down': runScaleDown };

/**
 * Runs a drill on manifest objects. Throws on a setup error (bad options, no Deployment, an
 * app that exits or never listens). When stopped early (`options.signal`, `maxSeconds`) it
 * returns what was measured until then, with `stopped` saying why. Every process it started
 * is gone when it returns.
 */
export async function runDrill(objects: KubeObject[], options: DrillOptions): Promise<DrillReport> {
  const run = new DrillRun(objects, options);
  // The hard bound: stop a second before it (at the latest halfway), so the teardown and the
  // report fit inside it.
  const maxSeconds = options.maxSeconds ?? DRILL_DEFAULTS.maxSeconds;
  const bound = setTimeout(() => run.stop(`--max-seconds ${maxSeconds} reached`), Math.max(maxSeconds / 2, maxSeconds - 1) * 1000);
  const onAbort = () => run.stop(String(options.signal?.reason ?? 'interrupted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  let outcome: ScenarioOutcome | undefined;
  try {
    await run.start();
    run.beginScenario();
    await SCENARIO_RUNNERS[options.scenario ?? 'rollout'](run, o => { outcome = o; });
    await run.finish();
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
  } finally {
    clearTimeout(bound);
    options.signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
  return buildReport(run, outcome);
}
