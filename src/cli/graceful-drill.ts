// graceful-drill: replays a rolling update of a synthesized manifest with the real app as
// local processes behind a lagged 127.0.0.1 proxy, under load, and reports every failed
// request. Exit code: 0 no request failed, 1 requests failed, 2 usage or setup error.

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { packageVersion, wantsVersion } from './version';
import { DrillReport, formatDrillReport, runDrill } from '../drill/drill';
import { loadManifests } from '../manifest/load';

const USAGE = `usage: graceful-drill <manifest.yaml> --exec "<command>" [options]

Replays a RollingUpdate of the manifest's Deployment, with the app started locally once per
pod (it must listen on 127.0.0.1 at the port given in $PORT), endpoint changes reaching a TCP
proxy after a propagation lag, and constant-rate keep-alive HTTP load through the proxy.

options:
  --exec <command>          command that starts one pod's app (required)
  --port-env <name>         env var carrying the port (default PORT)
  --deployment <name>       which Deployment, when the manifest has several
  --lag <s>|<min>-<max>     propagation lag in manifest seconds (default 0-1), drawn with --seed
  --seed <n>                seed of lags and backend choices (default 1)
  --rate <n>                requests per second (default 200)
  --connections <n>         keep-alive connections (default 16)
  --requests-per-connection <n>  requests before a connection is replaced (default 50)
  --max-requests <n>        bound on requests (default 200000)
  --max-seconds <n>         bound on the drill's real duration (default 600)
  --warmup <s>              load before the rollout (default 5)
  --settle <s>              load after the last old pod is gone (default 5)
  --time-scale <x>          real seconds per manifest second (default 1; 0.1 runs 10x faster)
  --env KEY=VALUE           env for every pod (repeatable)
  --new-env KEY=VALUE       env for the new revision only (repeatable)
  --crash-after <s>         kill one serving pod this long after the rollout starts
  --timeline                print every pod's timeline
  --json                    print the report as JSON
  --version                 print the version, then exit
  -h, --help                print this help

exit code: 0 no request failed, 1 some failed, 2 usage or setup error`;

function keyValues(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) {
      throw new Error(`${flag} takes KEY=VALUE (got '${kv}')`);
    }
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function number(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`${flag} takes a number of zero or more (got '${value}')`);
  }
  return n;
}

export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (wantsVersion(argv)) {
    out(`${packageVersion()}\n`);
    return 0;
  }
  let values: any;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'exec': { type: 'string' },
        'port-env': { type: 'string' },
        'deployment': { type: 'string' },
        'lag': { type: 'string' },
        'seed': { type: 'string' },
        'rate': { type: 'string' },
        'connections': { type: 'string' },
        'requests-per-connection': { type: 'string' },
        'max-requests': { type: 'string' },
        'max-seconds': { type: 'string' },
        'warmup': { type: 'string' },
        'settle': { type: 'string' },
        'time-scale': { type: 'string' },
        'env': { type: 'string', multiple: true },
        'new-env': { type: 'string', multiple: true },
        'crash-after': { type: 'string' },
        'timeline': { type: 'boolean', default: false },
        'json': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    err(`graceful-drill: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  let report: DrillReport;
  try {
    if (positionals.length !== 1 || !values.exec) {
      throw new Error('pass one manifest file and --exec "<command that starts the app>"');
    }
    const lagText: string = values.lag ?? '0-1';
    const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(lagText);
    if (!m) {
      throw new Error(`--lag takes seconds or a range such as 0-5 (got '${lagText}')`);
    }
    const lag = { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
    const file = positionals[0];
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
    report = await runDrill(objects.map(o => o.object), {
      exec: values.exec,
      portEnv: values['port-env'],
      deployment: values.deployment,
      lag,
      seed: number(values.seed, '--seed', 1),
      rate: number(values.rate, '--rate', 200),
      connections: number(values.connections, '--connections', 16),
      requestsPerConnection: number(values['requests-per-connection'], '--requests-per-connection', 50),
      maxRequests: number(values['max-requests'], '--max-requests', 200_000),
      maxSeconds: number(values['max-seconds'], '--max-seconds', 600),
      warmupSeconds: number(values.warmup, '--warmup', 5),
      settleSeconds: number(values.settle, '--settle', 5),
      timeScale: number(values['time-scale'], '--time-scale', 1),
      env: keyValues(values.env, '--env'),
      newEnv: keyValues(values['new-env'], '--new-env'),
      crashAfterSeconds: number(values['crash-after'], '--crash-after', undefined),
      log: values.json ? undefined : message => err(`graceful-drill: ${message}\n`),
    });
  } catch (e) {
    err(`graceful-drill: ${(e as Error).message}\n`);
    return 2;
  }
  out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatDrillReport(report, { timeline: values.timeline }));
  return report.failed > 0 || report.rollout.timedOut ? 1 : 0;
}
