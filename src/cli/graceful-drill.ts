// graceful-drill: replays what Kubernetes does when a synthesized workload's pods go (a rollout,
// a node drain, an autoscaler's scale-down, a rainbow release change), with the real app as local
// processes behind the Service's data plane on 127.0.0.1, under load, and reports every failed
// request. Its flags, their defaults and checks come from one table (src/drill/options).

import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_MAX_FILE_BYTES } from './inputs';
import { packageVersion, wantsVersion } from './version';
import { DRILL_FLAGS, DrillOptions, DrillReport, drillReportHtml, formatDrillReport, formatManifestProblems, ManifestProblems, runDrill, SCENARIOS } from '../drill/drill';
import { helpLines, parseFlags, wrapped } from '../drill/options/flags';
import { ProgressLine, ProgressTerminal } from '../drill/report/progress';
import { scenarioNamed } from '../drill/scenarios/registry';
import { KubeObject } from '../manifest/kube-object';
import { loadManifests, SourcedObject } from '../manifest/load';
import { lineOfPointer } from '../manifest/locate';

function usage(): string {
  const scenarios = SCENARIOS.flatMap(name => wrapped(`  ${name}`, scenarioNamed(name)!.summary, 16));
  return `usage: graceful-drill <manifest.yaml> --exec "<command>" [options]

Starts the app once per pod (it must listen on 127.0.0.1 at the port in $PORT) as its manifest's
command says, sends constant-rate keep-alive HTTP load through the Service's data plane (kube-proxy's
rules, or a real HAProxy) that learns of endpoint changes after a propagation lag, then replays a
scenario on the workload (a Deployment, a StatefulSet or a DaemonSet) and reports every failed request.

scenarios (--scenario):
${scenarios.join('\n')}

options:
${helpLines(DRILL_FLAGS).join('\n')}

preStop hooks: a plain sleep runs on the drill clock; \`nginx -s quit\` (or \`-s stop\`) in an exec
hook, e.g. PreStop.sleepThen(['nginx','-s','quit']), is sent as SIGQUIT (SIGTERM) to the container's
PID 1, as nginx's own command does; other exec hooks run on this machine.

--html <file> also writes the report as one self-contained HTML page: a lane per pod over time
(created, ready, in the proxy's endpoints, preStop, SIGTERM, draining, exit or SIGKILL), each failed
request marked at its time on its pod, requests offered and failed per second, long-lived connections;
nothing in it is fetched from the network. On a terminal a live line shows the phase, the pods, the
requests and failures while the drill runs; off a terminal (a pipe, a file, CI) nothing but the report.

SIGINT or SIGTERM stops the drill, kills every process it started and prints what was
measured so far (a second signal exits at once).
exit code: 0 no request failed, 1 some failed, a long-lived connection was cut, the scenario did
not finish or the load did not reach --rate, 2 usage or setup error, 130/143 stopped by SIGINT/SIGTERM`;
}

/**
 * The manifest file's text: a regular file within the size limit, opened without blocking (a
 * FIFO or a device is refused, never read).
 */
function readManifestFile(file: string): string {
  const abs = path.resolve(file);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    // eslint-disable-next-line no-bitwise -- open(2) flags are a bit set
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      const what = stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isDirectory() ? 'a directory' : 'not a regular file';
      throw new Error(`cannot read ${file}: ${what}; pass the manifest as a regular file, e.g. the YAML cdk8s synth wrote to dist/`);
    }
    if (stat.size > DEFAULT_MAX_FILE_BYTES) {
      throw new Error(`cannot read ${file}: ${stat.size} bytes is over the ${DEFAULT_MAX_FILE_BYTES}-byte limit of a manifest; pass the workload's own manifest`);
    }
    // Read what the file held when it was opened, and no more: it cannot grow the drill's memory.
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = fs.readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function readManifest(file: string): SourcedObject[] {
  const { objects, errors } = loadManifests(readManifestFile(file), file);
  if (errors.length > 0) {
    throw new Error(`cannot parse ${errors[0].file}:${errors[0].line}: ${errors[0].message}`);
  }
  return objects;
}

function exitCode(report: DrillReport): number {
  if (report.stopped === 'SIGINT') return 130;
  if (report.stopped === 'SIGTERM') return 143;
  const section = report.rollout ?? report.drain ?? report.scaleDown ?? report.rainbow;
  const cut = report.longLived?.cut ?? 0;
  const rateMissed = report.rate !== undefined && !report.rate.reached;
  return report.failed > 0 || cut > 0 || report.stopped !== undefined || section?.timedOut || rateMissed ? 1 : 0;
}

