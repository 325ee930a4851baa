// The drill: replays what Kubernetes does with a synthesized Deployment when its pods go
// (a rolling update, a node drain, an autoscaler's scale-down), with the user's app as local
// processes and real HTTP traffic through a lagged proxy, and reports every failed request.
// docs/drill.md lists each rule it replays and its source.

import { DrillRun, Interrupted } from './run/drill-run';
import { DRILL_DEFAULTS, DrillOptions } from './options/options';
import { RainbowOutcome, runRainbow } from './scenarios/rainbow';
import { rainbowSpecOf } from './spec/rainbow-spec';
import { buildReport, DrillReport } from './report/report';
import { runDrain, runRollout, runScaleDown, ScenarioOutcome } from './scenarios/disruptions';
import { KubeObject } from '../manifest/kube-object';

export { DrillOptions, Scenario, SCENARIOS, DRILL_DEFAULTS } from './options/options';
export { DrillReport, DrillFailure, FailureClass, Phase, PodReport, CrashReport, RolloutReport, DrainReport, ScaleDownReport } from './report/report';
export { LongLivedOptions, LongLivedKind, LONG_LIVED_KINDS } from './traffic/long-lived';
export { LongLivedReport, LongLivedCut } from './report/long-lived-report';
export { RainbowReport } from './scenarios/rainbow-report';
export { formatDrillReport } from './report/report-text';

const SCENARIO_RUNNERS = { 'rollout': runRollout, 'drain': runDrain, 'scale-down': runScaleDown };

/**
 * Runs a drill on manifest objects. Throws on a setup error (bad options, no Deployment, an
 * app that exits or never listens). When stopped early (`options.signal`, `maxSeconds`) it
 * returns what was measured until then, with `stopped` saying why. Every process it started
 * is gone when it returns.
 */
export async function runDrill(objects: KubeObject[], options: DrillOptions): Promise<DrillReport> {
  // The rainbow scenario drills the release the Service selects first; the other joins later.
  const rainbow = options.scenario === 'rainbow' ? rainbowSpecOf(objects, options.deployment) : undefined;
  const run = new DrillRun(rainbow?.objects ?? objects, rainbow
    ? { ...options, deployment: rainbow.from.deployment, env: { RELEASE: rainbow.from.release, ...options.env } }
    : options);
  if (rainbow) run.primaryRelease = rainbow.from.release;
  // The hard bound: stop a second before it (at the latest halfway), so the teardown and the
  // report fit inside it.
  const maxSeconds = options.maxSeconds ?? DRILL_DEFAULTS.maxSeconds;
  const bound = setTimeout(() => run.stop(`--max-seconds ${maxSeconds} reached`), Math.max(maxSeconds / 2, maxSeconds - 1) * 1000);
  const onAbort = () => run.stop(String(options.signal?.reason ?? 'interrupted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  let outcome: ScenarioOutcome | RainbowOutcome | undefined;
  try {
    await run.start();
    run.beginScenario();
    const record = (o: ScenarioOutcome | RainbowOutcome) => { outcome = o; };
    if (rainbow) await runRainbow(run, rainbow, record);
    else await SCENARIO_RUNNERS[(options.scenario ?? 'rollout') as keyof typeof SCENARIO_RUNNERS](run, record);
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
