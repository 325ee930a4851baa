import { IConstruct } from 'constructs';
import { formatFinding } from './engine';
import { Finding, Severity } from './rule';

/** Metadata type under which warnings are recorded on a construct. */
export const WARNING_METADATA = 'graceful-k8s:warning';

// Validation can run more than once per synth (Testing.synth, App.synth); print each once.
const printed = new Set<string>();

/**
 * Records a text on the construct under a metadata type (node metadata, as cdk8s has no
 * annotations API) and prints it once to stderr, so it is visible at `cdk8s synth` without
 * failing it.
 */
function record(construct: IConstruct, type: string, label: string, text: string): void {
  if (!construct.node.metadata.some(m => m.type === type && m.data === text)) {
    construct.node.addMetadata(type, text);
  }
  const line = `[${construct.node.path}] ${text}`;
  if (!printed.has(line) && process.env.GRACEFUL_K8S_QUIET !== '1') {
    printed.add(line);
    process.stderr.write(`graceful-k8s ${label}: ${line}\n`);
  }
}

/** Records the warning findings on the construct and prints each once. */
export function reportWarnings(construct: IConstruct, findings: Finding[]): void {
  for (const f of findings) {
    if (f.severity === Severity.WARNING) record(construct, WARNING_METADATA, 'warning', formatFinding(f));
  }
}

/** Warnings recorded on a construct. */
export function warningsOf(construct: IConstruct): string[] {
  return construct.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => String(m.data));
}

/** Metadata type under which notes (things to do outside the manifest) are recorded. */
export const NOTE_METADATA = 'graceful-k8s:note';

/**
 * Records a note on the construct: something the manifest cannot do by itself (a namespace
 * label, a cluster setting). Printed once at synth, never failing it.
 */
export function recordNote(construct: IConstruct, text: string): void {
  record(construct, NOTE_METADATA, 'note', text);
}

/** Notes recorded on a construct. */
export function notesOf(construct: IConstruct): string[] {
  return construct.node.metadata.filter(m => m.type === NOTE_METADATA).map(m => String(m.data));
}

/**
 * Records a warning of the construct's own (not a rule finding) on it, printed once at synth.
 */
export function recordWarning(construct: IConstruct, text: string): void {
  record(construct, WARNING_METADATA, 'warning', text);
}
