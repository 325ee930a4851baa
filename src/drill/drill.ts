// The rollout drill: replays what Kubernetes does with a synthesized Deployment during a
// rolling update, with the user's app as local processes and real HTTP traffic through a
// lagged proxy, and reports every failed request.

import { Clock, seededRandom } from './clock';
import { DeploymentSim } from './controller';
import { DrillSpec, drillSpecOf } from './drill-spec';
import { PodSim } from './kubelet';
import { LoadGenerator, RequestRecord } from './load';
import { LaggedProxy, ProxyConnection } from './proxy';
import { KubeObject } from '../manifest/kube-object';

/** How to run a drill. Times are manifest seconds unless they say otherwise. */
export interface DrillOptions {
  /** Shell command that starts the app; it must listen on 127.0.0.1 at the port in `portEnv`. */
  readonly exec: string;
  /** @default 'PORT' */
  readonly portEnv?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Which Deployment, when the manifest has several. */
  readonly deployment?: string;
  /** Real seconds per manifest second. @default 1 */
  readonly timeScale?: number;
  /** Propagation lag of endpoint changes to the proxy, drawn uniformly from [min, max]. @default { min: 0, max: 1 } (kube-proxy, spec 4.4) */
  readonly lag?: { readonly min: number; readonly max: number };
  /** Seed of the lags and backend choices. @default 1 */
  readonly seed?: number;
  /** Requests per real second. @default 200 */
  readonly rate?: number;
  /** Keep-alive connections. @default 16 */
  readonly connections?: number;
  /** Requests per connection before the client opens a new one (connection churn of many clients). @default 50 */
  readonly requestsPerConnection?: number;
  /** Bound on requests. @default 200000 */
  readonly maxRequests?: number;
  /** Bound on the drill's real duration, seconds. @default 600 */
  readonly maxSeconds?: number;
  /** Per-request timeout, real milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** @default '/' */
  readonly path?: string;
  /** Load before the rollout starts. @default 5 */
  readonly warmupSeconds?: number;
  /** Load after the last old pod is gone. @default 5 */
  readonly settleSeconds?: number;
  /** Env for every pod. */
  readonly env?: Record<string, string>;
  /** Env for the new revision only (the template change that triggers the rollout). */
  readonly newEnv?: Record<string, string>;
  /** Kill one serving pod this long after the rollout starts. */
  readonly crashAfterSeconds?: number;
  /** Container restart back-off after a crash. @default 10 */
  readonly restartBackoffSeconds?: number;
  /** Progress messages. */
  readonly log?: (message: string) => void;
}

export type FailureClass = 'refused' | 'reset' | 'timeout' | '5xx';
export type Phase = 'before' | 'rollout' | 'after';

/** A failed request. */
export interface DrillFailure {
  readonly id: number;
  /** Seconds from the rollout start. */
  readonly sentAt: number;
  readonly failureClass: FailureClass;
  readonly phase: Phase;
  /** The pod its connection reached (or was meant for), when known. */
  readonly pod?: string;
  /** What the proxy did with its connection. */
  readonly proxyOutcome?: string;
  readonly detail: string;
}

export interface PodReport {
  readonly name: string;
  readonly revision: number;
  readonly restarts: number;
  readonly requestsServed: number;
  readonly failures: number;
  /** Seconds from the rollout start. */
  readonly events: Array<{ at: number; what: string }>;
}

export interface CrashReport {
  readonly pod: string;
  /** Seconds from the rollout start. */
  readonly crashedAt: number;
  /** When the proxy stopped routing new connections to it. */
  readonly endpointLeftProxyAt?: number;
  /** Failures on the crashed pod: in flight at the crash, or routed to it before its endpoint left the proxy. */
  readonly failuresOnCrashedPod: number;
  /** Of those, requests sent after the crash and before the endpoint left the proxy. */
  readonly routedBeforeEndpointLeft: number;
  /** Failures that are not explained by the crash (should be 0). */
  readonly failuresElsewhere: number;
}

export interface DrillReport {
  readonly deployment: string;
  readonly replicas: number;
  readonly strategy: { readonly type: string; readonly surge: number; readonly unavailable: number; readonly minReadySeconds: number };
  readonly graceSeconds: number;
  readonly preStop: string;
  readonly timeScale: number;
  readonly lag: { readonly min: number; readonly max: number };
  readonly seed: number;
  readonly requests: number;
  readonly failed: number;
  readonly failuresByClass: Record<FailureClass, number>;
  readonly failuresByPhase: Record<Phase, number>;
  readonly rollout: {
    /** Seconds from the rollout start until the Deployment was complete (spec 3.6). */
    readonly completeAfterSeconds?: number;
    /** Seconds from the rollout start until the last old pod exited: the rollout's wall time. */
    readonly lastOldPodGoneAfterSeconds?: number;
    readonly peakPods: number;
    readonly peakTerminating: number;
    readonly timedOut: boolean;
  };
  readonly pods: PodReport[];
  readonly failures: DrillFailure[];
  readonly crash?: CrashReport;
}

