// How to run a drill: the options, and the flags that set them (one table: defaults, parsing,
// checks and `--help` come from it, flags.ts). Scenarios add their own flags (scenarios/*.ts).
// Messages name the CLI flag; the library's options mirror the flags.

import { Flag, defaultsOf } from './flags';
import { DEFAULT_RECONCILE_LATENCY, ReconcileLatency } from '../../timing/rolling-update';
import type { DrillProgress } from '../report/progress';
import { LONG_LIVED_KINDS, LongLivedOptions } from '../traffic/long-lived';

/** What the drill does to the pods once load is running (`scenarios/`). */
export type Scenario = 'rollout' | 'drain' | 'scale-down' | 'rainbow';

/** The data plane in front of the pods. */
export type DataPlaneKind = 'kube-proxy' | 'haproxy';
export const DATA_PLANES: DataPlaneKind[] = ['kube-proxy', 'haproxy'];

/** What the real proxy does when a request cannot reach its pod. */
export type ProxyRetries = 'none' | 'default' | 'redispatch';
export const PROXY_RETRIES: ProxyRetries[] = ['none', 'default', 'redispatch'];

/** How a container's command runs: as the manifest's `command`/`args` say, or `--exec` as PID 1. */
export type EntrypointMode = 'manifest' | 'exec';
export const ENTRYPOINT_MODES: EntrypointMode[] = ['manifest', 'exec'];

/** Feature gates the drill knows. */
export const FEATURE_GATES = ['MaxUnavailableStatefulSet'];

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
  /** Which workload (Deployment, StatefulSet or DaemonSet), when the manifest has several. */
  readonly deployment?: string;
  /** @default 'rollout' */
  readonly scenario?: Scenario;
  /** Replicas to run instead of the manifest's. @default spec.replicas; without it, the HorizontalPodAutoscaler's minReplicas */
  readonly replicas?: number;
  /** Real seconds per manifest second. @default 1 */
  readonly timeScale?: number;
  /** Propagation lag of endpoint changes to the proxy, drawn uniformly from [min, max]. @default { min: 0, max: 1 } (kube-proxy, spec 4.4) */
  readonly lag?: { readonly min: number; readonly max: number };
  /** Seed of the lags, latencies, backend choices and the start phase. @default 1 */
  readonly seed?: number;
  /** Controller reaction time per hop, drawn uniformly. @default { min: 0.01, max: 0.05 } (spec 3.4a) */
  readonly reconcileLatency?: ReconcileLatency;
  /**
   * The data plane: `kube-proxy` (a TCP proxy with kube-proxy's rules: a connection stays on its
   * pod) or `haproxy` (a real reverse proxy, as an ingress or gateway, whose servers follow the
   * endpoints through its runtime API). @default 'kube-proxy'
   */
  readonly dataPlane?: DataPlaneKind;
  /**
   * The real proxy's retries: `none` (retries 0), `default` (HAProxy's: 3 retries on a failed
   * connection, to the same server), `redispatch` (3 retries, each to another server). @default 'none'
   */
  readonly proxyRetries?: ProxyRetries;
  /** Requests per real second. @default 200 */
  readonly rate?: number;
  /** Share of the requests that are POSTs with a body (not idempotent: a proxy must not retry one it sent). @default 0.1 */
  readonly postShare?: number;
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
  /**
   * `manifest`: a container runs as its `command`/`args` say, `--exec` standing for the app in
   * them (a `sh -c` script runs through the real shell); `exec`: `--exec` alone, as PID 1.
   * @default 'manifest'
   */
  readonly entrypoint?: EntrypointMode;
  /**
   * The program that runs a script's `sh` when the image's family does not tell which shell it is
   * (src/manifest/shells.ts reads it from the image). @default '/bin/sh' (this machine's; dash on Debian)
   */
  readonly shell?: string;
  /** Feature gates of the simulated cluster (`MaxUnavailableStatefulSet`). */
  readonly featureGates?: string[];
  /** Long-lived connections (WebSocket or SSE) held open through the proxy next to the HTTP load. */
  readonly longLived?: LongLivedOptions;
  /** Stops the drill; the report says what was measured until then. */
  readonly signal?: AbortSignal;
  /** Progress messages. */
  readonly log?: (message: string) => void;
  /**
   * The drill's numbers so far (phase, pods, requests, failures): at each change of phase and
   * every quarter of a second while it runs. `graceful-drill` shows them as a live line on a terminal.
   */
  readonly progress?: (progress: DrillProgress) => void;
}

