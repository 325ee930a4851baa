// Probes: traffic reaches only pods that are ready, and a busy pod is not restarted (spec 2).

import { ResolvedProbe, probeWindowSeconds } from '../../manifest/probe';
import { isServing, servingPortsText } from '../../manifest/routing';
import { ContainerView, LONG_RUNNING_KINDS, WORKLOAD_KINDS, WorkloadView, runningContainers } from '../../manifest/workload';
import { Severity, TimelinePhase, area, onWorkload } from '../rule';

/**
 * A probe's handler and timings as one string, with the fields Kubernetes defaults filled in
 * (scheme HTTP, path /, host ''), so `scheme: HTTP` equals no scheme and key order does not matter.
 */
function probeSignature(probe: ResolvedProbe): string {
  const h = probe.handler;
  let handler: string;
  if (h.httpGet) {
    const g = h.httpGet;
    handler = `httpGet ${g.scheme ?? 'HTTP'} ${g.host ?? ''} ${String(g.port)} ${g.path ?? '/'} ${g.httpHeaders ? stableJson(g.httpHeaders) : '[]'}`;
  } else if (h.tcpSocket) {
    handler = `tcpSocket ${h.tcpSocket.host ?? ''} ${String(h.tcpSocket.port)}`;
  } else if (h.grpc) {
    handler = `grpc ${String(h.grpc.port)} ${h.grpc.service ?? ''}`;
  } else {
    handler = stableJson(h);
  }
  return `${handler} ${probe.initialDelaySeconds} ${probe.periodSeconds} ${probe.timeoutSeconds} ${probe.successThreshold} ${probe.failureThreshold}`;
}

/** Key-sorted JSON, so two values compare equal whatever their key order. */
export function stableJson(value: any): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sameProbe(a: ResolvedProbe, b: ResolvedProbe): boolean {
  // Timings first: they tell most pairs apart without building either signature.
  return a.periodSeconds === b.periodSeconds && a.failureThreshold === b.failureThreshold && a.timeoutSeconds === b.timeoutSeconds
    && a.initialDelaySeconds === b.initialDelaySeconds && a.successThreshold === b.successThreshold
    && probeSignature(a) === probeSignature(b);
}

/** Startup budget: the longest a container may take to become ready (spec 2.2, 2.5). */
export function startupWindowSeconds(w: WorkloadView): number {
  let longest = 0;
  for (const c of w.containers) {
    const startup = c.startup ? probeWindowSeconds(c.startup) : 0;
    const ready = c.readiness ? c.readiness.initialDelaySeconds + c.readiness.periodSeconds * c.readiness.successThreshold : 0;
    longest = Math.max(longest, startup + ready);
  }
  return longest;
}

const PROBES: Array<['readinessProbe' | 'livenessProbe' | 'startupProbe', 'readiness' | 'liveness' | 'startup']> = [
  ['readinessProbe', 'readiness'], ['livenessProbe', 'liveness'], ['startupProbe', 'startup'],
];

const PORT_HANDLERS = ['httpGet', 'tcpSocket'];

/** Named ports a container's probes use that it does not declare. */
function undeclaredProbePorts(c: ContainerView): Array<{ field: string; port: string; pointer: string }> {
  const out = [];
  for (const [field, key] of PROBES) {
    const handler = c[key]?.handler;
    if (handler === undefined) continue;
    for (const type of PORT_HANDLERS) {
      const port = handler[type]?.port;
      if (typeof port === 'string' && !/^\d+$/.test(port) && !c.ports.some(p => p.name === port)) {
        out.push({ field, port, pointer: `${c.pointer}/${field}/${type}/port` });
      }
    }
  }
  return out;
}

