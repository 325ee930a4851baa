// The drill: replays what Kubernetes does with a synthesized workload when its pods go (a
// rollout, a node drain, an autoscaler's scale-down, a rainbow release change), with the user's
// app as local processes and real HTTP traffic through the Service's data plane, and reports
// every failed request. docs/drill.md lists each rule it replays and its source.

import { defaultsOf, Flag, flagProblems } from './options/flags';
import { crossProblems, DrillOptions, GENERAL_FLAGS, resolveOptions, Scenario } from './options/options';
import { DrillProgress } from './report/progress';
import { buildReport, DrillReport } from './report/report';
import { DrillRun, Interrupted } from './run/drill-run';
import { SCENARIO_REGISTRY, scenarioNamed } from './scenarios/registry';
import { ScenarioOutcome } from './scenarios/scenario';
import { KubeObject } from '../manifest/kube-object';

export { DrillOptions, Scenario, DataPlaneKind, ProxyRetries, EntrypointMode } from './options/options';
export {
  DrillReport, DrillFailure, FailureClass, Phase, PodReport, CrashReport, RolloutReport, DrainReport, ScaleDownReport, RateReport, EntrypointReport,
  SecondReport,
} from './report/report';
export { LongLivedOptions, LongLivedKind, LONG_LIVED_KINDS } from './traffic/long-lived';
export { LongLivedReport, LongLivedCut, LongLivedSpan } from './report/long-lived-report';
export { RainbowReport } from './scenarios/rainbow';
export { formatDrillReport } from './report/report-text';
export { drillReportHtml, DrillPictureRun } from './report/report-html';
export { DrillProgress, formatProgress } from './report/progress';
export { ManifestProblems, ManifestProblem, formatManifestProblems } from './workload/manifest-problems';
export { Flag } from './options/flags';

/** The scenarios' names, in `--help` order. */
export const SCENARIOS = SCENARIO_REGISTRY.map(s => s.name) as Scenario[];

/** Every flag of `graceful-drill`: the general ones, then each scenario's. */
export const DRILL_FLAGS: readonly Flag[] = [
  ...GENERAL_FLAGS.map(f => (f.name === 'scenario' ? { ...f, choices: SCENARIOS, example: '--scenario drain' } : f)),
  ...SCENARIO_REGISTRY.flatMap(s => s.flags),
];

/** The defaults, from the flags. */
export const DRILL_DEFAULTS = defaultsOf(DRILL_FLAGS) as Required<Pick<DrillOptions,
'portEnv' | 'scenario' | 'timeScale' | 'lag' | 'seed' | 'reconcileLatency' | 'rate' | 'connections' | 'requestsPerConnection' | 'maxRequests'
| 'maxSeconds' | 'timeoutMs' | 'path' | 'warmupSeconds' | 'settleSeconds' | 'startTimeoutSeconds' | 'restartBackoffSeconds' | 'nodes' | 'drainNodes'
| 'replicaLimit' | 'dataPlane' | 'proxyRetries' | 'postShare' | 'entrypoint' | 'shell'>>;

/** Every problem with the options, before the manifest is read; empty when they are fine. */
export function drillOptionProblems(options: DrillOptions): string[] {
  const problems = [...flagProblems(DRILL_FLAGS, options), ...crossProblems(options)];
  const scenario = scenarioNamed(options.scenario ?? DRILL_DEFAULTS.scenario);
  if (scenario?.optionProblems && problems.length === 0) problems.push(...scenario.optionProblems(resolveOptions(options)));
  return problems;
}

/** How often a running drill reports its numbers to `options.progress`, real milliseconds. */
const PROGRESS_INTERVAL_MS = 250;

/** Reports the run's numbers to `report` at each phase and every PROGRESS_INTERVAL_MS; nothing without `report`. */
function progressReporter(run: DrillRun, report: ((p: DrillProgress) => void) | undefined): { phase(name: string): void; stop(): void } {
  if (!report) return { phase: () => undefined, stop: () => undefined };
  const started = Date.now();
  let phase = 'starting';
  const emit = () => {
    const pods = run.pods;
    const records = run.load?.records ?? [];
    report({
      phase,
      seconds: (Date.now() - started) / 1000,
      running: pods.filter(p => p.running && !p.terminating && !p.gone).length,
      ready: pods.filter(p => p.ready && !p.terminating && !p.gone).length,
      terminating: pods.filter(p => p.terminating && !p.gone).length,
      requests: records.length,
      failures: records.filter(r => r.doneAt !== undefined && (r.error !== undefined || (r.status ?? 0) >= 500)).length,
    });
  };
  const timer = setInterval(emit, PROGRESS_INTERVAL_MS);
  timer.unref();
  return {
    phase: name => {
      phase = name;
      emit();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Runs a drill on manifest objects. Throws on a setup error (bad options, no workload, fields
 * the API server would reject, an app that exits or never listens). When stopped early
 * (`options.signal`, `maxSeconds`, an app that crash-loops) it returns what was measured until
 * then, with `stopped` saying why. Every process it started is gone when it returns.
 */
export async function runDrill(objects: KubeObject[], options: DrillOptions): Promise<DrillReport> {
  const problems = drillOptionProblems(options);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const scenario = scenarioNamed(options.scenario ?? DRILL_DEFAULTS.scenario)!;
  const prepared = scenario.prepare?.(objects, options) ?? { objects, options, context: undefined };
  const resolved = resolveOptions(prepared.options);
  const run = new DrillRun(prepared.objects, resolved, prepared.release);
  const kindProblems = scenario.kinds.includes(run.spec.kind) ? []
    : [`'--scenario ${scenario.name}' drills a ${scenario.kinds.join(' or a ')}; ${run.spec.kind} '${run.spec.name}' is none of them`];
  const specProblems = [...kindProblems, ...(scenario.specProblems?.(resolved, run.spec) ?? [])];
  if (specProblems.length > 0) {
    await run.close();
    throw new Error(specProblems.join('\n'));
  }
  // The hard bound: stop a second before it (at the latest halfway), so the teardown and the
  // report fit inside it.
  const maxSeconds = resolved.maxSeconds;
  const bound = setTimeout(() => run.stop(`--max-seconds ${maxSeconds} reached`), Math.max(maxSeconds / 2, maxSeconds - 1) * 1000);
  const onAbort = () => run.stop(String(options.signal?.reason ?? 'interrupted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort);
  let outcome: ScenarioOutcome | undefined;
  const progress = progressReporter(run, options.progress);
  try {
    progress.phase('starting');
    await run.start();
    run.beginScenario();
    progress.phase(scenario.name);
    await scenario.run(run, (o: ScenarioOutcome) => { outcome = o; }, prepared.context);
    progress.phase('settling');
    await run.finish();
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
  } finally {
    progress.phase('stopping');
    progress.stop();
    clearTimeout(bound);
    options.signal?.removeEventListener('abort', onAbort);
    await run.close();
  }
  return buildReport(run, outcome);
}
