import { KubeObject, workloadOf } from './_manifest';
import { Finding } from './rules';
import { killTimeline } from './shutdown-budget';

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

const RULES_AT_DELETION = ['GS003', 'GS015', 'GS016'];
const RULES_AT_SIGTERM = ['GS004', 'GS006'];
const RULES_AT_SIGKILL = ['GS005'];

/**
 * The shutdown timeline of every container of a workload (spec 1.3–1.7): t=0 endpoint
 * removal and preStop start; SIGTERM when the preStop ends; the declared drain; SIGKILL at
 * the grace period. Each event lists the findings that break it.
 */
export function shutdownTimeline(obj: KubeObject, findings: Finding[] = []): ContainerTimeline[] {
  const w = workloadOf(obj);
  if (!w) {
    return [];
  }
  return w.containers.map(c => {
    const mine = findings.filter(f => f.kind === w.kind && f.name === w.name && f.namespace === w.namespace && (f.container === undefined || f.container === c.name));
    const broken = (ids: string[]) => mine.filter(f => ids.includes(f.ruleId)).map(f => `${f.ruleId}: ${f.message}`);
    const preStopSeconds = c.preStop.seconds ?? 0;
    const hook = c.preStop.kind === 'none' ? 'no preStop hook'
      : c.preStop.kind === 'sleep' ? `preStop sleep ${preStopSeconds}s starts`
        : c.preStop.kind === 'exec' ? `preStop exec ${JSON.stringify(c.preStop.command)} starts${c.preStop.seconds !== undefined ? ` (${preStopSeconds}s)` : ''}`
          : c.preStop.kind === 'httpGet' ? `preStop httpGet starts${c.preStop.seconds !== undefined ? ` (declared ${preStopSeconds}s)` : ''}`
            : `preStop ${c.preStop.kind} fails at once`;
    // A tcpSocket hook fails at once (spec 1.6): it costs nothing.
    const hookRuns = c.preStop.kind === 'tcpSocket' ? 0 : preStopSeconds;
    const { sigtermAt, sigkillAt } = killTimeline(w.graceSeconds, hookRuns);
    const drainEnds = sigtermAt + w.drainSeconds;
    const events: TimelineEvent[] = [
      { atSeconds: 0, what: `pod deleted: endpoint removal starts (proxies stop routing seconds later); ${hook}`, broken: broken(RULES_AT_DELETION) },
      { atSeconds: sigtermAt, what: `SIGTERM: the app stops accepting and drains (${w.drainSeconds}s${w.drainDeclared ? ' declared' : ' assumed'})`, broken: broken(RULES_AT_SIGTERM) },
      { atSeconds: drainEnds, what: 'drain done', broken: [] },
      {
        atSeconds: sigkillAt,
        what: `SIGKILL (terminationGracePeriodSeconds ${w.graceSeconds}${sigkillAt > w.graceSeconds ? ', +2 s one-time extension' : ''})${sigkillAt >= drainEnds ? `: ${sigkillAt - drainEnds}s of margin` : `: ${drainEnds - sigkillAt}s before the drain ends`}`,
        broken: broken(RULES_AT_SIGKILL),
      },
    ];
    events.sort((a, b) => a.atSeconds - b.atSeconds);
    return { kind: w.kind, name: w.name, namespace: w.namespace, container: c.name, events };
  });
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
