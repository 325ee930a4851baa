// Which rules of the GS pack a graceful workload runs on its own objects at synth: only those its
// own props can break. The construct renders the rest correctly from its defaults (a PDB with
// AlwaysAllow, 2 replicas, surge 25 % / unavailable 0, spread, no replicas under an HPA), so
// checking them again on every workload costs synth time and finds nothing. The full pack still
// runs where the input is not ours: `GracefulChecks` (which reports what a workload's own
// validation left out) and the `graceful-check` CLI.
//
// Listed here are the exceptions; every other rule, and any rule added to the pack later, runs.

import { CheckOptions } from './checks/engine';

/** The inputs of a graceful workload that can break a rule when given. */
export interface SynthInputs {
  /** `strategy`, `allowCapacityDrop`, `maxUnavailable`: the rollout. */
  readonly strategy: boolean;
  /** `replicas` or `autoscaling`: the replica counts. */
  readonly replicas: boolean;
  /** `podDisruptionBudget` or `disruptionBudget`. */
  readonly disruptionBudget: boolean;
  /** `spreadAcrossNodes` or `topologySpread`. */
  readonly spread: boolean;
  /** Traffic paths and objects in front (GracefulService, Ingress, BackendConfig), known at synth. */
  readonly frontends: boolean;
}

/** Rules that run only when one of these inputs is given: with the construct's defaults they hold. */
const CONDITIONAL: Record<string, ReadonlyArray<keyof SynthInputs>> = {
  // maxUnavailable > 0 or Recreate; maxSurge 0: the default is surge 25 %, unavailable 0.
  GS007: ['strategy'],
  GS008: ['strategy'],
  // Fewer than 2 replicas: the default is 2 (3 for a StatefulSet).
  GS009: ['replicas'],
  // No PDB; a PDB that blocks every eviction, or every one at the autoscaler's minimum: the default is maxUnavailable 1.
  GS011: ['disruptionBudget'],
  GS012: ['disruptionBudget', 'replicas'],
  GS013: ['disruptionBudget', 'replicas'],
  // Replicas not spread: spread across nodes and zones is the default.
  GS014: ['spread', 'replicas'],
  // What the load balancers and ingress controllers in front need: nothing in front, nothing to judge.
  GS025: ['frontends'],
  GS026: ['frontends'],
  GS027: ['frontends'],
  GS031: ['frontends'],
};

/** Rules that cannot fire on a workload's own objects (its workload, PDB, HPA and what is in front). */
const NEVER = [
  // spec.replicas under an autoscaler: the construct omits replicas when it creates the HPA.
  'GS010',
  // A PDB without AlwaysAllow: the construct's PDB always has it.
  'GS018',
  // Several PDBs on the same pods: a workload's own objects hold one.
  'GS022',
  // A bare Pod behind a Service: a workload's own objects hold none.
  'GS032',
];

/** The options for each combination of inputs, made once: every workload asks at every synth. */
const optionsByInputs = new Map<string, CheckOptions>();

/** The check options of a workload's own validation at synth: the rules its given inputs can break. */
export function synthCheckOptions(inputs: SynthInputs): CheckOptions {
  const key = `${+inputs.strategy}${+inputs.replicas}${+inputs.disruptionBudget}${+inputs.spread}${+inputs.frontends}`;
  let options = optionsByInputs.get(key);
  if (!options) {
    const off = Object.entries(CONDITIONAL).filter(([, on]) => !on.some(input => inputs[input])).map(([id]) => id);
    options = Object.freeze({ disabledRules: Object.freeze([...NEVER, ...off].sort()) as string[] });
    optionsByInputs.set(key, options);
  }
  return options;
}

/** Whether the options leave every rule that reads PodDisruptionBudgets off: then the workload's PDB need not be checked. */
export function readsDisruptionBudgets(options: CheckOptions): boolean {
  return !['GS011', 'GS012', 'GS013'].every(id => options.disabledRules?.includes(id));
}
