// What a drill measured: every request classified (refused, reset, timeout, 5xx) and attributed
// to a pod through the proxy's connection log, by phase; the scenario's own numbers; a timeline
// per pod.

import { DrillRun } from '../run/drill-run';
import { DrillSpec } from '../spec/drill-spec';
import { ProxyConnection } from '../traffic/kube-proxy';
import { RequestRecord, TIMEOUT_CODE } from '../traffic/load-generator';
import { LongLivedReport, longLivedReport } from './long-lived-report';
import { EvictionAttempt } from '../cluster/node-drain';
import { Scenario } from '../options/options';
import { PodSim } from '../kubelet/pod-sim';
import { rainbowReport, RainbowReport } from '../scenarios/rainbow-report';
import { RainbowOutcome } from '../scenarios/rainbow';
import { ScenarioOutcome } from '../scenarios/disruptions';
import { DEFAULT_PDB_MIN_AVAILABLE } from '../../manifest/defaults';

export type FailureClass = 'refused' | 'reset' | 'timeout' | '5xx';
/**
 * When a request failed, relative to the scenario: `before` it started (the request also ended
 * before it: a failure the scenario cannot have caused), `during` it (sent before its last pod
 * was gone, or sent earlier and still in flight when it started), `after` it (sent later).
 */
export type Phase = 'before' | 'during' | 'after';

/** A failed request. */
export interface DrillFailure {
  readonly id: number;
  /** Seconds from the scenario's start. */
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
  readonly node?: string;
  readonly restarts: number;
  readonly requestsServed: number;
  readonly failures: number;
  /** Seconds from the scenario's start. */
  readonly events: Array<{ at: number; what: string }>;
}

