// How to run a drill, its defaults, and the limits every option is checked against before any
// process starts. Messages name the CLI flag (the library's options mirror the flags).

import { LONG_LIVED_KINDS, LongLivedOptions } from '../traffic/long-lived';
import { DEFAULT_RECONCILE_LATENCY, ReconcileLatency } from '../../timing/rolling-update';

/** What the drill does to the pods once load is running. */
export type Scenario = 'rollout' | 'drain' | 'scale-down' | 'rainbow';
export const SCENARIOS: Scenario[] = ['rollout', 'drain', 'scale-down', 'rainbow'];

/** How to run a drill. Times are manifest seconds unless they say otherwise. */
export interface DrillOptions {
  /** Shell command that starts the app; it must listen on 127.0.0.1 at the port in `portEnv`. */
  readonly exec: string;
  /**
   * Commands of the pod's other containers (sidecars), by container name; `exec` stays the
   * command of the container behind the Service. Each gets its own port in `portEnv`; every
   * container of the pod finds the others at `<NAME>_PORT` (`db-proxy` → `DB_PROXY_PORT`), and the
   * serving container finds the first of them (native sidecars first) at `UPSTREAM_PORT`.
   * Containers without a command are not run.
   */
  readonly execContainers?: Record<string, string>;
  /** @default 'PORT' */
  readonly portEnv?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Which Deployment, when the manifest has several. */
  readonly deployment?: string;
  /** @default 'rollout' */
  readonly scenario?: Scenario;
  /** Real seconds per manifest second. @default 1 */
  readonly timeScale?: number;
  /** Propagation lag of endpoint changes to the proxy, drawn uniformly from [min, max]. @default { min: 0, max: 1 } (kube-proxy, spec 4.4) */
  readonly lag?: { readonly min: number; readonly max: number };
  /** Seed of the lags, latencies, backend choices and the start phase. @default 1 */
  readonly seed?: number;
  /** Controller reaction time per hop, drawn uniformly. @default { min: 0.01, max: 0.05 } (spec 3.4a) */
  readonly reconcileLatency?: ReconcileLatency;
  /** Requests per real second. @default 200 */
  readonly rate?: number;
  /** Keep-alive connections. @default 16 */
  readonly connections?: number;
  /** Requests per connection before the client opens a new one (connection churn of many clients). @default 50 */
  readonly requestsPerConnection?: number;
  /** Bound on requests. @default 200000 */
  readonly maxRequests?: number;
  /** Hard bound on the drill's real duration, seconds, from start to report. @default 600 */
  readonly maxSeconds?: number;
  /** Per-request timeout, real milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** @default '/' */
  readonly path?: string;
  /** Load before the scenario starts. @default 5 */
  readonly warmupSeconds?: number;
  /** Load after the scenario's last pod is gone. @default 5 */
  readonly settleSeconds?: number;
  /** How long the first pods may take to listen and become Ready. @default 30 */
  readonly startTimeoutSeconds?: number;
  /** Env for every pod. */
  readonly env?: Record<string, string>;
  /** Env for the new revision only (the template change that triggers the rollout). */
  readonly newEnv?: Record<string, string>;
  /** Kill one serving pod this long after the scenario starts. */
  readonly crashAfterSeconds?: number;
  /** Container restart back-off after a crash. @default 10 */
  readonly restartBackoffSeconds?: number;
  /** Simulated nodes the pods are placed on. @default 3 */
  readonly nodes?: number;
  /** Nodes drained by the drain scenario (the ones with the most pods). @default 1 */
  readonly drainNodes?: number;
  /** Replicas the autoscaler scales down to. @default the HPA's minReplicas, else half the replicas */
  readonly scaleTo?: number;
  /** Most replicas the drill runs without being told to (each is a local process). @default 30 */
  readonly replicaLimit?: number;
  /** Long-lived connections (WebSocket or SSE) held open through the proxy next to the HTTP load. */
  readonly longLived?: LongLivedOptions;
  /** Stops the drill; the report says what was measured until then. */
  readonly signal?: AbortSignal;
  /** Progress messages. */
  readonly log?: (message: string) => void;
}

/** The defaults, in one place. */
export const DRILL_DEFAULTS = {
  portEnv: 'PORT',
  scenario: 'rollout' as Scenario,
  timeScale: 1,
  lag: { min: 0, max: 1 },
  seed: 1,
  reconcileLatency: DEFAULT_RECONCILE_LATENCY,
  rate: 200,
  connections: 16,
  requestsPerConnection: 50,
  maxRequests: 200_000,
  maxSeconds: 600,
  timeoutMs: 5000,
  path: '/',
  warmupSeconds: 5,
  settleSeconds: 5,
  startTimeoutSeconds: 30,
  restartBackoffSeconds: 10,
  nodes: 3,
  drainNodes: 1,
  replicaLimit: 30,
};

