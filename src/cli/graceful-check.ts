// graceful-check: the GS rule pack over any Kubernetes YAML/JSON (Helm output, kustomize
// builds, hand-written manifests). Exit code: 0 nothing at the --fail-on level, 1 findings at
// that level, 2 usage, configuration, unreadable input or parse error (2 wins).

import * as path from 'path';
import { parseArgs } from 'util';
import { formatHtml, formatSvg, writeCi, writeJsonReport, writeSarif, writeText } from './check-output';
import { CheckerConfig, FailOn, findConfig, readConfig } from './config';
import { DEFAULT_MAX_FILE_BYTES, collectInputs } from './inputs';
import { packageVersion, wantsVersion } from './version';
import { checkLoaded, loadTexts, severityCounts } from '../checks/check-files';
import { ruleInfos } from '../checks/registry';
import { RuleInfo } from '../checks/rule';

/** Where the CLI reads and writes; real streams in `bin`, buffers in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => string;
  readonly cwd: string;
  /**
   * Called once the input is read and parsed, before any rule runs: where bin/graceful-check
   * tunes its own process for the check phase (check-phase-compiles.ts). Tests and other callers
   * leave it out.
   */
  readonly beforeCheck?: () => void;
}

function usage(rules: RuleInfo[]): string {
  return `usage: graceful-check [options] <file|dir|-> ...

Checks Kubernetes manifests (multi-document YAML or JSON; '-' reads stdin, a directory is
searched for *.yaml, *.yml, *.json) against the graceful-shutdown rules ${rules[0].id}-${rules[rules.length - 1].id}
(--list-rules). Settings also come from the nearest .graceful-check.yaml at or above the
first input (disable, enable, severity, failOn, routes, exclude, suppress); flags win. A
directory walk skips the cdk8s plugin's construct-metadata.json (not a manifest).

options:
  -o, --output <text|ci|json|sarif|svg|html>  output format (default: text; ci: one line per
                                  finding; svg: each container's shutdown timeline as a
                                  picture, findings marked at their moment; html: that
                                  picture in a self-contained page with the findings and
                                  a table of the same numbers; svg and html imply --timeline)
      --disable <GSnnn,...>       rules not to run (repeatable)
      --enable <GSnnn,...>        run only these rules (repeatable)
      --fail-on <error|warning|never>  what makes the exit code 1 (default: error)
      --routes [complete|partial] print what routes traffic to each workload; with a value, say
                                  whether every Service and Ingress is in the input (default:
                                  a namespace with a Service in the input is complete)
      --timeline                  print each container's shutdown timeline (text output;
                                  -o svg or -o html draws it)
      --config <file>             read this configuration file instead of searching for one
      --no-config                 ignore configuration files
      --max-file-size <bytes>     largest file read (default ${DEFAULT_MAX_FILE_BYTES})
      --allow-empty               exit 0 when the input holds no object (default: exit 2)
      --explain <GSnnn>           print a rule's rationale and fix, then exit
      --list-rules                print every rule, then exit
      --version                   print the version, then exit
  -h, --help                      print this help

exit code: 0 nothing at the --fail-on level, 1 findings at that level, 2 usage,
configuration, unreadable input or parse error (2 wins)
example: helm template my-release ./chart | graceful-check -`;
}

/** The -o values; svg and html draw the shutdown timeline (they imply --timeline). */
const OUTPUTS = ['text', 'ci', 'json', 'sarif', 'svg', 'html'];
const PICTURES = ['svg', 'html'];

type Values = Record<string, string | string[] | boolean | undefined>;

