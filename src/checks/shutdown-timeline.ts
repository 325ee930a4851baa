import { RULES_BY_ID } from './registry';
import { Finding, TimelinePhase } from './rule';
import { KUBELET_MINIMUM_STOP_SECONDS } from '../kubernetes/defaults';
import { ClusterModel } from '../manifest/cluster';
import { DATA_PLANES } from '../manifest/data-planes';
import { KubeObject } from '../manifest/kube-object';
import { hookLengthUnknown, secondsText } from '../manifest/pre-stop-hook';
import { ContainerTraffic, MeshView, isServing, trafficOf } from '../manifest/routing';
import { ContainerView, workloadOf } from '../manifest/workload';
import { ContainerShutdownNeed, podShutdownTimes } from '../timing/pod-shutdown';
import { killTimeline } from '../timing/shutdown-budget';


/**
 * One moment of a container's shutdown.
 */
export interface TimelineEvent {
  /**
   * Seconds after the pod's deletion; undefined when the manifest does not tell (SIGTERM after a
   * preStop hook of unknown length comes when the hook returns, spec 1.5).
   */
  readonly atSeconds?: number;
  /** What happens. */
  readonly what: string;
  /** Rules broken at this moment, with their message. */
  readonly broken: string[];
}

/**
 * The shutdown of one container, from the manifest's numbers.
 */
export interface ContainerTimeline {
  /** Workload kind. */
  readonly kind: string;
  /** Workload name. */
  readonly name: string;
  /** Namespace ('' when unset). */
  readonly namespace: string;
  /** Container name. */
  readonly container: string;
  /** Events in time order. */
  readonly events: TimelineEvent[];
}

/**
 * The shutdown timeline of every container of a workload (spec 1.3-1.7): t=0 endpoint
 * removal and preStop start; when each data plane in front stops sending new requests;
 * SIGTERM when the preStop ends; the declared drain; SIGKILL at the grace period. Each
 * event lists the findings of the rules whose phase it is (the registry says which).
 */
export function shutdownTimeline(obj: KubeObject, findings: Finding[] = [], model?: ClusterModel): ContainerTimeline[] {
  const w = model?.workloadOf(obj) ?? workloadOf(obj);
  if (!w) {
    return [];
  }
  const traffic = model ? trafficOf(w, model) : undefined;
  const apps = w.containers.filter(c => c.role !== 'mesh-proxy');
  // Native sidecars get SIGTERM only after the app containers exited (spec 1.9): their turn.
  const turns = new Map(podShutdownTimes(apps.map(needOf), w.sidecars.map(needOf)).filter(t => t.sidecar).map(t => [t.name, t.sigtermAtSeconds]));
  return [...apps, ...w.sidecars].map(c => {
    const mine = findings.filter(f => f.kind === w.kind && f.name === w.name && f.namespace === w.namespace
      && (f.container === undefined || f.container === c.name));
    const broken = (phase: TimelinePhase) => mine.filter(f => RULES_BY_ID.get(f.ruleId)?.phase === phase).map(f => `${f.ruleId}: ${f.message}`);
    const preStopSeconds = c.preStop.seconds ?? 0;
    // A tcpSocket hook fails at once (spec 1.6): it costs nothing. An app that keeps accepting
    // after SIGTERM gets the signal at once and serves its declared delay before draining.
    const hookRuns = c.preStop.kind === 'tcpSocket' || c.preStop.kind === 'app' ? 0 : Math.min(preStopSeconds, w.graceSeconds);
    const turn = turns.get(c.name);
    // A hook of unknown length (a script, an httpGet, `kong quit`): SIGTERM comes when it returns.
    const hookOfUnknownLength = hookLengthUnknown(c.preStop) && turn === undefined;
    const { sigtermAt, sigkillAt } = turn === undefined ? killTimeline(w.graceSeconds, hookRuns) : sidecarKillTimeline(w.graceSeconds, turn);
    const drainEnds = sigtermAt + (c.preStop.kind === 'app' ? preStopSeconds : 0) + c.drainSeconds;
    const events: TimelineEvent[] = [
      { atSeconds: 0, what: `pod deleted: endpoint removal starts (proxies stop routing seconds later); ${hookText(c)}`, broken: broken(TimelinePhase.DELETION) },
      ...lagEvents(traffic?.containers.find(t => t.container === c)),
      ...(turn === undefined ? meshEvents(traffic?.mesh) : []),
      {
        atSeconds: hookOfUnknownLength ? undefined : sigtermAt,
        what: hookOfUnknownLength
          ? `SIGTERM when the preStop hook returns, which the manifest does not tell (spec 1.5); then the app drains (${c.drainSeconds}s${c.drainDeclared ? ' declared' : ' assumed'})`
          : `${turn === undefined ? 'SIGTERM: the app stops accepting and drains' : 'SIGTERM to the native sidecar, after the app containers exited: it drains'} `
            + `(${c.drainSeconds}s${c.drainDeclared ? ' declared' : ' assumed'})`,
        broken: broken(TimelinePhase.SIGTERM),
      },
      ...(hookOfUnknownLength ? [] : [{ atSeconds: drainEnds, what: 'drain done', broken: [] }]),
      {
        atSeconds: hookOfUnknownLength ? w.graceSeconds : sigkillAt,
        what: hookOfUnknownLength
          ? `SIGKILL at the latest (terminationGracePeriodSeconds ${w.graceSeconds}, +2 s if the hook runs past it): the drain fits only if the hook returns `
            + `by ${Math.max(0, w.graceSeconds - c.drainSeconds)}s`
          : `SIGKILL (terminationGracePeriodSeconds ${w.graceSeconds}${sigkillAt > w.graceSeconds ? ', +2 s one-time extension' : ''})`
            + `${sigkillAt >= drainEnds ? `: ${sigkillAt - drainEnds}s of margin` : `: ${drainEnds - sigkillAt}s before the drain ends`}`,
        broken: broken(TimelinePhase.SIGKILL),
      },
    ];
    // An event of unknown time stands just before SIGKILL, which bounds it.
    const at = (e: TimelineEvent) => e.atSeconds ?? w.graceSeconds - 1e-9;
    events.sort((a, b) => at(a) - at(b));
    return { kind: w.kind, name: w.name, namespace: w.namespace, container: c.name, events };
  });
}