function describePreStop(spec: DrillSpec): string {
  const p = spec.container.preStop;
  return p.kind === 'none' ? 'none' : `${p.kind}${p.seconds !== undefined ? ` ${p.seconds}s` : ''}`;
}

/**
 * Runs a drill on manifest objects.
 */
export async function runDrill(objects: KubeObject[], options: DrillOptions): Promise<DrillReport> {
  const spec = drillSpecOf(objects, options.deployment);
  const clock = new Clock(options.timeScale ?? 1);
  const lag = options.lag ?? { min: 0, max: 1 };
  if (lag.min < 0 || lag.max < lag.min) {
    throw new Error(`lag (${lag.min}-${lag.max}s) must be a range of zero or more seconds, min ≤ max`);
  }
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => undefined);
  const lagRandom = seededRandom(seed);
  const proxy = new LaggedProxy(clock, () => lag.min + (lag.max - lag.min) * lagRandom(), seededRandom(seed + 1));
  const proxyPort = await proxy.listen();
  const runtime = {
    clock,
    exec: options.exec,
    portEnv: options.portEnv ?? 'PORT',
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    restartBackoffSeconds: options.restartBackoffSeconds ?? 10,
  };
  const startErrors: string[] = [];
  let deployment!: DeploymentSim;
  const publish = (pod: PodSim) => {
    if (pod.port === 0) return;
    const serving = pod.ready;
    proxy.publish({
      pod: pod.name,
      port: pod.port,
      serving,
      terminating: pod.terminating,
      // spec 1.3: ready = publishNotReadyAddresses || (serving && !terminating)
      ready: spec.publishNotReadyAddresses || (serving && !pod.terminating),
      present: !pod.gone,
    });
  };
  deployment = new DeploymentSim(spec, clock, (name, revision) => {
    const pod = new PodSim(name, revision, spec.container, runtime, {
      DRILL_REVISION: String(revision),
      ...(revision > 1 ? options.newEnv ?? {} : {}),
    });
    pod.on('change', () => {
      publish(pod);
      deployment.sync();
    });
    pod.start().then(() => publish(pod), e => startErrors.push(`${name}: ${e}`));
    return pod;
  });

  const deadline = performance.now() + (options.maxSeconds ?? 600) * 1000;
  const tickMs = Math.max(10, Math.min(100, clock.ms(0.1)));
  const ticker = setInterval(() => deployment.sync(), tickMs);
  const waitFor = async (done: () => boolean, what: string, limitSeconds: number): Promise<boolean> => {
    const until = Math.min(deadline, performance.now() + clock.ms(limitSeconds));
    while (!done()) {
      if (performance.now() > until) {
        log(`timed out waiting for ${what}`);
        return false;
      }
      await new Promise(r => setTimeout(r, tickMs));
    }
    return true;
  };

  let load: LoadGenerator | undefined;
  try {
    log(`revision 1: ${spec.replicas} pod(s) of '${spec.deployment}'`);
    deployment.create();
    const first = deployment.current;
    const up = await waitFor(() => deployment.available(first) === spec.replicas, 'the first revision to become available', 300);
    if (!up) {
      const stderr = first.pods.map(p => p.stderr).find(s => s.trim()) ?? '';
      throw new Error(`the pods of the first revision did not become available (${deployment.available(first)} of ${spec.replicas}); `
        + `check that '${options.exec}' listens on 127.0.0.1:$${runtime.portEnv} and passes its probes${stderr ? `; the app wrote: ${stderr.trim().slice(-500)}` : ''}${startErrors.length ? `; ${startErrors.join('; ')}` : ''}`);
    }
    // Let the proxy learn of every endpoint before traffic starts.
    await clock.sleep(lag.max);

    load = new LoadGenerator(clock, {
      port: proxyPort,
      rate: options.rate ?? 200,
      connections: options.connections ?? 16,
      requestsPerConnection: options.requestsPerConnection ?? 50,
      maxRequests: options.maxRequests ?? 200_000,
      timeoutMs: options.timeoutMs ?? 5000,
      path: options.path ?? '/',
    });
    load.start();
    await clock.sleep(options.warmupSeconds ?? 5);

    const rolloutAt = clock.now();
    log('revision 2: rollout starts');
    deployment.rollout();
    let crashed: PodSim | undefined;
    if (options.crashAfterSeconds !== undefined) {
      clock.after(options.crashAfterSeconds, () => {
        const candidates = [deployment.current, ...deployment.replicaSets.slice(0, -1)]
          .flatMap(rs => deployment.active(rs)).filter(p => p.ready);
        crashed = candidates[0];
        crashed?.crash();
        if (crashed) log(`crashed ${crashed.name}`);
      });
    }
    let completeAt: number | undefined;
    const finished = await waitFor(() => {
      if (completeAt === undefined && deployment.complete()) {
        completeAt = clock.now();
        log('rollout complete (old pods may still be terminating)');
      }
      return completeAt !== undefined && deployment.oldPodsGone();
    }, 'the rollout to finish', 3600);
    const lastOldGoneAt = finished ? clock.now() : undefined;
    if (finished) log('last old pod gone');
    await clock.sleep(options.settleSeconds ?? 5);
    await load.stop();
    return buildReport(spec, lag, seed, clock, rolloutAt, completeAt, lastOldGoneAt, !finished, deployment, proxy, load.records, crashed);
  } finally {
    clearInterval(ticker);
    deployment.stop();
    if (load && !load.stopped) await load.stop().catch(() => undefined);
    await proxy.close();
  }
}

