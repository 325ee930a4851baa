// Why the app does not run, named at once rather than found out at --max-seconds: the first
// pods did not come up (the app exited, with its code and what it wrote; the startup probe
// killed it; nothing listened on its port; it listens but never passes readiness; a pod found no
// node), or a pod's app crash-loops later (a new revision that exits).

import { PodSim } from '../kubelet/pod-sim';

export interface StartupContext {
  readonly exec: string;
  readonly portEnv: string;
  /** Manifest seconds the pods have had. */
  readonly elapsed: number;
  readonly startTimeoutSeconds: number;
  readonly replicas: number;
  readonly available: number;
  /** Pods that have accepted a TCP connection on their port. */
  readonly listened: ReadonlySet<PodSim>;
  readonly nodes: number;
}

function wrote(text: string): string {
  const trimmed = text.trim();
  return trimmed ? `; its last lines: ${trimmed.slice(-500)}` : '';
}

/** Exits of one container after which the drill calls it a crash loop (the kubelet's CrashLoopBackOff). */
export const CRASH_LOOP_EXITS = 3;

/** A container of a pod that has exited CRASH_LOOP_EXITS times on its own, named with its last exit and output; else undefined. */
export function crashLoopProblem(pods: PodSim[]): string | undefined {
  for (const pod of pods) {
    for (const c of pod.containers) {
      const exits = pod.exits.filter(e => e.cause === 'app' && e.container === c.name);
      if (exits.length < CRASH_LOOP_EXITS) continue;
      const last = exits[exits.length - 1];
      const how = last.signal ? `was killed by ${last.signal}` : `exited with code ${last.code}`;
      const which = c === pod.main ? `the app of pod ${pod.name}` : `container ${c.name} of pod ${pod.name}`;
      return `${which} crash-loops: it ${how}, ${exits.length} times (restarted after --restart-backoff each time); `
        + `check that '${c.command}' keeps running${pod.revision > 1 ? ' with the new revision\'s env (--new-env)' : ''}${wrote(c.output)}`;
    }
  }
  return undefined;
}

/** A problem that is certain already (an exit), or one that the start timeout makes certain; undefined to keep waiting. */
export function startupProblem(pods: PodSim[], c: StartupContext): string | undefined {
  const fix = `check that '${c.exec}' keeps running and listens on 127.0.0.1 at the port in $${c.portEnv}`;
  for (const pod of pods) {
    const exit = pod.exits.find(e => e.cause === 'app');
    if (exit && exit.container !== pod.main.name) {
      // A sidecar run with --exec-container.
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const sidecar = pod.containers.find(other => other.name === exit.container);
      return `container ${exit.container} of pod ${pod.name} ${how} ${(exit.at - pod.createdAt).toFixed(1)}s after it started, before the pod became Ready; `
        + `check that its --exec-container command '${sidecar?.command}' keeps running${wrote(sidecar?.output ?? '')}`;
    }
    if (exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      return `the app of pod ${pod.name} ${how} ${(exit.at - pod.createdAt).toFixed(1)}s after it started, before it became Ready; ${fix}${wrote(pod.output)}`;
    }
    if (pod.exits.some(e => e.cause === 'startup-probe')) {
      const state = c.listened.has(pod) ? `it listens on 127.0.0.1:${pod.port} but fails the startup probe` : `nothing listened on 127.0.0.1:${pod.port} ($${c.portEnv})`;
      return `the startup probe of pod ${pod.name} failed and the kubelet killed the app: ${state}; ${fix}${wrote(pod.output)}`;
    }
  }
  if (c.elapsed < c.startTimeoutSeconds) {
    return undefined;
  }
  const pending = pods.filter(p => !p.node && !p.terminating);
  if (pending.length > 0) {
    return `${pending.length} pod(s) found no node among ${c.nodes} (the template's placement rules leave none); run with more --nodes`;
  }
  const silent = pods.find(p => p.running && !p.terminating && !c.listened.has(p));
  if (silent) {
    return `nothing listened on 127.0.0.1:${silent.port} ($${c.portEnv}) for pod ${silent.name} within ${c.startTimeoutSeconds}s; ${fix}, or raise --start-timeout${wrote(silent.output)}`;
  }
  return `the pods listen but ${c.available} of ${c.replicas} became available within ${c.startTimeoutSeconds}s; `
    + 'check that the app passes the manifest\'s readiness and startup probes (path, port), or raise --start-timeout';
}