/** Above this the drill refuses even with a replica limit raised: a machine does not run more app processes usefully. */
export const MAX_REPLICA_LIMIT = 500;

interface Limit {
  readonly flag: string;
  readonly value: number | undefined;
  readonly min: number;
  /** min itself is not allowed. */
  readonly above?: boolean;
  readonly max: number;
  readonly integer?: boolean;
  readonly fix: string;
}

function check(limit: Limit): string | undefined {
  const { flag, value, min, max, integer, above, fix } = limit;
  if (value === undefined) return undefined;
  const kind = integer ? 'a whole number' : 'a number';
  const range = above ? `above ${min} and at most ${max}` : `from ${min} to ${max}`;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value > max || (above ? value <= min : value < min)) {
    return `'${flag}' (${value}) must be ${kind} ${range}; ${fix}`;
  }
  return undefined;
}

/** Every problem with the options, before anything starts; empty when they are fine. */
export function optionProblems(o: DrillOptions): string[] {
  const nodes = o.nodes ?? DRILL_DEFAULTS.nodes;
  const drainNodes = o.scenario === 'drain' ? o.drainNodes ?? DRILL_DEFAULTS.drainNodes : o.drainNodes;
  const limits: Limit[] = [
    { flag: '--time-scale', value: o.timeScale, min: 0, above: true, max: 10, fix: 'use 1 for real time, 0.2 to run five times faster' },
    { flag: '--seed', value: o.seed, min: 0, max: 2 ** 32 - 1, integer: true, fix: 'use any whole number, e.g. 7' },
    { flag: '--rate', value: o.rate, min: 0, above: true, max: 20_000, fix: 'give requests per second, e.g. 200' },
    { flag: '--connections', value: o.connections, min: 1, max: 1024, integer: true, fix: 'give the number of keep-alive connections, e.g. 16' },
    {
      flag: '--requests-per-connection',
      value: o.requestsPerConnection,
      min: 1,
      max: 1e9,
      integer: true,
      fix: 'use 1 for a new connection per request, e.g. 50',
    },
    { flag: '--max-requests', value: o.maxRequests, min: 1, max: 1e8, integer: true, fix: 'e.g. 200000' },
    { flag: '--max-seconds', value: o.maxSeconds, min: 0, above: true, max: 86_400, fix: 'give the longest the whole drill may take, e.g. 600' },
    { flag: '--timeout-ms', value: o.timeoutMs, min: 1, max: 600_000, integer: true, fix: 'e.g. 5000' },
    { flag: '--warmup', value: o.warmupSeconds, min: 0, max: 3600, fix: 'e.g. 5' },
    { flag: '--settle', value: o.settleSeconds, min: 0, max: 3600, fix: 'e.g. 5' },
    {
      flag: '--start-timeout',
      value: o.startTimeoutSeconds,
      min: 0,
      above: true,
      max: 3600,
      fix: 'give how long the app may take to listen, e.g. 30',
    },
    { flag: '--crash-after', value: o.crashAfterSeconds, min: 0, max: 3600, fix: 'give seconds after the scenario starts, e.g. 4' },
    { flag: '--restart-backoff', value: o.restartBackoffSeconds, min: 0, max: 300, fix: 'e.g. 10 (CrashLoopBackOff starts at 10 s)' },
    { flag: '--nodes', value: o.nodes, min: 1, max: 100, integer: true, fix: 'e.g. 3' },
    {
      flag: '--drain-nodes',
      value: drainNodes,
      min: 1,
      max: Math.max(1, nodes - 1),
      integer: true,
      fix: `drain fewer nodes than there are (--nodes ${nodes}), so the evicted pods have somewhere to go`,
    },
    { flag: '--scale-to', value: o.scaleTo, min: 1, max: 1e6, integer: true, fix: 'give the replicas the autoscaler leaves, e.g. 5' },
    {
      flag: '--replica-limit',
      value: o.replicaLimit,
      min: 1,
      max: MAX_REPLICA_LIMIT,
      integer: true,
      fix: `the drill runs at most ${MAX_REPLICA_LIMIT} replicas`,
    },
  ];
  const problems = [...limits, ...longLivedLimits(o.longLived)].map(check).filter((p): p is string => p !== undefined);
  problems.push(...longLivedProblems(o.longLived));
  if (o.scenario === 'drain' && nodes < 2) {
    problems.push(`'--nodes' (${nodes}) must be at least 2 for the drain scenario, so the evicted pods have somewhere to go; e.g. --nodes 3`);
  }
  const pair = (flag: string, range: { min: number; max: number } | undefined, max: number, fix: string) => {
    if (range && !(range.min >= 0 && range.max >= range.min && range.max <= max)) {
      problems.push(`'${flag}' (${range.min}-${range.max}) must be a range of seconds from 0 to ${max}, min <= max; ${fix}`);
    }
  };
  pair('--lag', o.lag, 600, 'e.g. 0-5, or 2 for a fixed lag');
  pair('--reconcile-latency', o.reconcileLatency, 5, 'e.g. 0.01-0.05 (measured on Kubernetes 1.34)');
  if (o.scenario !== undefined && !SCENARIOS.includes(o.scenario)) {
    problems.push(`'--scenario' (${o.scenario}) must be one of ${SCENARIOS.join(', ')}`);
  }
  if (typeof o.exec !== 'string' || o.exec.trim() === '') {
    problems.push('\'--exec\' must be the command that starts the app, e.g. --exec "node server.js"');
  }
  return problems;
}

