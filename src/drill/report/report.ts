// What a drill measured: every request classified (refused, reset, timeout, 5xx) and attributed
// to a pod through the data plane (kube-proxy's connection log, HAProxy's request log), by phase
// and method; the rate offered and achieved; the scenario's own section; a timeline per pod.

import { LongLivedReport, longLivedReport } from './long-lived-report';
import { PodSim } from '../kubelet/pod-sim';
import { DataPlaneKind, Scenario } from '../options/options';
import { DrillRun } from '../run/drill-run';
import { DrainReport } from '../scenarios/drain';
import { RainbowReport } from '../scenarios/rainbow';
import { scenarioNamed } from '../scenarios/registry';
import { RolloutReport } from '../scenarios/rollout';
import { ScaleDownReport } from '../scenarios/scale-down';
import { FailureClass, ProxyUpdate, RequestRoute } from '../traffic/data-plane';
import { RequestRecord, TIMEOUT_CODE } from '../traffic/load-generator';
import { DrillSpec } from '../workload/drill-spec';

export { FailureClass } from '../traffic/data-plane';
export { RolloutReport } from '../scenarios/rollout';
export { DrainReport } from '../scenarios/drain';
export { ScaleDownReport } from '../scenarios/scale-down';

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
  readonly method: 'GET' | 'POST';
  readonly failureClass: FailureClass;
  readonly phase: Phase;
  /** The pod its connection reached (or was meant for), when known. */
  readonly pod?: string;
  /** What the proxy did with it. */
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
  /**
   * When each proxy of the data plane sent new requests to the pod (its endpoint ready in the
   * proxy's view, after the propagation lag): seconds from the scenario's start, `to` absent
   * while it still did at the end.
   */
  readonly endpoints: Array<{ readonly proxy: string; readonly from: number; readonly to?: number }>;
}

