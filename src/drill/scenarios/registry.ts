// Every scenario of the drill, in `--help` order. A scenario is one file; adding one adds it here.

import { DRAIN } from './drain';
import { RAINBOW } from './rainbow';
import { ROLLOUT } from './rollout';
import { SCALE_DOWN } from './scale-down';
import { DrillScenario } from './scenario';

/** The scenarios, by `--scenario` name; each has its own outcome, context and section types. */
export const SCENARIO_REGISTRY: ReadonlyArray<DrillScenario<any, any, any>> = [ROLLOUT, DRAIN, SCALE_DOWN, RAINBOW];

/** The scenario of a name; undefined for an unknown one (the options' checks name it). */
export function scenarioNamed(name: string): DrillScenario<any, any, any> | undefined {
  return SCENARIO_REGISTRY.find(s => s.name === name);
}
