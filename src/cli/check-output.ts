// The checker's output formats: text for people, JSON for scripts, SARIF 2.1.0 for code scanning,
// and the shutdown timeline as a picture (SVG, or an HTML page with the findings too). Every text
// format carries every finding, problem, unreadable input and parse error.

import * as path from 'path';
import { StreamedArray, writeJson } from './json-chunks';
import { CHUNK_CHARS, TextChunks } from './text-chunks';
import { FilesReport, LocatedFinding, severityCounts } from '../checks/check-files';
import { skippedSummary } from '../checks/engine';
import { RuleInfo, Severity } from '../checks/rule';
import { formatTimeline } from '../checks/shutdown-timeline';
import { timelineHtml, timelineSvg } from '../checks/timeline-svg';
import { escapeXml } from '../render/svg';

/** What the output shows besides the findings. */
export interface OutputOptions {
  readonly timeline: boolean;
  readonly routes: boolean;
  /** Inputs that could not be read. */
  readonly unreadable: string[];
  /** The checker's version, for SARIF's `driver.version`. */
  readonly version?: string;
}

function where(f: { namespace: string; name: string }): string {
  return `${f.namespace ? f.namespace + '/' : ''}${f.name}`;
}

/** Findings per rule, most first: `GS003  error    ×12  Serving container without a preStop delay`. */
export function summaryByRule(report: FilesReport, rules: RuleInfo[]): Array<{ ruleId: string; severity: Severity; count: number; title: string }> {
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  return rules.filter(r => counts.has(r.id))
    .map(r => ({ ruleId: r.id, severity: r.severity, count: counts.get(r.id)!, title: r.title }))
    .sort((a, b) => b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1));
}

/**
 * Lines handed on in chunks (`TextChunks`), each line ended by a newline. A report of 98,000
 * findings (150,000 objects) is 47 million characters: built as one string first, it doubled the
 * memory at the end of the run; written in chunks, each is short-lived.
 */
function chunkedLines(write: (text: string) => void, chunkChars: number): TextChunks {
  return new TextChunks(write, chunkChars, '\n');
}

function findingLines(report: FilesReport, out: TextChunks): void {
  // Grouped by object, in the order objects first have a finding. Looked up by file and line,
  // not by a key string of file, line and name, which the Map would hash whole for each of
  // 68,000 findings at 150,000 objects; objects of one JSON array share a line.
  const groups: LocatedFinding[][] = [];
  const byFile = new Map<string, Map<number, LocatedFinding[][]>>();
  for (const f of report.findings) {
    let inFile = byFile.get(f.file);
    if (!inFile) {
      inFile = new Map();
      byFile.set(f.file, inFile);
    }
    let onLine = inFile.get(f.objectLine);
    if (!onLine) {
      onLine = [];
      inFile.set(f.objectLine, onLine);
    }
    let group = onLine.find(g => g[0].kind === f.kind && g[0].namespace === f.namespace && g[0].name === f.name);
    if (!group) {
      group = [];
      onLine.push(group);
      groups.push(group);
    }
    group.push(f);
  }
  for (const findings of groups) {
    const first = findings[0];
    out.push(`${first.file}:${first.objectLine}  ${first.kind} ${where(first)}`);
    for (const f of findings) {
      out.push(`  ${f.file}:${f.line}  ${f.severity.padEnd(7)}  ${f.ruleId}  ${f.container ? `[${f.container}] ` : ''}${f.message}`);
      out.push(`  ${' '.repeat(`${f.file}:${f.line}`.length)}  fix: ${f.fix}`);
    }
    out.push('');
  }
}

function routeLines(report: FilesReport): string[] {
  const out: string[] = [];
  for (const w of report.routes) {
    out.push(`traffic to ${w.kind} '${where(w)}'${w.routesVisible ? '' : ' (routes not all in view: declared ports count as serving)'}:`);
    for (const c of w.containers) {
      out.push(`  container '${c.container}': ${c.serving}`);
      for (const r of c.routes) out.push(`    ${r}`);
    }
    if (w.mesh) out.push(`  mesh: ${w.mesh}`);
  }
  return out.length > 0 ? [...out, ''] : [];
}