/** Above this the drill refuses even with a replica limit raised: a machine does not run more app processes usefully. */
export const MAX_REPLICA_LIMIT = 500;

/** The flags every scenario has, in `--help` order. */
export const GENERAL_FLAGS: readonly Flag[] = [
  { name: 'exec', option: 'exec', kind: 'string', arg: '<command>', help: 'command that starts one pod\'s app (required)' },
  {
    name: 'exec-container',
    option: 'execContainers',
    kind: 'pairs',
    arg: '<name>=<command>',
    example: 'db-proxy="node db-proxy.js"',
    help: 'also run the pod\'s container <name> (a sidecar) with this command (repeatable); each container gets its own $PORT, the others\' '
      + 'ports as <NAME>_PORT, the app the sidecar\'s as $UPSTREAM_PORT; native sidecars start first and get SIGTERM after the app exited',
  },
  {
    name: 'entrypoint',
    option: 'entrypoint',
    kind: 'choice',
    arg: '<mode>',
    default: 'manifest',
    choices: ENTRYPOINT_MODES,
    example: '--entrypoint exec',
    help: 'manifest: each container runs as its command/args say, --exec standing for the app (a `sh -c` script runs through the real shell, '
      + 'as PID 1 of a PID namespace); exec: --exec alone as PID 1',
  },
  {
    name: 'sh',
    option: 'shell',
    kind: 'string',
    arg: '<program>',
    default: '/bin/sh',
    help: 'the program that runs a script\'s `sh` when the image\'s family does not tell which shell it is (Debian, Ubuntu: dash; Alpine: busybox ash; RHEL: bash)',
  },
  { name: 'scenario', option: 'scenario', kind: 'choice', arg: '<name>', default: 'rollout', help: 'what happens to the pods (see above)' },
  { name: 'port-env', option: 'portEnv', kind: 'string', arg: '<name>', default: 'PORT', help: 'env var carrying the port' },
  { name: 'deployment', option: 'deployment', kind: 'string', arg: '<name>', help: 'which workload (Deployment, StatefulSet or DaemonSet), when the manifest has several' },
  {
    name: 'replicas',
    option: 'replicas',
    kind: 'number',
    arg: '<n>',
    defaultText: 'spec.replicas; the HPA\'s minReplicas when an autoscaler owns them',
    limit: { min: 1, max: 1e6, integer: true, fix: 'give the replicas to run, e.g. 3' },
    help: 'replicas to run',
  },
  { name: 'nodes', option: 'nodes', kind: 'number', arg: '<n>', default: 3, limit: { min: 1, max: 100, integer: true, fix: 'e.g. 3' }, help: 'simulated nodes the pods are placed on' },
  {
    name: 'feature-gate',
    option: 'featureGates',
    kind: 'list',
    arg: '<name>',
    choices: FEATURE_GATES,
    example: '--feature-gate MaxUnavailableStatefulSet',
    help: 'a feature gate of the simulated cluster (repeatable): MaxUnavailableStatefulSet honours a StatefulSet\'s maxUnavailable (alpha, off through 1.34)',
  },
  {
    name: 'data-plane',
    option: 'dataPlane',
    kind: 'choice',
    arg: '<kind>',
    default: 'kube-proxy',
    choices: DATA_PLANES,
    example: '--data-plane haproxy',
    help: 'kube-proxy: a TCP proxy with kube-proxy\'s rules (a connection stays on its pod); haproxy: a real reverse proxy (an ingress, a gateway) '
      + 'whose servers follow the endpoints through its runtime API',
  },
  {
    name: 'proxy-retries',
    option: 'proxyRetries',
    kind: 'choice',
    arg: '<mode>',
    default: 'none',
    choices: PROXY_RETRIES,
    example: '--proxy-retries default',
    help: 'haproxy: none (retries 0), default (HAProxy\'s: 3 retries of a failed connection, same server), redispatch (3, each to another server)',
  },
  {
    name: 'lag',
    option: 'lag',
    kind: 'range',
    arg: '<s>|<min>-<max>',
    default: { min: 0, max: 1 },
    rangeMax: 600,
    example: '0-5, or 2 for a fixed lag',
    help: 'propagation lag of endpoint changes, manifest seconds',
  },
  {
    name: 'reconcile-latency',
    option: 'reconcileLatency',
    kind: 'range',
    arg: '<s>|<min>-<max>',
    default: DEFAULT_RECONCILE_LATENCY,
    rangeMax: 5,
    example: '0.01-0.05 (measured on Kubernetes 1.34)',
    help: 'controller reaction time per hop',
  },
  { name: 'seed', option: 'seed', kind: 'number', arg: '<n>', default: 1, limit: { min: 0, max: 2 ** 32 - 1, integer: true, fix: 'use any whole number, e.g. 7' }, help: 'seed of lags, latencies, backend choices and start phase' },
  { name: 'rate', option: 'rate', kind: 'number', arg: '<n>', default: 200, limit: { min: 0, above: true, max: 20_000, fix: 'give requests per second, e.g. 200' }, help: 'requests per second' },
  {
    name: 'post-share',
    option: 'postShare',
    kind: 'number',
    arg: '<x>',
    default: 0.1,
    limit: { min: 0, max: 1, fix: 'give the share of POST requests, e.g. 0.2' },
    help: 'share of the requests that are POSTs with a body (a proxy may not retry one it has sent)',
  },
  { name: 'connections', option: 'connections', kind: 'number', arg: '<n>', default: 16, limit: { min: 1, max: 1024, integer: true, fix: 'give the number of keep-alive connections, e.g. 16' }, help: 'keep-alive connections' },
  {
    name: 'requests-per-connection',
    option: 'requestsPerConnection',
    kind: 'number',
    arg: '<n>',
    default: 50,
    limit: { min: 1, max: 1e9, integer: true, fix: 'use 1 for a new connection per request, e.g. 50' },
    help: 'requests before a connection is replaced',
  },
  { name: 'timeout-ms', option: 'timeoutMs', kind: 'number', arg: '<n>', default: 5000, limit: { min: 1, max: 600_000, integer: true, fix: 'e.g. 5000' }, help: 'per-request timeout, real milliseconds' },
  { name: 'path', option: 'path', kind: 'string', arg: '<path>', default: '/', help: 'request path' },
  { name: 'max-requests', option: 'maxRequests', kind: 'number', arg: '<n>', default: 200_000, limit: { min: 1, max: 1e8, integer: true, fix: 'e.g. 200000' }, help: 'bound on requests' },
  {
    name: 'max-seconds',
    option: 'maxSeconds',
    kind: 'number',
    arg: '<n>',
    default: 600,
    limit: { min: 0, above: true, max: 86_400, fix: 'give the longest the whole drill may take, e.g. 600' },
    help: 'hard bound on the whole drill, real seconds',
  },
  { name: 'warmup', option: 'warmupSeconds', kind: 'number', arg: '<s>', default: 5, limit: { min: 0, max: 3600, fix: 'e.g. 5' }, help: 'load before the scenario' },
  { name: 'settle', option: 'settleSeconds', kind: 'number', arg: '<s>', default: 5, limit: { min: 0, max: 3600, fix: 'e.g. 5' }, help: 'load after the scenario\'s last pod is gone' },
  {
    name: 'start-timeout',
    option: 'startTimeoutSeconds',
    kind: 'number',
    arg: '<s>',
    default: 30,
    limit: { min: 0, above: true, max: 3600, fix: 'give how long the app may take to listen, e.g. 30' },
    help: 'how long the first pods may take to listen and be Ready',
  },
  {
    name: 'time-scale',
    option: 'timeScale',
    kind: 'number',
    arg: '<x>',
    default: 1,
    limit: { min: 0, above: true, max: 10, fix: 'use 1 for real time, 0.2 to run five times faster' },
    help: 'real seconds per manifest second (0.2 runs 5x faster)',
  },
  { name: 'env', option: 'env', kind: 'pairs', arg: 'KEY=VALUE', example: '--env LOG_LEVEL=debug', help: 'env for every pod (repeatable)' },
  { name: 'new-env', option: 'newEnv', kind: 'pairs', arg: 'KEY=VALUE', example: '--new-env LOG_LEVEL=debug', help: 'env for the new revision only (repeatable)' },
  {
    name: 'crash-after',
    option: 'crashAfterSeconds',
    kind: 'number',
    arg: '<s>',
    limit: { min: 0, max: 3600, fix: 'give seconds after the scenario starts, e.g. 4' },
    help: 'kill one serving pod this long after the scenario starts',
  },
  {
    name: 'restart-backoff',
    option: 'restartBackoffSeconds',
    kind: 'number',
    arg: '<s>',
    default: 10,
    limit: { min: 0, max: 300, fix: 'e.g. 10 (CrashLoopBackOff starts at 10 s)' },
    help: 'container restart delay after a crash',
  },
  {
    name: 'replica-limit',
    option: 'replicaLimit',
    kind: 'number',
    arg: '<n>',
    default: 30,
    limit: { min: 1, max: MAX_REPLICA_LIMIT, integer: true, fix: `the drill runs at most ${MAX_REPLICA_LIMIT} replicas` },
    help: 'run more replicas than this many local processes (at most 500)',
  },
  {
    name: 'long-lived',
    option: 'longLived.connections',
    kind: 'number',
    arg: '<n>',
    example: '--long-lived 50',
    means: 'the number of connections to hold open',
    limit: { min: 1, max: 5000, integer: true, fix: 'give the number of WebSocket or event-stream connections to hold open, e.g. 50 (omit the flag for none)' },
    help: 'hold n long-lived connections open next to the load; report the cut ones',
  },
  {
    name: 'long-lived-kind',
    option: 'longLived.kind',
    kind: 'choice',
    arg: '<kind>',
    needs: 'long-lived',
    choices: LONG_LIVED_KINDS,
    example: '--long-lived-kind websocket',
    defaultText: 'websocket',
    help: 'websocket (an HTTP upgrade) or sse (an event stream)',
  },
  { name: 'long-lived-path', option: 'longLived.path', kind: 'string', arg: '<path>', needs: 'long-lived', defaultText: '/chat for websocket, /events for sse', help: 'their path' },
  {
    name: 'long-lived-session',
    option: 'longLived.sessionSeconds',
    kind: 'number',
    arg: '<s>',
    needs: 'long-lived',
    defaultText: 'the whole run',
    limit: { min: 0, above: true, max: 86_400, fix: 'give how long a chat lasts on average, e.g. 30' },
    help: 'a chat lasts from half to 1.5 times this, then a new one starts',
  },
  {
    name: 'long-lived-reconnect',
    option: 'longLived.reconnectSeconds',
    kind: 'number',
    arg: '<s>',
    needs: 'long-lived',
    defaultText: '1',
    limit: { min: 0, max: 600, fix: 'give the seconds a cut client waits, e.g. 1' },
    help: 'a cut client reconnects after this',
  },
  { name: 'timeline', kind: 'boolean', help: 'print every pod\'s timeline' },
  {
    name: 'html',
    kind: 'string',
    arg: '<file>',
    help: 'also write the report as a picture to this file: one self-contained HTML page (inline SVG, nothing fetched) with a lane per pod over time, '
      + 'each failed request at its time on its pod, requests offered and failed per second, long-lived connections (docs/drill.md, Pictures)',
  },
  { name: 'json', kind: 'boolean', help: 'print the report as JSON' },
  { name: 'version', kind: 'boolean', help: 'print the version, then exit' },
  { name: 'help', kind: 'boolean', short: 'h', help: 'print this help' },
];