function parse(argv: string[]): { values: Values; positionals: string[] } {
  // `--routes` takes an optional value: a bare flag is rewritten to its default.
  const args = argv.map((a, i) => (a === '--routes' && !['complete', 'partial'].includes(argv[i + 1] ?? '') ? '--routes=auto' : a));
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      'output': { type: 'string', short: 'o', default: 'text' },
      'disable': { type: 'string', multiple: true },
      'enable': { type: 'string', multiple: true },
      'fail-on': { type: 'string' },
      'routes': { type: 'string' },
      'timeline': { type: 'boolean', default: false },
      'config': { type: 'string' },
      'no-config': { type: 'boolean', default: false },
      'max-file-size': { type: 'string' },
      'allow-empty': { type: 'boolean', default: false },
      'explain': { type: 'string' },
      'list-rules': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  }) as { values: Values; positionals: string[] };
}

function ruleIds(values: string[] | undefined): string[] | undefined {
  return values?.flatMap(v => v.split(',')).map(v => v.trim().toUpperCase()).filter(v => v !== '');
}

/** Refuses rule ids that are no rule, and a rule both disabled and enabled (which would turn every rule off). */
function checkRuleSelection(disable: string[], enable: string[] | undefined, rules: RuleInfo[]): void {
  const known = new Set(rules.map(r => r.id));
  for (const [option, ids] of [['--disable', disable], ['--enable', enable ?? []]] as const) {
    const unknown = ids.filter(id => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(`${option}: unknown rule(s) ${unknown.join(', ')}; known rules are ${rules[0].id}-${rules[rules.length - 1].id} (--list-rules)`);
    }
  }
  const both = (enable ?? []).filter(id => disable.includes(id));
  if (both.length > 0) {
    throw new Error(`${both.join(', ')} ${both.length === 1 ? 'is' : 'are'} both disabled and enabled (flags or .graceful-check.yaml); keep it in one of the two`);
  }
}

/** Flags and the config file, merged (flags win); throws on a bad value. */
function settings(values: Values, positionals: string[], io: CliIo, rules: RuleInfo[]): CheckerConfig & { failOn: FailOn } {
  let config: CheckerConfig = {};
  if (!values['no-config']) {
    const first = positionals.find(p => p !== '-');
    const file = values.config
      ? path.resolve(io.cwd, values.config as string)
      : findConfig(first ? path.dirname(path.resolve(io.cwd, first)) : io.cwd);
    if (file) config = readConfig(file);
  }
  const failOn = (values['fail-on'] as string | undefined) ?? config.failOn ?? 'error';
  if (!['error', 'warning', 'never'].includes(failOn)) {
    throw new Error(`--fail-on must be error, warning or never (got '${failOn}')`);
  }
  const routes = values.routes === 'complete' || values.routes === 'partial' ? values.routes : config.routes;
  const disable = [...(config.disable ?? []), ...(ruleIds(values.disable as string[]) ?? [])];
  const enable = ruleIds(values.enable as string[]) ?? config.enable;
  checkRuleSelection(disable, enable, rules);
  return { ...config, disable, enable, failOn: failOn as FailOn, routes };
}

function maxFileBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_FILE_BYTES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--max-file-size takes a whole number of bytes above 0 (got '${value}')`);
  }
  return n;
}

/** Answers the options that print something and exit; undefined when none was given. */
function infoCommand(values: Values, rules: RuleInfo[], io: CliIo): number | undefined {
  if (values.help) {
    io.stdout(usage(rules) + '\n');
    return 0;
  }
  if (values.explain !== undefined) {
    const rule = rules.find(r => r.id === String(values.explain).toUpperCase());
    if (!rule) {
      io.stderr(`graceful-check: unknown rule '${values.explain}'; known rules are ${rules.map(r => r.id).join(', ')}\n`);
      return 2;
    }
    io.stdout(`${rule.id} (${rule.severity}, ${rule.area}, at ${rule.phase}): ${rule.title}\n\nwhy: ${rule.rationale}\n\nfix: ${rule.fix}\n`);
    return 0;
  }
  if (values['list-rules']) {
    io.stdout(rules.map(r => `${r.id}  ${r.severity.padEnd(7)}  ${r.area.padEnd(10)}  ${r.title}`).join('\n') + '\n');
    return 0;
  }
  return undefined;
}

/**
 * Runs the CLI; returns the exit code.
 */
export function main(argv: string[], io: CliIo): number {
  if (wantsVersion(argv)) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const rules = ruleInfos();
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (e) {
    io.stderr(`graceful-check: ${(e as Error).message}\n${usage(rules)}\n`);
    return 2;
  }
  const info = infoCommand(values, rules, io);
  if (info !== undefined) return info;
  const output = values.output as string;
  if (!OUTPUTS.includes(output)) {
    io.stderr(`graceful-check: --output must be text, ci, json, sarif, svg or html (got '${output}'); e.g. -o html --timeline > timeline.html\n`);
    return 2;
  }
  if (positionals.length === 0) {
    io.stderr(`graceful-check: no input; pass files, directories, or - for stdin\n${usage(rules)}\n`);
    return 2;
  }
  let config: ReturnType<typeof settings>;
  let limit: number;
  try {
    config = settings(values, positionals, io, rules);
    limit = maxFileBytes(values['max-file-size']);
  } catch (e) {
    io.stderr(`graceful-check: ${(e as Error).message}\n`);
    return 2;
  }
  return run(positionals, values, config, limit, rules, io);
}

function run(positionals: string[], values: Values, config: ReturnType<typeof settings>, limit: number, rules: RuleInfo[], io: CliIo): number {
  const inputs = collectInputs(positionals, { cwd: io.cwd, maxFileBytes: limit, readStdin: io.readStdin });
  const picture = PICTURES.includes(values.output as string);
  const loaded = loadTexts(inputs.texts);
  io.beforeCheck?.();
  const report = checkLoaded(loaded, {
    timelines: values.timeline === true || values.output === 'json' || picture,
    routes: values.routes !== undefined || values.output === 'json',
    disabledRules: config.disable,
    enabledRules: config.enable,
    exclude: config.exclude,
    suppressions: config.suppress,
    severities: config.severity,
    routesComplete: config.routes === undefined ? undefined : config.routes === 'complete',
  });
  const options = {
    timeline: values.timeline === true, routes: values.routes !== undefined, unreadable: inputs.unreadable, version: packageVersion(),
  };
  // Text, ci, JSON and SARIF are written as they are made (a large report is not one string first).
  const write = { text: writeText, ci: writeCi, json: writeJsonReport, sarif: writeSarif }[values.output as string];
  if (write) write(report, rules, options, io.stdout);
  else io.stdout((values.output === 'svg' ? formatSvg : formatHtml)(report, rules, options));
  if (values.output === 'json' || values.output === 'sarif' || picture) {
    for (const e of report.parseErrors) io.stderr(`graceful-check: parse error: ${e.file}:${e.line}: ${e.message}\n`);
  }
  for (const u of inputs.unreadable) io.stderr(`graceful-check: cannot read ${u}\n`);
  for (const s of inputs.skipped) io.stderr(`graceful-check: skipped ${s}\n`);
  const empty = report.objectCount === 0 && report.parseErrors.length === 0 && inputs.unreadable.length === 0;
  if (empty) {
    io.stderr(`graceful-check: the input holds no Kubernetes object (${inputs.texts.length === 0 ? 'no manifest file found' : `${inputs.texts.map(t => t.file).join(', ')} ${inputs.texts.length === 1 ? 'is' : 'are'} empty`}); `
      + 'if a generator such as `helm template` printed nothing, check its arguments; pass --allow-empty to accept an empty input\n');
  }
  if (inputs.unreadable.length > 0 || report.parseErrors.length > 0 || (empty && !values['allow-empty'])) {
    return 2;
  }
  const { errors, warnings } = severityCounts(report);
  return config.failOn === 'never' ? 0 : errors > 0 || (config.failOn === 'warning' && warnings > 0) ? 1 : 0;
}