function classify(r: RequestRecord, conn: ProxyConnection | undefined): FailureClass | undefined {
  if (r.status !== undefined) {
    return r.status >= 500 ? '5xx' : undefined;
  }
  if (conn && (conn.outcome === 'no-endpoint' || conn.outcome === 'backend-refused')) {
    return 'refused';
  }
  if (/TIMEOUT/i.test(r.error ?? '')) {
    return 'timeout';
  }
  return r.error === 'ECONNREFUSED' ? 'refused' : 'reset';
}

function buildReport(
  spec: DrillSpec, lag: { min: number; max: number }, seed: number, clock: Clock,
  rolloutAt: number, completeAt: number | undefined, lastOldGoneAt: number | undefined, timedOut: boolean,
  deployment: DeploymentSim, proxy: LaggedProxy, records: RequestRecord[], crashed: PodSim | undefined,
): DrillReport {
  const rel = (t: number) => Math.round((t - rolloutAt) * 1000) / 1000;
  const failures: DrillFailure[] = [];
  const served = new Map<string, number>();
  const failedOn = new Map<string, number>();
  // A request whose fresh connection was refused before it was written has no socket port:
  // match it to a refused proxy connection of its time, each used once.
  const refused = proxy.connections.filter(c => c.outcome === 'no-endpoint' || c.outcome === 'backend-refused');
  const claimed = new Set<ProxyConnection>(records.map(r => proxy.connectionFor(r.localPort, r.sentAt)).filter((c): c is ProxyConnection => c !== undefined));
  const refusedFor = (r: RequestRecord): ProxyConnection | undefined => {
    const match = refused.find(c => !claimed.has(c) && c.acceptedAt >= r.sentAt - 0.05 && c.acceptedAt <= (r.doneAt ?? r.sentAt) + 0.05);
    if (match) claimed.add(match);
    return match;
  };
  for (const r of records) {
    const conn = proxy.connectionFor(r.localPort, r.sentAt) ?? (r.status === undefined && r.error !== undefined ? refusedFor(r) : undefined);
    const pod = r.servedBy ?? conn?.pod;
    const failureClass = classify(r, conn);
    if (!failureClass) {
      if (pod) served.set(pod, (served.get(pod) ?? 0) + 1);
      continue;
    }
    if (pod) failedOn.set(pod, (failedOn.get(pod) ?? 0) + 1);
    const phase: Phase = r.sentAt < rolloutAt ? 'before' : lastOldGoneAt === undefined || r.sentAt <= lastOldGoneAt ? 'rollout' : 'after';
    failures.push({
      id: r.id,
      sentAt: rel(r.sentAt),
      failureClass,
      phase,
      pod,
      proxyOutcome: conn?.outcome,
      detail: r.status !== undefined ? `HTTP ${r.status}` : r.error ?? 'unknown',
    });
  }
  const count = <K extends string>(keys: K[], pick: (f: DrillFailure) => K) =>
    Object.fromEntries(keys.map(k => [k, failures.filter(f => pick(f) === k).length])) as Record<K, number>;

  let crash: CrashReport | undefined;
  if (crashed?.crashedAt !== undefined) {
    const leftAt = proxy.removedFromProxyAt(crashed.name, crashed.crashedAt);
    const onPod = failures.filter(f => f.pod === crashed.name);
    crash = {
      pod: crashed.name,
      crashedAt: rel(crashed.crashedAt),
      endpointLeftProxyAt: leftAt === undefined ? undefined : rel(leftAt),
      failuresOnCrashedPod: onPod.length,
      routedBeforeEndpointLeft: onPod.filter(f => f.sentAt >= rel(crashed.crashedAt!) && (leftAt === undefined || f.sentAt <= rel(leftAt))).length,
      failuresElsewhere: failures.length - onPod.length,
    };
  }

  return {
    deployment: spec.deployment,
    replicas: spec.replicas,
    strategy: { type: spec.strategy, surge: spec.surge, unavailable: spec.unavailable, minReadySeconds: spec.minReadySeconds },
    graceSeconds: spec.graceSeconds,
    preStop: describePreStop(spec),
    timeScale: clock.scale,
    lag,
    seed,
    requests: records.length,
    failed: failures.length,
    failuresByClass: count(['refused', 'reset', 'timeout', '5xx'], f => f.failureClass),
    failuresByPhase: count(['before', 'rollout', 'after'], f => f.phase),
    rollout: {
      completeAfterSeconds: completeAt === undefined ? undefined : rel(completeAt),
      lastOldPodGoneAfterSeconds: lastOldGoneAt === undefined ? undefined : rel(lastOldGoneAt),
      peakPods: deployment.peakPods,
      peakTerminating: deployment.peakTerminating,
      timedOut,
    },
    pods: deployment.pods.map(p => ({
      name: p.name,
      revision: p.revision,
      restarts: p.restarts,
      requestsServed: served.get(p.name) ?? 0,
      failures: failedOn.get(p.name) ?? 0,
      events: p.events.map(e => ({ at: rel(e.at), what: e.what })),
    })),
    failures,
    crash,
  };
}

