// graceful-check: the GS rule pack over any Kubernetes YAML/JSON (Helm output, kustomize
// builds, hand-written manifests). Exit code: 0 clean (warnings allowed), 1 errors,
// 2 usage or parse error (2 wins when both happen).

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { packageVersion, wantsVersion } from './version';
import { FilesReport, LocatedFinding, SourceText, checkTexts, severityCounts } from '../checks/check-files';
import { ruleInfos } from '../checks/registry';
import { RuleInfo, Severity } from '../checks/rule';
import { formatTimeline } from '../checks/shutdown-timeline';

/** Where the CLI reads and writes; real streams in `bin`, buffers in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => string;
  readonly cwd: string;
}

const USAGE = `usage: graceful-check [options] <file|dir|-> ...

Checks Kubernetes manifests (multi-document YAML or JSON; '-' reads stdin, a directory is
searched for *.yaml, *.yml, *.json) against the graceful-shutdown rules GS001-GS019.

options:
  -o, --output <text|json|sarif>  output format (default: text)
      --timeline                  print each workload's shutdown timeline (text output)
      --explain <GSnnn>           print a rule's rationale and fix, then exit
      --list-rules                print every rule, then exit
      --version                   print the version, then exit
  -h, --help                      print this help

exit code: 0 no errors (warnings allowed), 1 errors found, 2 usage or parse error
example: helm template my-release ./chart | graceful-check -`;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function collectFiles(target: string, io: CliIo, out: string[]): void {
  const abs = path.resolve(io.cwd, target);
  const stat = fs.statSync(abs);
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(abs).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const child = path.join(target, entry);
      const childStat = fs.statSync(path.resolve(io.cwd, child));
      if (childStat.isDirectory() || MANIFEST_FILE.test(entry)) {
        collectFiles(child, io, out);
      }
    }
  } else {
    out.push(target);
  }
}

function where(f: { namespace: string; name: string }): string {
  return `${f.namespace ? f.namespace + '/' : ''}${f.name}`;
}

function formatText(report: FilesReport, showTimeline: boolean): string {
  const out: string[] = [];
  const groups = new Map<string, LocatedFinding[]>();
  for (const f of report.findings) {
    const key = `${f.file}:${f.objectLine}  ${f.kind} ${where(f)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [header, findings] of groups) {
    out.push(header);
    for (const f of findings) {
      out.push(`  ${f.file}:${f.line}  ${f.severity.padEnd(7)}  ${f.ruleId}  ${f.container ? `[${f.container}] ` : ''}${f.message}`);
      out.push(`  ${' '.repeat(`${f.file}:${f.line}`.length)}  fix: ${f.fix}`);
    }
    out.push('');
  }
  if (showTimeline) {
    for (const t of report.timelines) {
      out.push(...formatTimeline(t), '');
    }
  }
  for (const s of report.suppressions) {
    out.push(`suppressed: ${s.ruleId} on ${s.kind} ${where(s)}: ${s.reason}`);
  }
  for (const p of report.problems) {
    out.push(`problem: ${p}`);
  }
  for (const e of report.parseErrors) {
    out.push(`parse error: ${e.file}:${e.line}: ${e.message}`);
  }
  const { errors, warnings } = severityCounts(report);
  out.push(`${report.objectCount} objects (${report.workloadCount} workloads) in ${report.fileCount} input(s): `
    + `${errors} error(s), ${warnings} warning(s), ${report.suppressed.length} suppressed, ${report.parseErrors.length} parse error(s)`);
  return out.join('\n') + '\n';
}

function sarifLevel(severity: Severity): string {
  return severity === Severity.ERROR ? 'error' : 'warning';
}

function formatSarif(report: FilesReport, rules: RuleInfo[]): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'graceful-check',
          informationUri: 'https://www.npmjs.com/package/graceful-k8s',
          rules: rules.map(r => ({
            id: r.id,
            name: r.title,
            shortDescription: { text: r.title },
            fullDescription: { text: r.rationale },
            help: { text: `Fix: ${r.fix}` },
            defaultConfiguration: { level: sarifLevel(r.severity) },
          })),
        },
      },
      results: [
        ...report.findings.map(f => ({
          ruleId: f.ruleId,
          ruleIndex: rules.findIndex(r => r.id === f.ruleId),
          level: sarifLevel(f.severity),
          message: { text: `${f.kind} ${where(f)}${f.container ? ` container '${f.container}'` : ''}: ${f.message}. Fix: ${f.fix}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.file.split(path.sep).join('/') }, region: { startLine: f.line } } }],
        })),
      ],
      invocations: [{
        executionSuccessful: report.parseErrors.length === 0,
        toolExecutionNotifications: report.parseErrors.map(e => ({
          level: 'error',
          message: { text: `parse error: ${e.message}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: e.file.split(path.sep).join('/') }, region: { startLine: e.line } } }],
        })),
      }],
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function formatJson(report: FilesReport): string {
  const { findings, suppressed, suppressions, problems, parseErrors, objectCount, workloadCount, fileCount, timelines } = report;
  return JSON.stringify({ findings, suppressed, suppressions, problems, parseErrors, objectCount, workloadCount, fileCount, timelines }, null, 2) + '\n';
}

function explain(rule: RuleInfo): string {
  return `${rule.id} (${rule.severity}): ${rule.title}\n\nwhy: ${rule.rationale}\n\nfix: ${rule.fix}\n`;
}

/**
 * Runs the CLI; returns the exit code.
 */