function longLivedLimits(l: LongLivedOptions | undefined): Limit[] {
  if (!l) return [];
  return [
    {
      flag: '--long-lived',
      value: l.connections,
      min: 1,
      max: 5000,
      integer: true,
      fix: 'give the number of WebSocket or event-stream connections to hold open, e.g. 50 (omit the flag for none)',
    },
    { flag: '--long-lived-reconnect', value: l.reconnectSeconds, min: 0, max: 600, fix: 'give the seconds a cut client waits, e.g. 1' },
    { flag: '--long-lived-session', value: l.sessionSeconds, min: 0, above: true, max: 86_400, fix: 'give how long a chat lasts on average, e.g. 30' },
  ];
}

function longLivedProblems(l: LongLivedOptions | undefined): string[] {
  const problems: string[] = [];
  if (l?.kind !== undefined && !LONG_LIVED_KINDS.includes(l.kind)) {
    problems.push(`'--long-lived-kind' (${l.kind}) must be one of ${LONG_LIVED_KINDS.join(', ')}; e.g. --long-lived-kind websocket`);
  }
  if (l?.path !== undefined && (typeof l.path !== 'string' || !l.path.startsWith('/'))) {
    problems.push(`'--long-lived-path' (${l.path}) must be a path starting with '/'; e.g. --long-lived-path /chat`);
  }
  return problems;
}

/** A container of the pod as `containerProblems` needs it. */
export interface NamedContainer {
  readonly name: string;
  readonly sidecar?: boolean;
}

/**
 * Problems with `--exec-container` that need the manifest: a name that is no container of the
 * pod, the serving container (it runs `--exec`), an empty command.
 */
export function containerProblems(o: DrillOptions, containers: NamedContainer[], serving: string, deployment: string): string[] {
  const problems: string[] = [];
  const names = containers.map(c => `${c.name}${c.sidecar ? ' (native sidecar)' : ''}`).join(', ');
  for (const [name, command] of Object.entries(o.execContainers ?? {})) {
    const flag = `'--exec-container' (${name}=${command ?? ''})`;
    if (!containers.some(c => c.name === name)) {
      problems.push(`${flag} names no container of Deployment '${deployment}'; its containers are ${names}; use one of those names, e.g. --exec-container ${containers.find(c => c.name !== serving)?.name ?? 'proxy'}="node proxy.js"`);
    } else if (name === serving) {
      problems.push(`${flag} names '${serving}', the container behind the Service, which runs the --exec command; drop it, or give its command with --exec`);
    } else if (typeof command !== 'string' || command.trim() === '') {
      problems.push(`${flag} has no command; give the command that starts container '${name}', e.g. --exec-container ${name}="node ${name}.js"`);
    }
  }
  return problems;
}

/** Problems that need the manifest: too many replicas for local processes, a scale-down that removes nothing. */
export function specProblems(o: DrillOptions, replicas: number): string[] {
  const problems: string[] = [];
  const limit = o.replicaLimit ?? DRILL_DEFAULTS.replicaLimit;
  if (replicas > limit) {
    problems.push(`the Deployment has ${replicas} replicas, above the limit of ${limit} local app processes (a rollout runs up to twice as many at once); `
      + `pass --replica-limit ${Math.min(replicas, MAX_REPLICA_LIMIT)} to run them anyway, or drill a copy of the manifest with fewer replicas`);
  }
  if (replicas < 1) {
    problems.push(`the Deployment has ${replicas} replicas; the drill needs at least 1`);
  }
  if (o.scenario === 'scale-down' && o.scaleTo !== undefined && o.scaleTo >= replicas) {
    problems.push(`'--scale-to' (${o.scaleTo}) must be below the Deployment's ${replicas} replicas, or the autoscaler removes nothing; e.g. --scale-to ${Math.max(1, Math.floor(replicas / 2))}`);
  }
  if (o.scenario === 'scale-down' && replicas < 2) {
    problems.push(`the scale-down scenario needs at least 2 replicas (the Deployment has ${replicas}); the autoscaler keeps at least 1`);
  }
  return problems;
}
