// The one list of rules. Ids, severities, titles, rationales, fixes and timeline phases live
// with each rule (rules/<area>.ts); the CLI help, the docs/rules.md table, the timeline and the
// cdk8s plugin all read them from here.

import { Rule, RuleInfo } from './rule';
import { DISRUPTION_RULES } from './rules/disruption';
import { MANIFEST_RULES } from './rules/manifest';
import { PRE_STOP_RULES } from './rules/prestop';
import { PROBE_RULES } from './rules/probes';
import { RAINBOW_RULES } from './rules/rainbow';
import { REFERENCE_RULES } from './rules/references';
import { ROLLOUT_RULES } from './rules/rollout';
import { SERVICE_RULES } from './rules/service';
import { SIDECAR_RULES } from './rules/sidecars';
import { SIGNAL_RULES } from './rules/signals';
import { TRAFFIC_RULES } from './rules/traffic';

function byId(rules: Rule[]): Rule[] {
  const sorted = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].id === sorted[i - 1].id) {
      throw new Error(`rule id ${sorted[i].id} is defined twice`);
    }
  }
  return sorted;
}

/**
 * The rule pack, in id order. Ids are stable; a retired rule keeps its id reserved.
 *
 * @internal
 */
export const RULES: Rule[] = byId([
  ...MANIFEST_RULES, ...PROBE_RULES, ...PRE_STOP_RULES, ...ROLLOUT_RULES, ...DISRUPTION_RULES, ...SERVICE_RULES, ...TRAFFIC_RULES, ...RAINBOW_RULES,
  ...SIDECAR_RULES, ...SIGNAL_RULES, ...REFERENCE_RULES,
]);

/** Rules by id. @internal */
export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map(r => [r.id, r]));

/** Kinds some rule looks at. @internal */
export const CHECKED_KINDS: ReadonlySet<string> = new Set(RULES.flatMap(r => r.kinds));

/** The documented rules, in id order. */
export function ruleInfos(): RuleInfo[] {
  return RULES.map(({ id, severity, title, rationale, fix, phase, area, kinds }) => (
    { id, severity, title, rationale, fix, phase, area, kinds: [...kinds] }
  ));
}
