// Suppressions: a rule switched off for one object, with a reason (cdk-nag style). They
// live in an annotation on the object, so the YAML carries them to the CLI and the cdk8s plugin.

import { ApiObject } from 'cdk8s';
import { RULES_BY_ID } from './registry';
import { KubeObject, SUPPRESS_ANNOTATION } from '../manifest/kube-object';

/** Shortest reason a suppression may carry, as cdk-nag requires. */
export const MIN_SUPPRESSION_REASON_LENGTH = 10;

/**
 * A rule switched off for one object, with the reason.
 */
export interface Suppression {
  /** Rule id. */
  readonly ruleId: string;
  /** Why the rule does not apply. */
  readonly reason: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object. */
  readonly namespace: string;
}

/** Where a workload keeps its pod template's metadata. */
function templateMetadataOf(obj: KubeObject): any {
  return obj?.kind === 'CronJob' ? obj?.spec?.jobTemplate?.spec?.template?.metadata : obj?.spec?.template?.metadata;
}

/**
 * Suppressions declared on an object: rule id → reason, from its annotation and, for a workload,
 * its pod template's (where charts let users add annotations). Bad JSON yields a problem string.
 */
export function suppressionsOf(obj: KubeObject): { suppressions: Record<string, string>; problem?: string } {
  const own = parseSuppressions(obj?.metadata?.annotations?.[SUPPRESS_ANNOTATION]);
  const template = templateMetadataOf(obj)?.annotations?.[SUPPRESS_ANNOTATION];
  if (template === undefined) return own;
  const fromTemplate = parseSuppressions(template);
  return { suppressions: { ...fromTemplate.suppressions, ...own.suppressions }, problem: own.problem ?? fromTemplate.problem };
}

/** Whether an object or its pod template declares suppressions. */
export function declaresSuppressions(obj: KubeObject): boolean {
  return obj?.metadata?.annotations?.[SUPPRESS_ANNOTATION] !== undefined || templateMetadataOf(obj)?.annotations?.[SUPPRESS_ANNOTATION] !== undefined;
}

function parseSuppressions(raw: unknown): { suppressions: Record<string, string>; problem?: string } {
  if (raw === undefined) {
    return { suppressions: {} };
  }
  try {
    const parsed = JSON.parse(String(raw));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return { suppressions: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])) };
  } catch (e) {
    return {
      suppressions: {},
      problem: `annotation '${SUPPRESS_ANNOTATION}' must be a JSON object of rule id to reason, e.g. {"GS009":"singleton by design: leader election"}; got ${JSON.stringify(raw)}`,
    };
  }
}

/** `GS000-GS043`: the rule ids, as messages name them. */
function knownRange(): string {
  const ids = [...RULES_BY_ID.keys()];
  return `${ids[0]}-${ids[ids.length - 1]}`;
}

/** Validates a suppression map; returns problems (unknown rule, reason too short). */
export function suppressionProblems(owner: string, suppressions: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [ruleId, reason] of Object.entries(suppressions)) {
    if (!RULES_BY_ID.has(ruleId)) {
      problems.push(`${owner}: suppression of unknown rule '${ruleId}'; known rules are ${knownRange()} (graceful-check --list-rules)`);
    } else if (typeof reason !== 'string' || reason.trim().length < MIN_SUPPRESSION_REASON_LENGTH) {
      problems.push(`${owner}: suppression of ${ruleId} needs a reason of at least ${MIN_SUPPRESSION_REASON_LENGTH} characters (got ${JSON.stringify(reason)}); say why the rule does not apply`);
    }
  }
  return problems;
}

// Merges the suppressions added through several calls on one ApiObject.
const declared = new WeakMap<ApiObject, Record<string, string>>();

/**
 * Adds suppressions (rule id → reason) to an ApiObject's suppress annotation. Throws at once
 * for an unknown rule or a reason shorter than 10 characters.
 */
export function addSuppressions(apiObject: ApiObject, owner: string, suppressions: Record<string, string>): void {
  const problems = suppressionProblems(owner, suppressions);
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  const merged = { ...(declared.get(apiObject) ?? {}), ...suppressions };
  declared.set(apiObject, merged);
  apiObject.metadata.addAnnotation(SUPPRESS_ANNOTATION, JSON.stringify(merged));
}
