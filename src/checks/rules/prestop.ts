// preStop, SIGTERM and the grace period: the app keeps serving while proxies learn of its
// removal, then drains before SIGKILL (spec 1.3-1.7).

import { DRAIN_ANNOTATION, PRE_STOP_ANNOTATION, SERVES_AFTER_SIGTERM_ANNOTATION } from '../../manifest/kube-object';
import { hookLengthUnknown, secondsText } from '../../manifest/pre-stop-hook';
import { WorkloadTraffic, isServing, servingPortsText } from '../../manifest/routing';
import { SHELL_TITLES, entrypointVerdict, swallowReason } from '../../manifest/shells';
import { ContainerView, LONG_RUNNING_KINDS, WORKLOAD_KINDS, WorkloadView, runningContainers } from '../../manifest/workload';
import { graceShortfallSeconds } from '../../timing/shutdown-budget';
import { RawFinding, Severity, TimelinePhase, area, onWorkload } from '../rule';

const DISTROLESS_IMAGE = /(^|[/:@-])(distroless|scratch|static)([/:@-]|$)|cgr\.dev\/chainguard\//;

function on(c: ContainerView, field: string): string {
  return `${c.pointer}/${field}`;
}

/** The preStop delay a container is known to have (its hook, or the annotation), if any. */
function knownDelay(c: ContainerView): number | undefined {
  return c.preStop.kind === 'tcpSocket' ? undefined : c.preStop.seconds;
}

/** A hook that is not a delay because it stops the server at once. */
function stopsAtOnce(c: ContainerView): boolean {
  return c.preStop.stopCommand !== undefined && !c.preStop.gracefulStopAfterSleep;
}


/** Whether a container's own handling of SIGTERM matters: it serves, or its pod serves nothing and it is an app container. */
function judgedForSignals(c: ContainerView, traffic: WorkloadTraffic): boolean {
  const t = traffic.containers.find(x => x.container === c);
  if (t && isServing(t)) return true;
  return traffic.serving.length === 0 && c.role === 'main';
}

/** Containers whose shell entrypoint keeps SIGTERM from the app (`no`), or may (`depends`: the image's /bin/sh is unknown). */
function shellFindings(w: WorkloadView, traffic: WorkloadTraffic, reaches: 'no' | 'depends'): RawFinding[] {
  return runningContainers(w).filter(c => judgedForSignals(c, traffic)).flatMap(c => {
    const v = entrypointVerdict(c.json.command, c.json.args, c.image);
    if (!v || v.reaches !== reaches) {
      return [];
    }
    const script = JSON.stringify(v.script.length > 60 ? v.script.slice(0, 57) + '...' : v.script);
    const message = reaches === 'no'
      ? `runs ${script} through ${v.why}: ${swallowReason(v.shell ?? v.swallowedBy[0], v.shape)}, so the shell stays PID 1, drops SIGTERM `
        + `and the app is SIGKILLed after ${w.graceSeconds}s without draining`
      : `runs ${script} through ${v.why}: under ${v.swallowedBy.map(s => SHELL_TITLES[s]).join(' or ')} the shell stays PID 1 and drops SIGTERM `
        + `(${swallowReason(v.swallowedBy[0], v.shape)}); under the others the app gets it`;
    return [{
      container: c.name,
      pointer: on(c, c.json.command ? 'command' : 'args'),
      message: w.longRunning ? message : `${message}; a drain that evicts this ${w.kind}'s pod loses its work`,
      severity: w.longRunning ? undefined : Severity.WARNING,
    }];
  });
}

/**
 * Whether a container's drain is judged against the grace period: it has a preStop of known
 * length, or it serves (its drain, declared or assumed, is what keeps requests), or it declares
 * a drain. A container without a hook that serves nothing and declares nothing (a controller, an
 * exporter) is not judged on an assumed drain.
 */
function drainJudged(c: ContainerView, traffic: WorkloadTraffic): boolean {
  if (c.preStop.kind !== 'none') return knownDelay(c) !== undefined;
  const t = traffic.containers.find(x => x.container === c);
  return c.drainDeclared || (t !== undefined && isServing(t));
}

function grace(w: WorkloadView): string {
  return `${w.podSpecPointer}/terminationGracePeriodSeconds`;
}

