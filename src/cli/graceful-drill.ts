// graceful-drill: replays what Kubernetes does when a synthesized Deployment's pods go (a
// rolling update, a node drain, an autoscaler's scale-down), with the real app as local
// processes behind a lagged 127.0.0.1 proxy, under load, and reports every failed request.

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { packageVersion, wantsVersion } from './version';
import { DRILL_DEFAULTS, DrillOptions, DrillReport, formatDrillReport, LongLivedKind, LongLivedOptions, runDrill, Scenario } from '../drill/drill';
import { loadManifests } from '../manifest/load';

const D = DRILL_DEFAULTS;
const USAGE = `usage: graceful-drill <manifest.yaml> --exec "<command>" [options]

Starts the app once per pod (it must listen on 127.0.0.1 at the port in $PORT), sends
constant-rate keep-alive HTTP load through a proxy that learns of endpoint changes after a
propagation lag, then replays a scenario and reports every failed request.

scenarios (--scenario):
  rollout       a template change: the Deployment controller's RollingUpdate (default)
  drain         kubectl drain of the node(s) with the most pods: evictions through the
                PodDisruptionBudget, retried every 5 s on 429; the ReplicaSet replaces them
  scale-down    the autoscaler lowers replicas (to --scale-to); nothing replaces the victims
  rainbow       a RainbowDeployment's release change: the Service switches from the draining
                (or active) release to the active (or staged) one; the old release keeps its
                connections and is scaled to zero once they are gone or at its drain-for

options:
  --exec <command>            command that starts one pod's app (required)
  --exec-container <name>=<command>  also run the pod's container <name> (a sidecar) with this
                              command (repeatable); each container gets its own $PORT, the
                              others' ports as <NAME>_PORT, the app the sidecar's as $UPSTREAM_PORT;
                              native sidecars start first and get SIGTERM after the app exited
  --scenario <name>           rollout, drain, scale-down or rainbow (default ${D.scenario})
  --port-env <name>           env var carrying the port (default ${D.portEnv})
  --deployment <name>         which Deployment, when the manifest has several
  --nodes <n>                 simulated nodes the pods are placed on (default ${D.nodes})
  --drain-nodes <n>           nodes drained by the drain scenario (default ${D.drainNodes})
  --scale-to <n>              replicas after the scale-down (default: the HPA's minReplicas, else half)
  --lag <s>|<min>-<max>       propagation lag of endpoint changes, manifest seconds (default ${D.lag.min}-${D.lag.max})
  --reconcile-latency <s>|<min>-<max>  controller reaction time per hop (default ${D.reconcileLatency.min}-${D.reconcileLatency.max})
  --seed <n>                  seed of lags, latencies, backend choices and start phase (default ${D.seed})
  --rate <n>                  requests per second (default ${D.rate})
  --connections <n>           keep-alive connections (default ${D.connections})
  --requests-per-connection <n>  requests before a connection is replaced (default ${D.requestsPerConnection})
  --timeout-ms <n>            per-request timeout, real milliseconds (default ${D.timeoutMs})
  --path <path>               request path (default ${D.path})
  --max-requests <n>          bound on requests (default ${D.maxRequests})
  --max-seconds <n>           hard bound on the whole drill, real seconds (default ${D.maxSeconds})
  --warmup <s>                load before the scenario (default ${D.warmupSeconds})
  --settle <s>                load after the scenario's last pod is gone (default ${D.settleSeconds})
  --start-timeout <s>         how long the first pods may take to listen and be Ready (default ${D.startTimeoutSeconds})
  --time-scale <x>            real seconds per manifest second (default ${D.timeScale}; 0.2 runs 5x faster)
  --env KEY=VALUE             env for every pod (repeatable)
  --new-env KEY=VALUE         env for the new revision only (repeatable)
  --crash-after <s>           kill one serving pod this long after the scenario starts
  --restart-backoff <s>       container restart delay after a crash (default ${D.restartBackoffSeconds})
  --replica-limit <n>         run more replicas than ${D.replicaLimit} local processes (at most 500)
  --long-lived <n>            hold n long-lived connections open next to the load; report the cut ones
  --long-lived-kind <kind>    websocket (an HTTP upgrade) or sse (an event stream) (default websocket)
  --long-lived-path <path>    their path (default /chat for websocket, /events for sse)
  --long-lived-session <s>    a chat lasts from half to 1.5 times this, then a new one starts (default: the whole run)
  --long-lived-reconnect <s>  a cut client reconnects after this (default 1)
  --timeline                  print every pod's timeline
  --json                      print the report as JSON
  --version                   print the version, then exit
  -h, --help                  print this help

preStop hooks: a plain sleep runs on the drill clock; \`nginx -s quit\` (or \`-s stop\`) in an
exec hook, e.g. PreStop.sleepThen(['nginx','-s','quit']), is sent as SIGQUIT (SIGTERM) to the
container's process, since nginx's binary cannot run here; other exec hooks run on this machine.

SIGINT or SIGTERM stops the drill, kills every process it started and prints what was
measured so far (a second signal exits at once).
exit code: 0 no request failed, 1 some failed, a long-lived connection was cut or the
scenario did not finish, 2 usage or setup error, 130/143 stopped by SIGINT/SIGTERM`;