/** A refusal of fields the API server would reject, with each one's file and line. */
function problemsText(e: ManifestProblems, sources: SourcedObject[]): string {
  const byObject = new Map<KubeObject, SourcedObject>(sources.map(s => [s.object, s]));
  return formatManifestProblems(e.problems, p => {
    const source = byObject.get(p.object);
    return source && `${source.file}:${lineOfPointer(source, p.pointer)}`;
  });
}

function writeHtml(file: string, report: DrillReport, given: string): void {
  const label = `${report.kind} '${report.deployment}', ${report.scenario}`;
  try {
    fs.writeFileSync(file, drillReportHtml([{ label, report }], `graceful-drill: ${label}`));
  } catch (e) {
    throw new Error(`cannot write '--html' (${given}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the report above is complete; ${
      'pass a file in a directory you can write to, e.g. --html drill-report.html'}`);
  }
}

/** Where `--html` writes: refused before the drill starts, naming the value and how to fix it. */
function htmlTarget(value: unknown): string {
  const fix = 'pass a file in an existing directory, e.g. --html drill-report.html';
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`'--html' takes a file to write the picture to (got '${String(value ?? '')}'); ${fix}`);
  const abs = path.resolve(value);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) throw new Error(`'--html' (${value}) is a directory; ${fix.replace('pass a file in an existing directory', 'pass a file in it')}`);
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`'--html' (${value}): the directory ${path.dirname(value)} does not exist; create it, or ${fix}`);
  }
  return abs;
}

/**
 * The CLI. `signal` stops a running drill (the process wrapper aborts it on SIGINT/SIGTERM with
 * the signal's name as the reason); the report of what was measured is printed all the same.
 */
export async function main(
  argv: string[], out: (text: string) => void, err: (text: string) => void, signal?: AbortSignal, terminal?: ProgressTerminal,
): Promise<number> {
  if (wantsVersion(argv)) {
    out(`${packageVersion()}\n`);
    return 0;
  }
  let report: DrillReport;
  let sources: SourcedObject[] = [];
  try {
    let parsed;
    try {
      parsed = parseFlags(DRILL_FLAGS, argv);
    } catch (e) {
      err(`graceful-drill: ${(e as Error).message}\n${usage()}\n`);
      return 2;
    }
    const { options, cli, positionals } = parsed;
    if (cli.help) {
      out(usage() + '\n');
      return 0;
    }
    if (positionals.length !== 1 || !options.exec) {
      throw new Error('pass one manifest file and --exec "<command that starts the app>"');
    }
    const html = cli.html === undefined ? undefined : htmlTarget(cli.html);
    // The live line only on a terminal, and not over JSON (which is for programs).
    const line = terminal?.isTTY && !cli.json ? new ProgressLine(terminal) : undefined;
    const drillOptions: DrillOptions = {
      ...(options as DrillOptions),
      log: cli.json ? undefined : m => {
        line?.clear();
        err(`graceful-drill: ${m}\n`);
      },
      progress: line && (p => line.update(p)),
      signal,
    };
    sources = readManifest(positionals[0]);
    try {
      report = await runDrill(sources.map(o => o.object), drillOptions);
    } finally {
      line?.clear();
    }
    out(cli.json ? JSON.stringify(report, null, 2) + '\n' : formatDrillReport(report, { timeline: cli.timeline === true }));
    if (html) writeHtml(html, report, cli.html as string);
  } catch (e) {
    const text = e instanceof ManifestProblems ? problemsText(e, sources) : (e as Error).message;
    err(`graceful-drill: ${text.split('\n').join('\ngraceful-drill: ')}\n`);
    return 2;
  }
  return exitCode(report);
}

/**
 * Runs the CLI in this process: SIGINT and SIGTERM stop the drill (its report is printed and
 * every process it started is killed); a second signal exits at once (the drill's exit hook
 * still kills its process groups).
 */
export function runCli(argv: string[]): void {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const terminal = { isTTY: process.stdout.isTTY === true, columns: process.stdout.columns, write: (t: string) => process.stdout.write(t) };
  void main(argv, t => process.stdout.write(t), t => process.stderr.write(t), controller.signal, terminal).then(code => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.exitCode = code;
  });
}