export const PROBE_RULES = area('probes', [
  {
    id: 'GS001',
    severity: Severity.ERROR,
    title: 'Serving container without a readiness probe',
    rationale: 'Without a readiness probe a container is Ready as soon as it runs (spec 2.3), so the Service sends it traffic before the app listens, '
      + 'and a new pod of a rollout takes requests it cannot serve. Only containers that something routes client traffic to are judged: '
      + 'a port reached only by a metrics Service, or by nothing, is not client traffic.',
    fix: 'add a readinessProbe (httpGet on a /ready endpoint, or tcpSocket on the port); in cdk8s-plus: `readiness: Probe.fromHttpGet(\'/ready\')`',
    phase: TimelinePhase.STARTUP,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(({ traffic }) => traffic.containers.filter(t => isServing(t) && !t.container.readiness).map(t => ({
      container: t.container.name,
      pointer: t.container.pointer,
      message: `serves port(s) ${servingPortsText(t)} but has no readinessProbe; it receives traffic as soon as it starts`,
    }))),
  },
  {
    id: 'GS002',
    severity: Severity.ERROR,
    title: 'Readiness probe identical to liveness probe',
    rationale: 'When readiness and liveness are the same check, a pod that is merely busy or draining fails liveness as well and is restarted, '
      + 'dropping its in-flight requests; readiness should say "send me traffic", liveness "I am stuck". Fields left at their defaults '
      + '(scheme HTTP, path /, the probe timings of spec 2.1) count as written.',
    fix: 'give liveness a cheaper endpoint (e.g. /healthz) or a higher failureThreshold than readiness, or drop the liveness probe',
    phase: TimelinePhase.STARTUP,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w }) => runningContainers(w)
      .filter(c => c.readiness && c.liveness && sameProbe(c.readiness, c.liveness))
      .map(c => ({
        container: c.name,
        pointer: `${c.pointer}/livenessProbe`,
        message: `livenessProbe is identical to readinessProbe (${stableJson(c.liveness!.handler)}, period ${c.liveness!.periodSeconds}s, `
          + `failureThreshold ${c.liveness!.failureThreshold}); a busy pod would be restarted instead of taken out of rotation`,
      }))),
  },
  {
    id: 'GS017',
    severity: Severity.ERROR,
    title: 'progressDeadlineSeconds not above minReadySeconds + startup time',
    rationale: 'The Deployment is marked ProgressDeadlineExceeded when a new pod cannot become available in time (spec 3.6); with a deadline below '
      + 'startup + minReadySeconds every healthy rollout is reported failed and CD tools roll it back.',
    fix: 'raise progressDeadlineSeconds above minReadySeconds + the startup probe window, with room for image pulls',
    phase: TimelinePhase.ROLLOUT,
    kinds: ['Deployment'],
    check: onWorkload(({ w }) => {
      const startup = startupWindowSeconds(w);
      return w.progressDeadlineSeconds <= w.minReadySeconds + startup ? [{
        pointer: '/spec/progressDeadlineSeconds',
        message: `progressDeadlineSeconds (${w.progressDeadlineSeconds}s) must exceed minReadySeconds (${w.minReadySeconds}s) `
          + `+ startup (${startup}s) = ${w.minReadySeconds + startup}s`,
        fix: `raise progressDeadlineSeconds to at least ${w.minReadySeconds + startup + 60}`,
      }] : [];
    }),
  },
  {
    id: 'GS021',
    severity: Severity.ERROR,
    title: 'Probe on a named port the container does not declare',
    rationale: 'A probe\'s named port is looked up among the container\'s own ports. When no port has that name the probe fails every time: '
      + 'a readiness probe keeps the pod out of every Service for good, a liveness or startup probe restarts it over and over (spec 2.2).',
    fix: 'declare the port with that name in the container\'s ports, or give the probe the port number',
    phase: TimelinePhase.STARTUP,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w }) => runningContainers(w).flatMap(c => undeclaredProbePorts(c).map(p => ({
      container: c.name,
      pointer: p.pointer,
      message: `${p.field} uses port '${p.port}' but the container declares ${c.ports.some(x => x.name) ? `only ${c.ports.filter(x => x.name).map(x => `'${x.name}'`).join(', ')}` : 'no named port'}; `
        + 'the probe can never succeed',
    })))),
  },
]);
