import { IConstruct } from 'constructs';
import { formatFinding } from './engine';
import { Finding, Severity } from './rule';

/** Metadata type under which warnings are recorded on a construct. */
export const WARNING_METADATA = 'graceful-k8s:warning';

// Validation can run more than once per synth (Testing.synth, App.synth); print each once.
const printed = new Set<string>();

/**
 * Records warning findings on the construct (node metadata, as cdk8s has no annotations
 * API) and prints each once to stderr, so they are visible at `cdk8s synth` without failing it.
 */
export function reportWarnings(construct: IConstruct, findings: Finding[]): void {
  const recorded = new Set(construct.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => String(m.data)));
  for (const f of findings) {
    if (f.severity !== Severity.WARNING) {
      continue;
    }
    const text = formatFinding(f);
    if (!recorded.has(text)) {
      construct.node.addMetadata(WARNING_METADATA, text);
      recorded.add(text);
    }
    const line = `[${construct.node.path}] ${text}`;
    if (!printed.has(line) && process.env.GRACEFUL_K8S_QUIET !== '1') {
      printed.add(line);
      process.stderr.write(`graceful-k8s warning: ${line}\n`);
    }
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
  if (!construct.node.metadata.some(m => m.type === NOTE_METADATA && m.data === text)) {
    construct.node.addMetadata(NOTE_METADATA, text);
    const line = `[${construct.node.path}] ${text}`;
    if (!printed.has(line) && process.env.GRACEFUL_K8S_QUIET !== '1') {
      printed.add(line);
      process.stderr.write(`graceful-k8s note: ${line}\n`);
    }
  }
}

/** Notes recorded on a construct. */
export function notesOf(construct: IConstruct): string[] {
  return construct.node.metadata.filter(m => m.type === NOTE_METADATA).map(m => String(m.data));
}

/**
 * Records a warning of the construct's own (not a rule finding) on it, printed once at synth.
 */
export function recordWarning(construct: IConstruct, text: string): void {
  if (!construct.node.metadata.some(m => m.type === WARNING_METADATA && m.data === text)) {
    construct.node.addMetadata(WARNING_METADATA, text);
    const line = `[${construct.node.path}] ${text}`;
    if (!printed.has(line) && process.env.GRACEFUL_K8S_QUIET !== '1') {
      printed.add(line);
      process.stderr.write(`graceful-k8s warning: ${line}\n`);
    }
  }
}