/** The report as text: summary, failures by class and phase, and a timeline per pod. */
export function formatDrillReport(r: DrillReport, options: { timeline?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`drill of Deployment '${r.deployment}': ${r.replicas} replicas, ${r.strategy.type} surge ${r.strategy.surge} / unavailable ${r.strategy.unavailable}, `
    + `minReady ${r.strategy.minReadySeconds}s, preStop ${r.preStop}, grace ${r.graceSeconds}s; lag ${r.lag.min}-${r.lag.max}s (seed ${r.seed}), time scale ${r.timeScale}`);
  out.push(`requests: ${r.requests}, failed: ${r.failed}`
    + ` (refused ${r.failuresByClass.refused}, reset ${r.failuresByClass.reset}, timeout ${r.failuresByClass.timeout}, 5xx ${r.failuresByClass['5xx']};`
    + ` before ${r.failuresByPhase.before}, during rollout ${r.failuresByPhase.rollout}, after ${r.failuresByPhase.after})`);
  out.push(`rollout: complete after ${r.rollout.completeAfterSeconds?.toFixed(1) ?? '-'}s, last old pod gone after ${r.rollout.lastOldPodGoneAfterSeconds?.toFixed(1) ?? '-'}s`
    + `${r.rollout.timedOut ? ' (TIMED OUT)' : ''}; peak pods ${r.rollout.peakPods} (of which terminating ${r.rollout.peakTerminating})`);
  if (r.crash) {
    out.push(`crash: ${r.crash.pod} at ${r.crash.crashedAt.toFixed(2)}s, endpoint left the proxy at ${r.crash.endpointLeftProxyAt?.toFixed(2) ?? '-'}s; `
      + `${r.crash.failuresOnCrashedPod} failure(s) on the crashed pod (${r.crash.routedBeforeEndpointLeft} routed to it before its endpoint left the proxy, the rest in flight at the crash), `
      + `${r.crash.failuresElsewhere} elsewhere`);
  }
  if (r.failures.length > 0) {
    out.push('first failures:');
    for (const f of r.failures.slice(0, 10)) {
      out.push(`  t=${f.sentAt.toFixed(2)}s  ${f.failureClass.padEnd(7)} ${f.phase.padEnd(7)} pod ${f.pod ?? '?'} (proxy: ${f.proxyOutcome ?? '?'}) ${f.detail}`);
    }
  }
  if (options.timeline) {
    for (const p of r.pods) {
      out.push(`pod ${p.name} (revision ${p.revision}): served ${p.requestsServed}, failed ${p.failures}${p.restarts ? `, restarts ${p.restarts}` : ''}`);
      for (const e of p.events) {
        out.push(`  t=${e.at.toFixed(2).padStart(8)}s  ${e.what}`);
      }
    }
  }
  return out.join('\n') + '\n';
}