export const PRE_STOP_RULES = area('prestop', [
  {
    id: 'GS003',
    severity: Severity.ERROR,
    title: 'Serving container without a preStop delay',
    rationale: 'Endpoint removal and SIGTERM start at the same time (spec 1.3); proxies learn of the removal up to seconds later (spec 4.4, 5.2), '
      + 'so a container that stops at once still receives new connections and refuses them. A preStop of 0 seconds (`sleep 0`) is no delay.',
    fix: 'add a preStop hook that waits while the app keeps serving: `lifecycle.preStop.sleep.seconds: 15` (Kubernetes ≥ 1.30) or `exec: [sleep, "15"]`; '
      + `an app that itself keeps accepting for a while after SIGTERM declares it with the '${SERVES_AFTER_SIGTERM_ANNOTATION}' annotation`,
    phase: TimelinePhase.DELETION,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(({ traffic }) => traffic.containers
      .filter(t => isServing(t) && !stopsAtOnce(t.container) && (t.container.preStop.kind === 'none' || (t.container.preStop.seconds === 0 && t.container.preStop.kind !== 'tcpSocket')))
      .map(t => ({
        container: t.container.name,
        pointer: t.container.preStop.kind === 'none' ? t.container.pointer : on(t.container, 'lifecycle/preStop'),
        message: `serves port(s) ${servingPortsText(t)} and has ${t.container.preStop.kind === 'none' ? 'no preStop delay' : 'a preStop delay of 0s'}; `
          + 'it gets SIGTERM while proxies still route to it',
      }))),
  },
  {
    id: 'GS004',
    severity: Severity.ERROR,
    title: 'preStop longer than the grace period',
    rationale: 'The grace period counts from the deletion and includes the preStop (spec 1.4, 1.7). The API server rejects a native sleep longer '
      + 'than terminationGracePeriodSeconds; an exec sleep is cut off and the app gets only 2 s after SIGTERM (spec 1.5).',
    fix: 'raise terminationGracePeriodSeconds to preStop + drain + margin, or shorten the preStop',
    phase: TimelinePhase.SIGTERM,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w }) => runningContainers(w).filter(c => (knownDelay(c) ?? 0) > w.graceSeconds).map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop'),
      message: c.preStop.kind === 'app'
        ? `the app keeps accepting ${secondsText(c.preStop.seconds!)} after SIGTERM (declared) but terminationGracePeriodSeconds is ${w.graceSeconds}s: it is killed before it drains`
        : `preStop waits ${secondsText(c.preStop.seconds!)} but terminationGracePeriodSeconds is ${w.graceSeconds}s`
          + (c.preStop.kind === 'sleep' ? '; the API server rejects this pod' : '; the hook is cut off and the app gets SIGKILL 2s after SIGTERM'),
    }))),
  },
  {
    id: 'GS005',
    severity: Severity.ERROR,
    title: 'Grace period shorter than preStop + drain',
    rationale: 'SIGKILL comes when the grace period runs out, counted from the deletion with the preStop included (spec 1.4, 1.7). If preStop + drain '
      + 'does not fit, the drain is cut short and in-flight requests are dropped. The drain is declared with the graceful-k8s.io/drain-seconds '
      + 'annotation (15 s assumed when absent; graceful-k8s.io/container-drain-seconds declares it per container).',
    fix: `raise terminationGracePeriodSeconds to at least preStop + drain + a few seconds, or declare the real drain with the '${DRAIN_ANNOTATION}' annotation`,
    phase: TimelinePhase.SIGKILL,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w, traffic }) => w.containers
      .filter(c => c.role !== 'mesh-proxy' && drainJudged(c, traffic))
      .map(c => ({ c, preStop: c.preStop.kind === 'none' ? 0 : knownDelay(c)! }))
      .filter(({ preStop }) => preStop <= w.graceSeconds) // a longer one is GS004's
      .filter(({ c, preStop }) => graceShortfallSeconds(w.graceSeconds, preStop, c.drainSeconds) > 0)
      .map(({ c, preStop }) => ({
        container: c.name,
        pointer: grace(w),
        message: `terminationGracePeriodSeconds (${w.graceSeconds}s) is less than preStop (${preStop}s${c.preStop.kind === 'none' ? ', none' : ''}) `
          + `+ drain (${c.drainSeconds}s${c.drainDeclared ? '' : ', assumed'}) = ${preStop + c.drainSeconds}s; `
          + `SIGKILL cuts the drain ${graceShortfallSeconds(w.graceSeconds, preStop, c.drainSeconds)}s short`,
        fix: `raise terminationGracePeriodSeconds to at least ${preStop + c.drainSeconds + 5}, or declare the real drain with the '${DRAIN_ANNOTATION}' annotation`,
      }))),
  },
  {
    id: 'GS006',
    severity: Severity.ERROR,
    title: 'Shell entrypoint keeps SIGTERM from the app',
    rationale: 'A container\'s main process is PID 1, and the kernel delivers SIGTERM to PID 1 only if it handles it. A shell that runs the app as a '
      + 'child stays PID 1, drops the signal and forwards nothing: the app never drains and is SIGKILLed at the end of the grace period. Measured on '
      + 'Debian 12\'s shells: dash (/bin/sh of Debian- and Ubuntu-based images: node, python, golang, eclipse-temurin, …) never replaces itself with '
      + 'the command of `sh -c`, one command or many; bash (RHEL, UBI, Amazon Linux) and busybox ash (Alpine) replace themselves with the last '
      + 'command of a plain list, but not with one in a pipeline, a loop or the background (bash: nor with a redirection or inside `if`) '
      + '(docs/kubernetes-semantics.md 8). Judged on serving containers and on the app containers of pods that serve nothing; a Job\'s is a '
      + 'warning (a drain evicts it and its work is lost).',
    fix: 'start the app with `exec` (`sh -c "exec node server.js"`, or `… && exec node server.js`), run the binary directly (command: [node, server.js]), '
      + 'or forward the signal with `trap`',
    phase: TimelinePhase.SIGTERM,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w, traffic }) => shellFindings(w, traffic, 'no')),
  },
  {
    id: 'GS040',
    severity: Severity.WARNING,
    title: 'Shell entrypoint may keep SIGTERM from the app, depending on the image\'s /bin/sh',
    rationale: 'The script would pass SIGTERM on under one /bin/sh and swallow it under another (GS006): dash, /bin/sh of Debian and Ubuntu images, '
      + 'never replaces itself with the command of `sh -c`; bash and busybox ash do for a plain last command. The image\'s family is not known '
      + '(a custom image), so the manifest cannot tell which.',
    fix: 'start the app with `exec` (`sh -c "exec node server.js"`): it works under every shell',
    phase: TimelinePhase.SIGTERM,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w, traffic }) => shellFindings(w, traffic, 'depends')),
  },
  {
    id: 'GS015',
    severity: Severity.ERROR,
    title: 'tcpSocket preStop hook',
    rationale: 'Kubernetes does not support tcpSocket as a lifecycle handler; the hook always fails at once, so SIGTERM comes immediately and the '
      + 'propagation delay is lost (spec 1.6).',
    fix: 'use a sleep preStop (`sleep.seconds`, Kubernetes ≥ 1.30, or `exec: [sleep, "15"]`) or an httpGet endpoint that waits',
    phase: TimelinePhase.DELETION,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w }) => runningContainers(w).filter(c => c.preStop.kind === 'tcpSocket').map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop/tcpSocket'),
      message: 'has a tcpSocket preStop hook, which Kubernetes does not run; it fails at once and the container gets SIGTERM while still routed to',
    }))),
  },
  {
    id: 'GS016',
    severity: Severity.WARNING,
    title: 'exec preStop in an image that likely has no shell utilities',
    rationale: 'Distroless, scratch and static images have no `sleep` or shell; the exec hook fails with "executable file not found" and costs 0 s, '
      + 'so the delay is lost (spec 1.6).',
    fix: 'use the native sleep action `lifecycle.preStop.sleep.seconds` (Kubernetes ≥ 1.30; GracefulDeployment: `preStop: PreStop.nativeSleep()`)',
    phase: TimelinePhase.DELETION,
    kinds: WORKLOAD_KINDS,
    check: onWorkload(({ w }) => runningContainers(w).filter(c => c.preStop.kind === 'exec' && DISTROLESS_IMAGE.test(c.image)).map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop/exec'),
      message: `runs exec preStop ${JSON.stringify(c.preStop.command)} in image '${c.image}', which likely has no such binary; the hook would fail at once`,
    }))),
  },
  {
    id: 'GS023',
    severity: Severity.ERROR,
    title: 'preStop stops the server at once instead of waiting',
    rationale: 'A preStop such as `nginx -s quit` or `kill …` makes the server stop accepting the moment the pod is deleted, while proxies still route '
      + 'new connections to it for seconds (spec 1.3, 4.4): those are refused. The graceful stop belongs after a delay.',
    fix: 'wait first, then stop: `command: [sh, -c, "sleep 15 && nginx -s quit"]` (GracefulDeployment: `PreStop.sleepThen([...])`), and size the grace period for both',
    phase: TimelinePhase.DELETION,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(({ traffic }) => traffic.containers.filter(t => isServing(t) && stopsAtOnce(t.container)).map(t => ({
      container: t.container.name,
      pointer: on(t.container, 'lifecycle/preStop/exec/command'),
      message: `preStop runs '${t.container.preStop.stopCommand}' at once: the server stops accepting at the deletion, `
        + `while proxies still send new connections to port(s) ${servingPortsText(t)}`,
    }))),
  },
  {
    id: 'GS024',
    severity: Severity.WARNING,
    title: 'preStop hook of unknown length',
    rationale: 'SIGTERM comes when the preStop hook returns, not at the deletion (spec 1.4): with a script or an httpGet hook nobody can tell from '
      + 'the manifest when the app stops accepting, or whether preStop + drain fits the grace period.',
    fix: `declare the hook's length with the '${PRE_STOP_ANNOTATION}' annotation on the pod template (e.g. "20"), or use a plain sleep`,
    phase: TimelinePhase.SIGTERM,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(({ w }) => runningContainers(w).filter(c => hookLengthUnknown(c.preStop) && !stopsAtOnce(c)).map(c => ({
      container: c.name,
      pointer: on(c, 'lifecycle/preStop'),
      message: `preStop ${c.preStop.kind === 'exec' ? `runs ${JSON.stringify(c.preStop.command)}` : `is an ${c.preStop.kind} hook`}, whose length the manifest does not tell; `
        + `SIGTERM comes whenever it returns, and the grace period (${w.graceSeconds}s) cannot be checked against it`,
    }))),
  },
]);