const STRING_FLAGS = ['exec', 'scenario', 'port-env', 'deployment', 'lag', 'reconcile-latency', 'path', 'long-lived-kind', 'long-lived-path'];
/** Numeric flags of the long-lived connections and the option each sets. */
const LONG_LIVED_FLAGS: Record<string, keyof LongLivedOptions> = {
  'long-lived': 'connections',
  'long-lived-session': 'sessionSeconds',
  'long-lived-reconnect': 'reconnectSeconds',
};
/** Numeric flags and the option each sets. */
const NUMBER_FLAGS: Record<string, keyof DrillOptions> = {
  'seed': 'seed',
  'rate': 'rate',
  'connections': 'connections',
  'requests-per-connection': 'requestsPerConnection',
  'timeout-ms': 'timeoutMs',
  'max-requests': 'maxRequests',
  'max-seconds': 'maxSeconds',
  'warmup': 'warmupSeconds',
  'settle': 'settleSeconds',
  'start-timeout': 'startTimeoutSeconds',
  'time-scale': 'timeScale',
  'crash-after': 'crashAfterSeconds',
  'restart-backoff': 'restartBackoffSeconds',
  'nodes': 'nodes',
  'drain-nodes': 'drainNodes',
  'scale-to': 'scaleTo',
  'replica-limit': 'replicaLimit',
};

function keyValues(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) {
      const example = flag === 'exec-container' ? 'db-proxy="node db-proxy.js"' : 'LOG_LEVEL=debug';
      throw new Error(`'--${flag}' takes ${flag === 'exec-container' ? 'NAME=COMMAND' : 'KEY=VALUE'} (got '${kv}'); e.g. --${flag} ${example}`);
    }
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function range(text: string | undefined, flag: string): { min: number; max: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text);
  if (!m) {
    throw new Error(`'--${flag}' takes seconds or a range such as 0-5 (got '${text}')`);
  }
  return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
}

function parse(argv: string[]): { values: Record<string, any>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    'env': { type: 'string', multiple: true },
    'new-env': { type: 'string', multiple: true },
    'exec-container': { type: 'string', multiple: true },
    'timeline': { type: 'boolean' },
    'json': { type: 'boolean' },
    'help': { type: 'boolean', short: 'h' },
  };
  for (const f of [...STRING_FLAGS, ...Object.keys(NUMBER_FLAGS), ...Object.keys(LONG_LIVED_FLAGS)]) options[f] = { type: 'string' };
  return parseArgs({ args: argv, allowPositionals: true, options });
}

