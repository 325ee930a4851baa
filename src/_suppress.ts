import { ApiObject } from 'cdk8s';
import { SUPPRESS_ANNOTATION } from './_manifest';
import { suppressionProblems } from './check';

// Suppressions live in an annotation on the object, so the YAML carries them to the CLI and
// the cdk8s plugin; this map merges the ones added through several calls.
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