/** What a chunked writer writes, as one string. */
function wholeText(writeTo: (write: (text: string) => void) => void): string {
  const chunks: string[] = [];
  writeTo(text => chunks.push(text));
  return chunks.join('');
}

export function formatText(report: FilesReport, rules: RuleInfo[], options: OutputOptions): string {
  return wholeText(write => writeText(report, rules, options, write));
}

/** `formatText`, written in chunks as it is made (see `chunkedLines`). */
export function writeText(
  report: FilesReport, rules: RuleInfo[], options: OutputOptions, write: (text: string) => void, chunkChars = CHUNK_CHARS,
): void {
  const out = chunkedLines(write, chunkChars);
  findingLines(report, out);
  if (options.timeline) {
    for (const t of report.timelines) {
      for (const line of formatTimeline(t)) out.push(line);
      out.push('');
    }
  }
  if (options.routes) for (const line of routeLines(report)) out.push(line);
  for (const s of report.suppressions) out.push(`suppressed: ${s.ruleId} on ${s.kind} ${where(s)}: ${s.reason}`);
  for (const n of report.notes) out.push(`note: ${n}`);
  for (const p of report.problems) out.push(`problem: ${p}`);
  for (const e of report.parseErrors) out.push(`parse error: ${e.file}:${e.line}: ${e.message}`);
  const byRule = summaryByRule(report, rules);
  if (byRule.length > 0) {
    out.push('findings by rule:');
    for (const r of byRule) out.push(`  ${r.ruleId}  ${r.severity.padEnd(7)}  ×${String(r.count).padEnd(4)}  ${r.title}`);
  }
  const { errors, warnings } = severityCounts(report);
  const skipped = skippedSummary(report);
  out.push(`${report.objectCount} objects (${report.workloadCount} workloads${skipped ? `; not checked: ${skipped}` : ''}`
    + `${report.excludedCount ? `; excluded: ${report.excludedCount}` : ''}) in ${report.fileCount} input(s): `
    + `${errors} error(s), ${warnings} warning(s), ${report.suppressed.length} suppressed, ${report.parseErrors.length} parse error(s)`
    + `${options.unreadable.length ? `, ${options.unreadable.length} unreadable input(s)` : ''}`);
  out.flush();
}

/**
 * One line per finding, for CI logs (as kube-score's `-o ci`):
 * `file:line: error GS005 Deployment shop/web [app]: message`, then problems, parse errors,
 * unreadable inputs and notes one line each, and a closing count.
 */
export function formatCi(report: FilesReport, rules: RuleInfo[], options: OutputOptions): string {
  return wholeText(write => writeCi(report, rules, options, write));
}

/** `formatCi`, written in chunks as it is made (see `chunkedLines`). */
export function writeCi(
  report: FilesReport, _rules: RuleInfo[], options: OutputOptions, write: (text: string) => void, chunkChars = CHUNK_CHARS,
): void {
  const out = chunkedLines(write, chunkChars);
  for (const f of report.findings) {
    out.push(`${f.file}:${f.line}: ${f.severity} ${f.ruleId} ${f.kind} ${where(f)}${f.container ? ` [${f.container}]` : ''}: ${f.message}`);
  }
  for (const e of report.parseErrors) out.push(`${e.file}:${e.line}: error parse: ${e.message}`);
  for (const u of options.unreadable) out.push(`error unreadable: ${u}`);
  for (const p of report.problems) out.push(`error problem: ${p}`);
  for (const n of report.notes) out.push(`note: ${n}`);
  const { errors, warnings } = severityCounts(report);
  out.push(`${errors} error(s), ${warnings} warning(s), ${report.suppressed.length} suppressed`);
  out.flush();
}

export function formatJson(report: FilesReport, rules: RuleInfo[], options: OutputOptions): string {
  return wholeText(write => writeJsonReport(report, rules, options, write));
}