function numbersOf(values: Record<string, any>, flags: Record<string, string>): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const [flag, option] of Object.entries(flags)) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) {
      throw new Error(`'--${flag}' takes a number (got '${text}')`);
    }
    numbers[option] = n;
  }
  return numbers;
}

/** The long-lived connections: `--long-lived <n>` turns them on; the other flags need it. */
function longLivedOf(values: Record<string, any>): LongLivedOptions | undefined {
  const numbers = numbersOf(values, LONG_LIVED_FLAGS);
  const others = ['long-lived-kind', 'long-lived-path', 'long-lived-session', 'long-lived-reconnect'].filter(f => values[f] !== undefined);
  if (numbers.connections === undefined) {
    if (others.length > 0) throw new Error(`'--${others[0]}' needs '--long-lived <n>', the number of connections to hold open; e.g. --long-lived 50`);
    return undefined;
  }
  return {
    connections: numbers.connections,
    kind: values['long-lived-kind'] as LongLivedKind | undefined,
    path: values['long-lived-path'],
    sessionSeconds: numbers.sessionSeconds,
    reconnectSeconds: numbers.reconnectSeconds,
  };
}

/** The drill's options from the flags; throws on a malformed value (ranges are checked by the drill). */
function optionsOf(values: Record<string, any>, log: ((m: string) => void) | undefined, signal?: AbortSignal): DrillOptions {
  const numbers = numbersOf(values, NUMBER_FLAGS);
  return {
    exec: values.exec,
    scenario: values.scenario as Scenario | undefined,
    portEnv: values['port-env'],
    deployment: values.deployment,
    path: values.path,
    lag: range(values.lag, 'lag'),
    reconcileLatency: range(values['reconcile-latency'], 'reconcile-latency'),
    env: keyValues(values.env, 'env'),
    newEnv: keyValues(values['new-env'], 'new-env'),
    longLived: longLivedOf(values),
    execContainers: values['exec-container'] ? keyValues(values['exec-container'], 'exec-container') : undefined,
    ...numbers,
    log,
    signal,
  };
}

function readManifest(file: string): any[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { objects, errors } = loadManifests(text, file);
  if (errors.length > 0) {
    throw new Error(`cannot parse ${errors[0].file}:${errors[0].line}: ${errors[0].message}`);
  }
  return objects.map(o => o.object);
}

function exitCode(report: DrillReport): number {
  if (report.stopped === 'SIGINT') return 130;
  if (report.stopped === 'SIGTERM') return 143;
  const section = report.rollout ?? report.drain ?? report.scaleDown ?? report.rainbow;
  const cut = report.longLived?.cut ?? 0;
  return report.failed > 0 || cut > 0 || report.stopped !== undefined || section?.timedOut ? 1 : 0;
}

/**
 * The CLI. `signal` stops a running drill (the process wrapper aborts it on SIGINT/SIGTERM with
 * the signal's name as the reason); the report of what was measured is printed all the same.
 */
export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void, signal?: AbortSignal): Promise<number> {
  if (wantsVersion(argv)) {
    out(`${packageVersion()}\n`);
    return 0;
  }
  let report: DrillReport;
  try {
    let parsed;
    try {
      parsed = parse(argv);
    } catch (e) {
      err(`graceful-drill: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      out(USAGE + '\n');
      return 0;
    }
    if (positionals.length !== 1 || !values.exec) {
      throw new Error('pass one manifest file and --exec "<command that starts the app>"');
    }
    const options = optionsOf(values, values.json ? undefined : m => err(`graceful-drill: ${m}\n`), signal);
    report = await runDrill(readManifest(positionals[0]), options);
    out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatDrillReport(report, { timeline: values.timeline }));
  } catch (e) {
    err(`graceful-drill: ${(e as Error).message.split('\n').join('\ngraceful-drill: ')}\n`);
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
  void main(argv, t => process.stdout.write(t), t => process.stderr.write(t), controller.signal).then(code => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.exitCode = code;
  });
}