/** The options with every default filled in: what the drill runs with. */
export type ResolvedOptions = DrillOptions & Required<Pick<DrillOptions,
'portEnv' | 'cwd' | 'scenario' | 'timeScale' | 'lag' | 'seed' | 'reconcileLatency' | 'dataPlane' | 'proxyRetries' | 'rate' | 'postShare' | 'connections'
| 'requestsPerConnection' | 'maxRequests' | 'maxSeconds' | 'timeoutMs' | 'path' | 'warmupSeconds' | 'settleSeconds' | 'startTimeoutSeconds'
| 'env' | 'newEnv' | 'restartBackoffSeconds' | 'nodes' | 'replicaLimit' | 'entrypoint' | 'shell' | 'featureGates'>>;

/** The general defaults, from the table. */
export const GENERAL_DEFAULTS = defaultsOf(GENERAL_FLAGS) as Omit<ResolvedOptions, 'exec' | 'cwd' | 'env' | 'newEnv' | 'featureGates'>;

/** The options with the general defaults filled in (a scenario's own flags keep theirs in its file). */
export function resolveOptions(o: DrillOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as DrillOptions;
  return { ...GENERAL_DEFAULTS, cwd: process.cwd(), env: {}, newEnv: {}, featureGates: [], ...defined };
}