export function main(argv: string[], io: CliIo): number {
  if (wantsVersion(argv)) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'output': { type: 'string', short: 'o', default: 'text' },
        'timeline': { type: 'boolean', default: false },
        'explain': { type: 'string' },
        'list-rules': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr(`graceful-check: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const rules = ruleInfos();
  if (values.help) {
    io.stdout(USAGE + '\n');
    return 0;
  }
  if (values.explain !== undefined) {
    const rule = rules.find(r => r.id === values.explain!.toUpperCase());
    if (!rule) {
      io.stderr(`graceful-check: unknown rule '${values.explain}'; known rules are ${rules.map(r => r.id).join(', ')}\n`);
      return 2;
    }
    io.stdout(explain(rule));
    return 0;
  }
  if (values['list-rules']) {
    io.stdout(rules.map(r => `${r.id}  ${r.severity.padEnd(7)}  ${r.title}`).join('\n') + '\n');
    return 0;
  }
  if (!['text', 'json', 'sarif'].includes(values.output!)) {
    io.stderr(`graceful-check: --output must be text, json or sarif (got '${values.output}')\n`);
    return 2;
  }
  if (positionals.length === 0) {
    io.stderr(`graceful-check: no input; pass files, directories, or - for stdin\n${USAGE}\n`);
    return 2;
  }

  const texts: SourceText[] = [];
  const unreadable: string[] = [];
  for (const target of positionals) {
    if (target === '-') {
      texts.push({ file: '<stdin>', text: io.readStdin() });
      continue;
    }
    const files: string[] = [];
    try {
      collectFiles(target, io, files);
    } catch (e) {
      unreadable.push(`${target}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      continue;
    }
    for (const file of files) {
      try {
        texts.push({ file, text: fs.readFileSync(path.resolve(io.cwd, file), 'utf8') });
      } catch (e) {
        unreadable.push(`${file}: ${(e as Error).message}`);
      }
    }
  }

  const report = checkTexts(texts, { timelines: values.timeline || values.output === 'json' });
  const output = values.output === 'json' ? formatJson(report) : values.output === 'sarif' ? formatSarif(report, rules) : formatText(report, values.timeline!);
  io.stdout(output);
  for (const u of unreadable) {
    io.stderr(`graceful-check: cannot read ${u}\n`);
  }
  if (unreadable.length > 0 || report.parseErrors.length > 0) {
    if (values.output !== 'text') {
      for (const e of report.parseErrors) {
        io.stderr(`graceful-check: parse error: ${e.file}:${e.line}: ${e.message}\n`);
      }
    }
    return 2;
  }
  return severityCounts(report).errors > 0 ? 1 : 0;
}