/** `formatJson`, written in chunks as it is made (see `writeJson`): its long arrays item by item. */
export function writeJsonReport(
  report: FilesReport, rules: RuleInfo[], options: OutputOptions, write: (text: string) => void, chunkChars = CHUNK_CHARS,
): void {
  const {
    findings, suppressed, suppressions, problems, parseErrors, objectCount, workloadCount, fileCount, timelines, skipped, excludedCount, routes,
    notes,
  } = report;
  writeJson({
    findings: new StreamedArray(() => findings),
    suppressed: new StreamedArray(() => suppressed),
    suppressions,
    notes,
    problems,
    parseErrors,
    unreadable: options.unreadable,
    objectCount,
    workloadCount,
    fileCount,
    skipped,
    excludedCount,
    summaryByRule: summaryByRule(report, rules),
    timelines: new StreamedArray(() => timelines),
    routes: new StreamedArray(() => routes),
  }, write, chunkChars);
}

function uri(file: string): string {
  return file.split(path.sep).join('/');
}

export function formatSarif(report: FilesReport, rules: RuleInfo[], options: OutputOptions): string {
  return wholeText(write => writeSarif(report, rules, options, write));
}

/** `formatSarif`, written in chunks as it is made (see `writeJson`): its results one by one. */
export function writeSarif(
  report: FilesReport, rules: RuleInfo[], options: OutputOptions, write: (text: string) => void, chunkChars = CHUNK_CHARS,
): void {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const level = (s: Severity) => (s === Severity.ERROR ? 'error' : 'warning');
  const result = (f: LocatedFinding) => ({
    ruleId: f.ruleId,
    ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
    level: level(f.severity),
    message: { text: `${f.kind} ${where(f)}${f.container ? ` container '${f.container}'` : ''}: ${f.message}. Fix: ${f.fix}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: f.line } } }],
  });
  const notification = (text: string, file?: string, line?: number, levelOf = 'error') => ({
    level: levelOf,
    message: { text },
    ...(file ? { locations: [{ physicalLocation: { artifactLocation: { uri: uri(file) }, region: { startLine: line ?? 1 } } }] } : {}),
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'graceful-check',
          ...(options.version ? { version: options.version, semanticVersion: options.version } : {}),
          informationUri: 'https://www.npmjs.com/package/graceful-k8s',
          rules: rules.map(r => ({
            id: r.id,
            name: r.title,
            shortDescription: { text: r.title },
            fullDescription: { text: r.rationale },
            help: { text: `Fix: ${r.fix}` },
            defaultConfiguration: { level: level(r.severity) },
            properties: { area: r.area, phase: r.phase },
          })),
        },
      },
      results: new StreamedArray(function* results() {
        for (const f of report.findings) yield result(f);
        // Suppressed results stay in the log, marked (SARIF 2.1.0 §3.27.23): inSource for the
        // object's annotation, external for the configuration file.
        for (const s of report.suppressed) {
          yield {
            ...result(s),
            suppressions: [{ kind: s.source === 'annotation' ? 'inSource' : 'external', status: 'accepted', justification: s.reason }],
          };
        }
      }),
      invocations: [{
        executionSuccessful: report.parseErrors.length === 0 && options.unreadable.length === 0 && report.problems.length === 0,
        toolExecutionNotifications: [
          ...report.parseErrors.map(e => notification(`parse error: ${e.message}`, e.file, e.line)),
          ...report.problems.map(p => notification(`problem: ${p}`)),
          ...options.unreadable.map(u => notification(`cannot read: ${u}`)),
          ...report.notes.map(n => notification(`note: ${n}`, undefined, undefined, 'note')),
        ],
      }],
    }],
  };
  writeJson(sarif, write, chunkChars);
}

/** Each container's shutdown timeline as one SVG document (the findings are marked at their moment). */
export function formatSvg(report: FilesReport): string {
  return timelineSvg(report.timelines, { standalone: true });
}

/**
 * The shutdown timelines as a self-contained HTML page, then every finding, problem and parse
 * error as text, as the text output lists them.
 */
export function formatHtml(report: FilesReport, rules: RuleInfo[], options: OutputOptions): string {
  const page = timelineHtml(report.timelines, 'graceful-check: shutdown timeline');
  const text = formatText(report, rules, { ...options, timeline: false });
  const findings = `<section aria-labelledby="findings-heading"><h2 id="findings-heading">Findings</h2><pre class="findings">${escapeXml(text)}</pre></section>`;
  // A function, not a string: `$&` in a finding's text is no replacement pattern.
  return page.replace('</main>', () => `${findings}\n</main>`);
}