/** Problems of the options that no flag's bounds catch. */
export function crossProblems(o: DrillOptions): string[] {
  const problems: string[] = [];
  if (typeof o.exec !== 'string' || o.exec.trim() === '') {
    problems.push('\'--exec\' must be the command that starts the app, e.g. --exec "node server.js"');
  }
  if (o.longLived?.path !== undefined && (typeof o.longLived.path !== 'string' || !o.longLived.path.startsWith('/'))) {
    problems.push(`'--long-lived-path' (${o.longLived.path}) must be a path starting with '/'; e.g. --long-lived-path /chat`);
  }
  if (o.longLived && o.dataPlane === 'haproxy') {
    problems.push('\'--long-lived\' needs \'--data-plane kube-proxy\': long-lived connections are attributed to their pod through its connection log; drop one of the two');
  }
  if (o.proxyRetries !== undefined && o.proxyRetries !== 'none' && o.dataPlane !== 'haproxy') {
    problems.push(`'--proxy-retries' (${o.proxyRetries}) needs '--data-plane haproxy': kube-proxy forwards connections and retries nothing`);
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
export function containerProblems(o: DrillOptions, containers: NamedContainer[], serving: string, workload: string): string[] {
  const problems: string[] = [];
  const names = containers.map(c => `${c.name}${c.sidecar ? ' (native sidecar)' : ''}`).join(', ');
  for (const [name, command] of Object.entries(o.execContainers ?? {})) {
    const flag = `'--exec-container' (${name}=${command ?? ''})`;
    if (!containers.some(c => c.name === name)) {
      problems.push(`${flag} names no container of ${workload}; its containers are ${names}; use one of those names, e.g. --exec-container ${containers.find(c => c.name !== serving)?.name ?? 'proxy'}="node proxy.js"`);
    } else if (name === serving) {
      problems.push(`${flag} names '${serving}', the container behind the Service, which runs the --exec command; drop it, or give its command with --exec`);
    } else if (typeof command !== 'string' || command.trim() === '') {
      problems.push(`${flag} has no command; give the command that starts container '${name}', e.g. --exec-container ${name}="node ${name}.js"`);
    }
  }
  return problems;
}

/** Too many replicas for local processes. */
export function replicaProblems(o: ResolvedOptions, replicas: number, workload: string): string[] {
  const problems: string[] = [];
  if (replicas > o.replicaLimit) {
    problems.push(`${workload} has ${replicas} replicas, above the limit of ${o.replicaLimit} local app processes (a rollout runs up to twice as many at once); `
      + `pass --replica-limit ${Math.min(replicas, MAX_REPLICA_LIMIT)} to run them anyway, or drill fewer with --replicas ${o.replicaLimit}`);
  }
  if (replicas < 1) {
    problems.push(`${workload} has ${replicas} replicas; the drill needs at least 1 (pass --replicas 2)`);
  }
  return problems;
}
