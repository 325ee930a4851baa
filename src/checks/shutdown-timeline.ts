import { RULES_BY_ID } from './registry';
import { Finding, TimelinePhase } from './rule';
import { ClusterModel } from '../manifest/cluster';
import { DATA_PLANES } from '../manifest/data-planes';
import { KubeObject } from '../manifest/kube-object';
import { secondsText } from '../manifest/pre-stop-hook';
import { ContainerTraffic, MeshView, isServing, trafficOf } from '../manifest/routing';
import { workloadOf } from '../manifest/workload';
import { killTimeline } from '../timing/shutdown-budget';


/**
 * One moment of a container's shutdown.
 */
export interface TimelineEvent {
  /** Seconds after the pod's deletion. */
  readonly atSeconds: number;
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
  return [...w.containers, ...w.sidecars].filter(c => c.role !== 'mesh-proxy').map(c => {
    const mine = findings.filter(f => f.kind === w.kind && f.name === w.name && f.namespace === w.namespace && (f.container === undefined || f.container === c.name));
    const broken = (phase: TimelinePhase) => mine.filter(f => RULES_BY_ID.get(f.ruleId)?.phase === phase).map(f => `${f.ruleId}: ${f.message}`);
    const preStopSeconds = c.preStop.seconds ?? 0;
    const hook = c.preStop.kind === 'none' ? 'no preStop hook'
      : c.preStop.kind === 'app' ? `no preStop hook (the app declares it keeps accepting ${preStopSeconds}s after SIGTERM)`
        : c.preStop.kind === 'sleep' ? `preStop sleep ${preStopSeconds}s starts`
          : c.preStop.kind === 'exec' ? `preStop exec ${JSON.stringify(c.preStop.command)} starts${c.preStop.seconds !== undefined ? ` (${secondsText(preStopSeconds)})` : ' (length unknown)'}`
            : c.preStop.kind === 'httpGet' ? `preStop httpGet starts${c.preStop.seconds !== undefined ? ` (declared ${preStopSeconds}s)` : ' (length unknown)'}`
              : `preStop ${c.preStop.kind} fails at once`;
    // A tcpSocket hook fails at once (spec 1.6): it costs nothing. An app that keeps accepting
    // after SIGTERM gets the signal at once and serves its declared delay before draining.
    const hookRuns = c.preStop.kind === 'tcpSocket' || c.preStop.kind === 'app' ? 0 : Math.min(preStopSeconds, w.graceSeconds);
    const { sigtermAt, sigkillAt } = killTimeline(w.graceSeconds, hookRuns);
    const drainEnds = sigtermAt + (c.preStop.kind === 'app' ? preStopSeconds : 0) + w.drainSeconds;
    const events: TimelineEvent[] = [
      { atSeconds: 0, what: `pod deleted: endpoint removal starts (proxies stop routing seconds later); ${hook}`, broken: broken(TimelinePhase.DELETION) },
      ...lagEvents(traffic?.containers.find(t => t.container === c)),
      ...meshEvents(traffic?.mesh),
      { atSeconds: sigtermAt, what: `SIGTERM: the app stops accepting and drains (${w.drainSeconds}s${w.drainDeclared ? ' declared' : ' assumed'})`, broken: broken(TimelinePhase.SIGTERM) },
      { atSeconds: drainEnds, what: 'drain done', broken: [] },
      {
        atSeconds: sigkillAt,
        what: `SIGKILL (terminationGracePeriodSeconds ${w.graceSeconds}${sigkillAt > w.graceSeconds ? ', +2 s one-time extension' : ''})`
          + `${sigkillAt >= drainEnds ? `: ${sigkillAt - drainEnds}s of margin` : `: ${drainEnds - sigkillAt}s before the drain ends`}`,
        broken: broken(TimelinePhase.SIGKILL),
      },
    ];
    events.sort((a, b) => a.atSeconds - b.atSeconds);
    return { kind: w.kind, name: w.name, namespace: w.namespace, container: c.name, events };
  });
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
    out.push(`  t=${String(e.atSeconds).padStart(4)}s  ${e.what}`);
    for (const b of e.broken) {
      out.push(`           ✗ ${b}`);
    }
  }
  return out;
}
