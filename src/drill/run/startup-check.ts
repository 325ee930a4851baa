// Why the first pods did not come up, named at once: the app exited (with its code and what it
// wrote), the startup probe killed it, nothing listened on its port, it listens but never
// passes readiness, or a pod found no node.

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

function wrote(pod: PodSim): string {
  const text = pod.stderr.trim();
  return text ? `; it wrote: ${text.slice(-500)}` : '';
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
      const text = sidecar?.stderr.trim();
      return `container ${exit.container} of pod ${pod.name} ${how} ${(exit.at - pod.createdAt).toFixed(1)}s after it started, before the pod became Ready; `
        + `check that its --exec-container command '${sidecar?.command}' keeps running${text ? `; it wrote: ${text.slice(-500)}` : ''}`;
    }
    if (exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      return `the app of pod ${pod.name} ${how} ${(exit.at - pod.createdAt).toFixed(1)}s after it started, before it became Ready; ${fix}${wrote(pod)}`;
    }
    if (pod.exits.some(e => e.cause === 'startup-probe')) {
      const state = c.listened.has(pod) ? `it listens on 127.0.0.1:${pod.port} but fails the startup probe` : `nothing listened on 127.0.0.1:${pod.port} ($${c.portEnv})`;
      return `the startup probe of pod ${pod.name} failed and the kubelet killed the app: ${state}; ${fix}${wrote(pod)}`;
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
    return `nothing listened on 127.0.0.1:${silent.port} ($${c.portEnv}) for pod ${silent.name} within ${c.startTimeoutSeconds}s; ${fix}, or raise --start-timeout${wrote(silent)}`;
  }
  return `the pods listen but ${c.available} of ${c.replicas} became available within ${c.startTimeoutSeconds}s; `
    + 'check that the app passes the manifest\'s readiness and startup probes (path, port), or raise --start-timeout';
}
