// What a scenario is: what happens to the pods once the load runs. Each scenario is one file
// that owns its flags, the checks of its options, the run, its section of the report and the
// lines that print it; registry.ts lists them. A new scenario touches its file and the registry.

import { KubeObject } from '../../manifest/kube-object';
import { WorkloadKind } from '../cluster/workload-controller';
import { Flag } from '../options/flags';
import { DrillOptions, ResolvedOptions } from '../options/options';
import { DrillRun } from '../run/drill-run';
import { DrillSpec } from '../workload/drill-spec';

/** Bound on one scenario, manifest seconds (--max-seconds bounds the whole run in real time). */
export const SCENARIO_LIMIT_SECONDS = 3600;

/** What every scenario's outcome says. */
export interface ScenarioOutcome {
  /** When the scenario's last pod was gone; undefined when it did not finish. */
  doneAt?: number;
}

/** A section of the report: every one says whether its scenario finished. */
export interface ScenarioSection {
  readonly timedOut: boolean;
}

/** Where the run starts from: the manifest's objects and the options the run gets. */
export interface Prepared<C> {
  readonly objects: KubeObject[];
  readonly options: DrillOptions;
  /** What the scenario learned from the manifest, handed to `run`. */
  readonly context: C;
  /** The release name of the workload's pods, when it is one release of several. */
  readonly release?: string;
}

/** Turns a time of the drill clock into seconds from the scenario's start. */
export type Relative = (t: number) => number;

export interface DrillScenario<C = undefined, O extends ScenarioOutcome = ScenarioOutcome, S extends ScenarioSection = ScenarioSection> {
  /** `--scenario <name>`. */
  readonly name: string;
  /** What happens after the warm-up, for `--help` (one line). */
  readonly summary: string;
  /** The workload kinds it drills. */
  readonly kinds: readonly WorkloadKind[];
  /** Its own flags (`--drain-nodes`). */
  readonly flags: readonly Flag[];
  /** The key of its section in the report (`scaleDown`). */
  readonly reportKey: string;
  /** Problems of the options, before the manifest is read. */
  optionProblems?(o: ResolvedOptions): string[];
  /** Problems once the workload is read. */
  specProblems?(o: ResolvedOptions, spec: DrillSpec): string[];
  /** The objects and options the run starts from (a rainbow change starts from one release). */
  prepare?(objects: KubeObject[], o: DrillOptions): Prepared<C>;
  /** Runs the scenario; `record` receives its outcome at once and it is filled in as things happen. */
  run(run: DrillRun, record: (o: O) => void, context: C): Promise<void>;
  /** Its section of the report; `rel` gives seconds from the scenario's start. */
  report(run: DrillRun, outcome: O, rel: Relative): S;
  /** Its lines of the text report. */
  text(section: S): string[];
}
