// A manifest the API server would reject is not drilled: the drill refuses it with the messages
// the checker's GS000 gives for the same fields (read by the same reader), so a user sees one
// wording whichever tool they ran first.

import { FieldProblem } from '../../manifest/fields';
import { KubeObject, describeObject } from '../../manifest/kube-object';

/** A field problem and the object it is in. */
export interface ManifestProblem extends FieldProblem {
  readonly object: KubeObject;
}

/** Where a problem is, for a message: `Deployment web` or `orders.yaml:14`. */
export type ProblemLocator = (problem: ManifestProblem) => string | undefined;

/** Thrown when the workload, or an object the drill reads with it, has fields the API server would reject. */
export class ManifestProblems extends Error {
  constructor(public readonly problems: ManifestProblem[]) {
    super(formatManifestProblems(problems));
    this.name = 'ManifestProblems';
  }
}

/**
 * The refusal: one line per problem as graceful-check prints it (`GS000`, the message, the fix),
 * located by `locate` (the CLI gives file:line) or by the object and the field's pointer.
 */
export function formatManifestProblems(problems: ManifestProblem[], locate: ProblemLocator = () => undefined): string {
  const lines = [`the manifest has ${problems.length === 1 ? 'a field' : `${problems.length} fields`} the API server would reject `
    + '(graceful-check\'s GS000); the drill runs only what a cluster would run:'];
  for (const p of problems) {
    lines.push(`  ${locate(p) ?? `${describeObject(p.object)} ${p.pointer}`}  GS000  ${p.message}`);
    lines.push(`    fix: ${p.fix}`);
  }
  return lines.join('\n');
}