/** The requests sent in one second of the drill (from `at`, seconds from the scenario's start) and how many of them failed. */
export interface SecondReport {
  readonly at: number;
  readonly offered: number;
  readonly failed: number;
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

/** The load's rate during the scenario (from its start until its last pod was gone), in requests per real second. */
export interface RateReport {
  /** `--rate`. */
  readonly asked: number;
  /** Requests sent during the scenario, per second. */
  readonly offered: number;
  /** Of those, answered without failure, per second. */
  readonly achieved: number;
  /** Real seconds of the scenario the rates are taken over. */
  readonly seconds: number;
  /** Most real milliseconds a request went out after its time in the schedule (a busy machine). */
  readonly maxLateMs: number;
  /** Whether the load offered at least 95 % of `asked`: a run that did not measured less than it says. */
  readonly reached: boolean;
}

/** How the app's containers ran. */
export interface EntrypointReport {
  /** The serving container's command line: `node server.js as PID 1`, `/bin/sh (dash) -c 'node server.js'`. */
  readonly serving: string;
  /** `pid-namespace` (each container PID 1 of its own, as in a cluster) or `process`, with why. */
  readonly isolation: string;
}

export interface DrillReport {
  readonly scenario: Scenario;
  /** The workload's kind: Deployment, StatefulSet or DaemonSet. */
  readonly kind: string;
  /** The workload's name (the field keeps its first name, from when only Deployments were drilled). */
  readonly deployment: string;
  readonly replicas: number;
  /** Where the replicas came from: spec.replicas, the autoscaler's minReplicas, the API default, --replicas, or a DaemonSet's nodes. */
  readonly replicasFrom: string;
  readonly strategy: { readonly type: string; readonly surge: number; readonly unavailable: number; readonly minReadySeconds: number };
  readonly graceSeconds: number;
  readonly preStop: string;
  readonly budget?: string;
  readonly dataPlane: DataPlaneKind;
  /** How the data plane is described: `kube-proxy`, `haproxy (retries: none)`; with node-local traffic, per node. */
  readonly dataPlaneText: string;
  readonly entrypoint: EntrypointReport;
  readonly timeScale: number;
  readonly lag: { readonly min: number; readonly max: number };
  readonly reconcileLatency: { readonly min: number; readonly max: number };
  readonly seed: number;
  /** Where in a wall-clock second the scenario started (spec 3.4a). */
  readonly wallPhase: number;
  /** Why the drill stopped early (a signal, --max-seconds, an app that crash-loops), if it did. */
  readonly stopped?: string;
  readonly requests: number;
  readonly failed: number;
  /** Requests still in flight when the drill was stopped early; counted neither way. */
  readonly unfinished: number;
  readonly failuresByClass: Record<FailureClass, number>;
  readonly failuresByPhase: Record<Phase, number>;
  /** Requests and failures of each method: a proxy may retry a GET, never a POST it has sent. */
  readonly byMethod: Record<'GET' | 'POST', { readonly requests: number; readonly failed: number }>;
  /** Requests a proxy retried (the real proxy only). */
  readonly retried: number;
  readonly rate?: RateReport;
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
  /** Requests sent and failed per drill second, from the first request's second to the last's. */
  readonly perSecond: SecondReport[];
  readonly crash?: CrashReport;
}

/** The least share of `--rate` a run must offer to count as run at that rate. */
export const RATE_REACHED_SHARE = 0.95;

function classify(r: RequestRecord, route: RequestRoute): FailureClass | undefined {
  if (r.unfinished) return undefined;
  if (r.error === undefined) {
    if (r.status === undefined || r.status < 500) return undefined;
    // A proxy's own 503 (no server, the pod refused) or 502 (the pod reset) says what happened.
    return route.failureClass ?? '5xx';
  }
  if (r.error === TIMEOUT_CODE) return 'timeout';
  if (route.failureClass === 'refused') return 'refused';
  return r.error === 'ECONNREFUSED' ? 'refused' : 'reset';
}

/** The pod that served a request: the data plane's, unless the app's `x-pod` names another. */
function podOf(r: RequestRecord, route: RequestRoute, podName: (id: string) => string | undefined): string | undefined {
  if (route.pod && (!r.servedBy || podName(route.pod) === r.servedBy)) return route.pod;
  return r.servedBy ?? route.pod;
}

interface Attribution {
  readonly failures: DrillFailure[];
  readonly served: Map<string, number>;
  readonly failedOn: Map<string, number>;
  readonly retried: number;
}

/** Classifies every request and finds its pod through the data plane. */
function attribute(run: DrillRun, records: RequestRecord[], scenarioAt: number, doneAt: number | undefined): Attribution {
  const rel = (t: number) => Math.round((t - scenarioAt) * 1000) / 1000;
  const out: Attribution = { failures: [], served: new Map(), failedOn: new Map(), retried: 0 };
  const routes = run.dataPlane.routes(records);
  const names = new Map(run.pods.map(p => [p.name, p.podName]));
  let retried = 0;
  records.forEach((r, i) => {
    const route = routes[i];
    if ((route.retries ?? 0) > 0) retried++;
    const pod = podOf(r, route, id => names.get(id));
    const failureClass = classify(r, route);
    if (!failureClass) {
      if (pod && !r.unfinished) out.served.set(pod, (out.served.get(pod) ?? 0) + 1);
      return;
    }
    if (pod) out.failedOn.set(pod, (out.failedOn.get(pod) ?? 0) + 1);
    // A request sent just before the scenario may still be in flight when it starts (on a busy
    // machine, for a while): if the scenario's pods cut it, it fails during the scenario.
    const phase: Phase = (r.doneAt ?? r.sentAt) < scenarioAt ? 'before' : doneAt === undefined || r.sentAt <= doneAt ? 'during' : 'after';
    out.failures.push({
      id: r.id,
      sentAt: rel(r.sentAt),
      method: r.method,
      failureClass,
      phase,
      pod,
      proxyOutcome: route.proxyOutcome,
      detail: r.error ?? `HTTP ${r.status}`,
    });
  });
  return { ...out, retried };
}

function crashReport(run: DrillRun, crashed: PodSim | undefined, failures: DrillFailure[], rel: (t: number) => number): CrashReport | undefined {
  if (crashed?.crashedAt === undefined) return undefined;
  const leftAt = run.dataPlane.removedFromProxyAt(crashed.name, crashed.crashedAt);
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

/** The rate over the scenario, from its start until its last pod was gone (or the load stopped). */
function rateReport(
  run: DrillRun, records: RequestRecord[], failed: Set<number>, scenarioAt: number, doneAt: number | undefined,
): RateReport | undefined {
  const end = doneAt ?? run.loadStoppedAt;
  if (end === undefined || end <= scenarioAt) return undefined;
  const inWindow = records.filter(r => r.sentAt >= scenarioAt && r.sentAt <= end);
  const seconds = (end - scenarioAt) * run.clock.scale;
  const offered = inWindow.length / seconds;
  const achieved = inWindow.filter(r => !r.unfinished && r.doneAt !== undefined && !failed.has(r.id)).length / seconds;
  const asked = run.options.rate;
  return {
    asked,
    offered: Math.round(offered),
    achieved: Math.round(achieved),
    seconds: Math.round(seconds * 10) / 10,
    maxLateMs: Math.round(Math.max(0, ...inWindow.map(r => r.lateMs))),
    reached: offered >= asked * RATE_REACHED_SHARE,
  };
}

function describePreStop(spec: DrillSpec): string {
  const p = spec.container.preStop;
  return p.kind === 'none' ? 'none' : `${p.kind}${p.seconds !== undefined ? ` ${p.seconds}s` : ''}`;
}

function describeBudget(spec: DrillSpec): string | undefined {
  const b = spec.budgets[0];
  if (!b) return undefined;
  const budget = b.maxUnavailable !== undefined ? `maxUnavailable ${b.maxUnavailable}`
    : b.minAvailable !== undefined ? `minAvailable ${b.minAvailable}` : 'neither minAvailable nor maxUnavailable (every eviction allowed)';
  return `${b.name}: ${budget}`;
}

function count<K extends string>(keys: K[], failures: DrillFailure[], pick: (f: DrillFailure) => K): Record<K, number> {
  return Object.fromEntries(keys.map(k => [k, failures.filter(f => pick(f) === k).length])) as Record<K, number>;
}

/** Requests and failures per drill second, by when each was sent. */
export function perSecond(records: readonly RequestRecord[], failures: readonly DrillFailure[], scenarioAt: number): SecondReport[] {
  const sent = records.filter(r => !r.unfinished).map(r => Math.floor(r.sentAt - scenarioAt));
  if (sent.length === 0) return [];
  const first = Math.min(...sent);
  const last = Math.max(...sent);
  const offered = new Array<number>(last - first + 1).fill(0);
  const failed = new Array<number>(last - first + 1).fill(0);
  for (const s of sent) offered[s - first]++;
  for (const f of failures) {
    const i = Math.floor(f.sentAt) - first;
    if (i >= 0 && i < failed.length) failed[i]++;
  }
  return offered.map((n, i) => ({ at: first + i, offered: n, failed: failed[i] }));
}

/** When each proxy sent new requests to each pod, from the data plane's updates. */
export function endpointSpans(updates: readonly ProxyUpdate[], proxyName: string, rel: (t: number) => number): Map<string, PodReport['endpoints']> {
  const out = new Map<string, Array<{ proxy: string; from: number; to?: number }>>();
  const open = new Map<string, { proxy: string; from: number; to?: number }>();
  for (const u of [...updates].sort((a, b) => a.at - b.at)) {
    const proxy = u.proxy ?? proxyName;
    const key = `${proxy}\u0000${u.state.pod}`;
    const span = open.get(key);
    const routing = u.state.present && u.state.ready;
    if (routing && !span) {
      const added = { proxy, from: rel(u.at) };
      open.set(key, added);
      const list = out.get(u.state.pod) ?? [];
      list.push(added);
      out.set(u.state.pod, list);
    } else if (!routing && span) {
      span.to = rel(u.at);
      open.delete(key);
    }
  }
  return out;
}

export function buildReport(run: DrillRun, outcome: { doneAt?: number } | undefined): DrillReport {
  const { spec, plane } = run;
  const scenarioAt = run.scenarioAt ?? run.clock.now();
  const rel = (t: number) => Math.round((t - scenarioAt) * 1000) / 1000;
  const records = run.load?.records ?? [];
  const { failures, served, failedOn, retried } = attribute(run, records, scenarioAt, outcome?.doneAt);
  const scenario = scenarioNamed(run.options.scenario)!;
  const method = (m: 'GET' | 'POST') => ({
    requests: records.filter(r => r.method === m && !r.unfinished).length,
    failed: failures.filter(f => f.method === m).length,
  });
  const endpoints = endpointSpans(run.dataPlane.updates, run.dataPlane.name, rel);
  const isolation = run.isolation.kind === 'pid-namespace' ? 'each container PID 1 of its own PID namespace'
    : `plain processes (${run.isolation.reason}): a shell that stays the app's parent dies of SIGTERM, where as PID 1 it would ignore it`;
  return {
    scenario: run.options.scenario,
    kind: spec.kind,
    deployment: spec.name,
    replicas: spec.replicas,
    replicasFrom: spec.replicasFrom,
    strategy: { type: spec.strategy, surge: spec.surge, unavailable: spec.unavailable, minReadySeconds: spec.minReadySeconds },
    graceSeconds: spec.graceSeconds,
    preStop: describePreStop(spec),
    budget: describeBudget(spec),
    dataPlane: run.options.dataPlane,
    dataPlaneText: `${run.dataPlane.name}${run.dataPlane.ports.length > 1 ? ` on each of ${run.dataPlane.ports.length} nodes, node-local traffic` : ''}`,
    entrypoint: { serving: run.entrypoint.describe, isolation },
    timeScale: run.clock.scale,
    lag: run.options.lag,
    reconcileLatency: run.options.reconcileLatency,
    seed: run.options.seed,
    wallPhase: run.wallPhase,
    stopped: run.stopReason,
    requests: records.filter(r => !r.unfinished).length,
    failed: failures.length,
    unfinished: records.filter(r => r.unfinished).length,
    failuresByClass: count(['refused', 'reset', 'timeout', '5xx'], failures, f => f.failureClass),
    failuresByPhase: count(['before', 'during', 'after'], failures, f => f.phase),
    byMethod: { GET: method('GET'), POST: method('POST') },
    retried,
    rate: run.scenarioAt === undefined ? undefined : rateReport(run, records, new Set(failures.map(f => f.id)), scenarioAt, outcome?.doneAt),
    peakPods: plane.peakPods,
    peakTerminating: plane.peakTerminating,
    nodes: plane.scheduler.nodes.map(n => ({ name: n.name, cordoned: n.cordoned, pods: run.podsPerNode.get(n.name) ?? 0 })),
    ...(outcome ? { [scenario.reportKey]: scenario.report(run, outcome, rel) } : {}),
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
      endpoints: endpoints.get(p.name) ?? [],
    })),
    failures,
    perSecond: perSecond(records, failures, scenarioAt),
    crash: crashReport(run, run.crashed, failures, rel),
  };
}