export interface CrashReport {
  readonly pod: string;
  /** Seconds from the scenario's start. */
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

export interface RolloutReport {
  /** Seconds from the rollout start until the Deployment was complete (spec 3.6). */
  readonly completeAfterSeconds?: number;
  /** Seconds from the rollout start until the last old pod exited: the rollout's wall time. */
  readonly lastOldPodGoneAfterSeconds?: number;
  readonly peakPods: number;
  readonly peakTerminating: number;
  /** Old pods deleted by each sync of the ReplicaSet controller, seconds from the start. */
  readonly waves: Array<{ at: number; pods: number }>;
  readonly timedOut: boolean;
}

export interface DrainReport {
  readonly nodes: string[];
  readonly podsEvicted: number;
  /** Evictions answered 429 because the PodDisruptionBudget allowed no disruption (spec 6.1). */
  readonly evictionsRefused: number;
  /** Evictions answered 500 (several budgets select the pod). */
  readonly evictionErrors: number;
  /** Seconds from the drain's start until every pod of the drained nodes was gone. */
  readonly drainSeconds?: number;
  readonly attempts: EvictionAttempt[];
  readonly timedOut: boolean;
}

export interface ScaleDownReport {
  readonly from: number;
  readonly to: number;
  readonly victims: string[];
  /** Seconds until the last removed pod was gone. */
  readonly doneAfterSeconds?: number;
  readonly timedOut: boolean;
}

export interface DrillReport {
  readonly scenario: Scenario;
  readonly deployment: string;
  readonly replicas: number;
  readonly strategy: { readonly type: string; readonly surge: number; readonly unavailable: number; readonly minReadySeconds: number };
  readonly graceSeconds: number;
  readonly preStop: string;
  readonly budget?: string;
  readonly timeScale: number;
  readonly lag: { readonly min: number; readonly max: number };
  readonly reconcileLatency: { readonly min: number; readonly max: number };
  readonly seed: number;
  /** Where in a wall-clock second the scenario started (spec 3.4a). */
  readonly wallPhase: number;
  /** Why the drill stopped early (a signal, --max-seconds), if it did. */
  readonly stopped?: string;
  readonly requests: number;
  readonly failed: number;
  /** Requests still in flight when the drill was stopped early; counted neither way. */
  readonly unfinished: number;
  readonly failuresByClass: Record<FailureClass, number>;
  readonly failuresByPhase: Record<Phase, number>;
  /** Live pods (running + terminating) at most, during the scenario. */
  readonly peakPods: number;
  readonly peakTerminating: number;
  /** The simulated nodes, with the pods each had when the scenario started. */
  readonly nodes: Array<{ readonly name: string; readonly cordoned: boolean; readonly pods: number }>;
  readonly rollout?: RolloutReport;
  readonly drain?: DrainReport;
  readonly scaleDown?: ScaleDownReport;
  /** The rainbow scenario: the release change and the old release's drain. */
  readonly rainbow?: RainbowReport;
  /** The long-lived connections, with `longLived`. */
  readonly longLived?: LongLivedReport;
  readonly pods: PodReport[];
  readonly failures: DrillFailure[];
  readonly crash?: CrashReport;
}

function classify(r: RequestRecord, conn: ProxyConnection | undefined): FailureClass | undefined {
  if (r.unfinished) return undefined;
  if (r.error === undefined) {
    return r.status !== undefined && r.status >= 500 ? '5xx' : undefined;
  }
  if (r.error === TIMEOUT_CODE) return 'timeout';
  if (conn && (conn.outcome === 'no-endpoint' || conn.outcome === 'backend-refused')) return 'refused';
  return r.error === 'ECONNREFUSED' ? 'refused' : 'reset';
}

interface Attribution {
  readonly failures: DrillFailure[];
  readonly served: Map<string, number>;
  readonly failedOn: Map<string, number>;
}

/** Classifies every request and finds its pod through the proxy's connection log. */
function attribute(run: DrillRun, records: RequestRecord[], scenarioAt: number, doneAt: number | undefined): Attribution {
  const { proxy } = run;
  const rel = (t: number) => Math.round((t - scenarioAt) * 1000) / 1000;
  const out: Attribution = { failures: [], served: new Map(), failedOn: new Map() };
  // A request whose fresh connection was refused before it was written has no socket port:
  // match it to a refused proxy connection of its time, each used once.
  const refused = proxy.connections.filter(c => c.outcome === 'no-endpoint' || c.outcome === 'backend-refused');
  const claimed = new Set<ProxyConnection>(records
    .map(r => proxy.connectionFor(r.localPort, r.sentAt))
    .filter((c): c is ProxyConnection => c !== undefined));
  const refusedFor = (r: RequestRecord): ProxyConnection | undefined => {
    const match = refused.find(c => !claimed.has(c) && c.acceptedAt >= r.sentAt - 0.05 && c.acceptedAt <= (r.doneAt ?? r.sentAt) + 0.05);
    if (match) claimed.add(match);
    return match;
  };
  for (const r of records) {
    const conn = proxy.connectionFor(r.localPort, r.sentAt) ?? (r.error !== undefined ? refusedFor(r) : undefined);
    const pod = r.servedBy ?? conn?.pod;
    const failureClass = classify(r, conn);
    if (!failureClass) {
      if (pod && !r.unfinished) out.served.set(pod, (out.served.get(pod) ?? 0) + 1);
      continue;
    }
    if (pod) out.failedOn.set(pod, (out.failedOn.get(pod) ?? 0) + 1);
    // A request sent just before the scenario may still be in flight when it starts (on a busy
    // machine, for a while): if the scenario's pods cut it, it fails during the scenario.
    const phase: Phase = (r.doneAt ?? r.sentAt) < scenarioAt ? 'before' : doneAt === undefined || r.sentAt <= doneAt ? 'during' : 'after';
    out.failures.push({
      id: r.id,
      sentAt: rel(r.sentAt),
      failureClass,
      phase,
      pod,
      proxyOutcome: conn?.outcome,
      detail: r.error ?? `HTTP ${r.status}`,
    });
  }
  return out;
}

function crashReport(run: DrillRun, crashed: PodSim | undefined, failures: DrillFailure[], rel: (t: number) => number): CrashReport | undefined {
  if (crashed?.crashedAt === undefined) return undefined;
  const leftAt = run.proxy.removedFromProxyAt(crashed.name, crashed.crashedAt);
  const onPod = failures.filter(f => f.pod === crashed.name);
  return {
    pod: crashed.name,
    crashedAt: rel(crashed.crashedAt),
    endpointLeftProxyAt: leftAt === undefined ? undefined : rel(leftAt),
    failuresOnCrashedPod: onPod.length,
    routedBeforeEndpointLeft: onPod.filter(f => f.sentAt >= rel(crashed.crashedAt!) && (leftAt === undefined || f.sentAt <= rel(leftAt))).length,
    failuresElsewhere: failures.length - onPod.length,
  };
}

/** The scenario's own section. */
function scenarioReport(
  run: DrillRun, o: ScenarioOutcome | RainbowOutcome | undefined, rel: (t: number) => number,
): Pick<DrillReport, 'rollout' | 'drain' | 'scaleDown' | 'rainbow'> {
  const timedOut = o?.doneAt === undefined;
  const after = (t: number | undefined) => (t === undefined ? undefined : rel(t));
  switch (o?.kind) {
    case 'rollout':
      return {
        rollout: {
          completeAfterSeconds: after(o.completeAt),
          lastOldPodGoneAfterSeconds: after(o.doneAt),
          peakPods: run.plane.peakPods,
          peakTerminating: run.plane.peakTerminating,
          waves: run.plane.replicaSetController.deletions
            .filter(d => d.revision < run.plane.deployment.current.revision)
            .map(d => ({ at: rel(d.at), pods: d.pods.length })),
          timedOut,
        },
      };
    case 'drain':
      return {
        drain: {
          nodes: o.nodes,
          podsEvicted: o.attempts.filter(a => a.code === 200).length,
          evictionsRefused: o.attempts.filter(a => a.code === 429).length,
          evictionErrors: o.attempts.filter(a => a.code === 500).length,
          drainSeconds: after(o.doneAt),
          attempts: o.attempts.map(a => ({ ...a, at: rel(a.at) })),
          timedOut,
        },
      };
    case 'scale-down':
      return { scaleDown: { from: o.from, to: o.to, victims: o.victims, doneAfterSeconds: after(o.doneAt), timedOut } };
    case 'rainbow':
      return { rainbow: rainbowReport(run, o, rel) };
    default:
      return {};
  }
}

function describePreStop(spec: DrillSpec): string {
  const p = spec.container.preStop;
  return p.kind === 'none' ? 'none' : `${p.kind}${p.seconds !== undefined ? ` ${p.seconds}s` : ''}`;
}

function describeBudget(spec: DrillSpec): string | undefined {
  const b = spec.budgets[0];
  if (!b) return undefined;
  return `${b.name}: ${b.maxUnavailable !== undefined ? `maxUnavailable ${b.maxUnavailable}` : `minAvailable ${b.minAvailable ?? DEFAULT_PDB_MIN_AVAILABLE}`}`;
}

export function buildReport(run: DrillRun, outcome: ScenarioOutcome | RainbowOutcome | undefined): DrillReport {
  const { spec, plane } = run;
  const scenarioAt = run.scenarioAt ?? run.clock.now();
  const rel = (t: number) => Math.round((t - scenarioAt) * 1000) / 1000;
  const records = run.load?.records ?? [];
  const { failures, served, failedOn } = attribute(run, records, scenarioAt, outcome?.doneAt);
  const count = <K extends string>(keys: K[], pick: (f: DrillFailure) => K) =>
    Object.fromEntries(keys.map(k => [k, failures.filter(f => pick(f) === k).length])) as Record<K, number>;
  return {
    scenario: run.options.scenario ?? 'rollout',
    deployment: spec.deployment,
    replicas: spec.replicas,
    strategy: { type: spec.strategy, surge: spec.surge, unavailable: spec.unavailable, minReadySeconds: spec.minReadySeconds },
    graceSeconds: spec.graceSeconds,
    preStop: describePreStop(spec),
    budget: describeBudget(spec),
    timeScale: run.clock.scale,
    lag: run.lag,
    reconcileLatency: run.reconcileLatency,
    seed: run.seed,
    wallPhase: run.wallPhase,
    stopped: run.stopReason,
    requests: records.filter(r => !r.unfinished).length,
    failed: failures.length,
    unfinished: records.filter(r => r.unfinished).length,
    failuresByClass: count(['refused', 'reset', 'timeout', '5xx'], f => f.failureClass),
    failuresByPhase: count(['before', 'during', 'after'], f => f.phase),
    peakPods: plane.peakPods,
    peakTerminating: plane.peakTerminating,
    nodes: plane.scheduler.nodes.map(n => ({ name: n.name, cordoned: n.cordoned, pods: run.podsPerNode.get(n.name) ?? 0 })),
    ...scenarioReport(run, outcome, rel),
    longLived: run.longLived && longLivedReport(run.longLived.connections, {
      kind: run.longLived.kind,
      path: run.longLived.path,
      clients: run.longLived.options.connections,
      scenarioAt,
      doneAt: outcome?.doneAt,
      stoppedAt: run.longLivedStoppedAt,
      releaseOf: pod => run.releaseOf(pod),
    }),
    pods: run.pods.map(p => ({
      name: p.name,
      revision: p.revision,
      node: p.node,
      restarts: p.restarts,
      requestsServed: served.get(p.name) ?? 0,
      failures: failedOn.get(p.name) ?? 0,
      events: p.events.map(e => ({ at: rel(e.at), what: e.what })),
    })),
    failures,
    crash: crashReport(run, run.crashed, failures, rel),
  };
}