/** A container's preStop and drain, as the pod's shutdown arithmetic takes them. */
function needOf(c: ContainerView): ContainerShutdownNeed {
  const hook = c.preStop.kind === 'tcpSocket' || c.preStop.kind === 'app' ? 0 : c.preStop.seconds ?? 0;
  return { name: c.name, preStopSeconds: Number.isFinite(hook) ? hook : 0, drainSeconds: c.drainSeconds };
}

/** A native sidecar's SIGTERM at its turn, within the grace period; then at least 2 s (spec 1.4 steps 3-4). */
function sidecarKillTimeline(graceSeconds: number, turnSeconds: number): { sigtermAt: number; sigkillAt: number } {
  const sigtermAt = Math.min(turnSeconds, graceSeconds);
  return { sigtermAt, sigkillAt: sigtermAt + Math.max(graceSeconds - sigtermAt, KUBELET_MINIMUM_STOP_SECONDS) };
}

/** The preStop hook as the timeline names it. */
function hookText(c: ContainerView): string {
  const preStopSeconds = c.preStop.seconds ?? 0;
  switch (c.preStop.kind) {
    case 'none': return 'no preStop hook';
    case 'app': return `no preStop hook (the app declares it keeps accepting ${preStopSeconds}s after SIGTERM)`;
    case 'sleep': return `preStop sleep ${preStopSeconds}s starts`;
    case 'exec': return `preStop exec ${JSON.stringify(c.preStop.command)} starts${c.preStop.seconds !== undefined ? ` (${secondsText(preStopSeconds)})` : ' (length unknown)'}`;
    case 'httpGet': return `preStop httpGet starts${c.preStop.seconds !== undefined ? ` (declared ${preStopSeconds}s)` : ' (length unknown)'}`;
    default: return `preStop ${c.preStop.kind} fails at once`;
  }
}

/** When each data plane in front stops sending new requests, as assumed from docs/traffic-paths.md. */
function lagEvents(t: ContainerTraffic | undefined): TimelineEvent[] {
  if (!t || !isServing(t)) {
    return [];
  }
  return t.dataPlanes.map(d => ({
    atSeconds: DATA_PLANES[d.kind].propagationSeconds,
    what: `${DATA_PLANES[d.kind].title} (${d.through}) stops sending new requests (assumed)`
      + (d.drainSeconds !== undefined ? `; its drain of in-flight requests lasts ${d.drainSeconds}s` : ''),
    broken: [],
  }));
}

function meshEvents(mesh: MeshView | undefined): TimelineEvent[] {
  if (!mesh || mesh.native) {
    return [];
  }
  return [{ atSeconds: mesh.drainSeconds, what: `${mesh.kind === 'istio' ? 'istio-proxy' : 'linkerd-proxy'} stops forwarding (${mesh.setting}${mesh.drainDeclared ? '' : ', default'})`, broken: [] }];
}

/** The timeline as text, one event per line. */
export function formatTimeline(timeline: ContainerTimeline): string[] {
  const out = [`shutdown of ${timeline.kind} '${timeline.namespace ? timeline.namespace + '/' : ''}${timeline.name}' container '${timeline.container}':`];
  for (const e of timeline.events) {
    out.push(`  t=${e.atSeconds === undefined ? '    ?' : `${String(e.atSeconds).padStart(4)}s`}  ${e.what}`);
    for (const b of e.broken) {
      out.push(`           ✗ ${b}`);
    }
  }
  return out;
}
