// Native sidecars (init containers with restartPolicy: Always): stopped only after the app
// containers exited, within the same grace period (spec 1.9, 5.3c).

import { meshOf } from '../../manifest/routing';
import { ContainerView, LONG_RUNNING_KINDS, WorkloadView } from '../../manifest/workload';
import { ContainerShutdownNeed, podShutdownTimes } from '../../timing/pod-shutdown';
import { RawFinding, Severity, TimelinePhase, WorkloadContext, area, onWorkload } from '../rule';

/** Cloud SQL / AlloyDB Auth Proxy v2 `--max-sigterm-delay=30s` (v1: `-term_timeout=30s`): how long it drains after SIGTERM. */
const PROXY_SIGTERM_DELAY = /^--?(?:max-sigterm-delay|term_timeout)=(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * A native sidecar's drain when the manifest tells it: its container-drain-seconds entry, a mesh
 * proxy's drain setting, or a database proxy's SIGTERM delay flag. Undefined when unknown: a
 * sidecar that only ships logs is not judged on a guess.
 */
export function knownSidecarDrainSeconds(w: WorkloadView, c: ContainerView): number | undefined {
  if (c.ownDrainDeclared) {
    return c.drainSeconds;
  }
  const mesh = meshOf(w);
  if (mesh && mesh.native && (c.name === 'istio-proxy' || c.name === 'linkerd-proxy') && mesh.drainDeclared) {
    return Math.ceil(mesh.drainSeconds);
  }
  for (const word of [...(Array.isArray(c.json.command) ? c.json.command : []), ...(Array.isArray(c.json.args) ? c.json.args : [])].map(String)) {
    const m = PROXY_SIGTERM_DELAY.exec(word);
    if (m) {
      return Math.ceil(Number(m[1]) * UNIT_SECONDS[m[2] ?? 's']);
    }
  }
  return undefined;
}

/** An app container's preStop + drain; a hook of unknown length counts as 0 (a lower bound). */
function appNeed(c: ContainerView): ContainerShutdownNeed {
  const hook = c.preStop.kind === 'tcpSocket' || c.preStop.kind === 'app' ? 0 : c.preStop.seconds ?? 0;
  return { name: c.name, preStopSeconds: Number.isFinite(hook) ? hook : 0, drainSeconds: c.drainSeconds };
}

function sidecarOrdering({ w }: WorkloadContext): RawFinding[] {
  if (w.sidecars.length === 0) {
    return [];
  }
  const apps = w.containers.filter(c => c.role !== 'mesh-proxy');
  const sidecars = w.sidecars.map(c => ({ c, drain: knownSidecarDrainSeconds(w, c) }));
  const times = podShutdownTimes(apps.map(appNeed), sidecars.map(({ c, drain }) => ({
    name: c.name,
    preStopSeconds: Number.isFinite(c.preStop.seconds ?? 0) ? c.preStop.seconds ?? 0 : 0,
    drainSeconds: drain ?? 0,
  })));
  const appsDone = Math.max(0, ...times.filter(t => !t.sidecar).map(t => t.doneAtSeconds));
  return sidecars.flatMap(({ c, drain }) => {
    const t = times.find(x => x.sidecar && x.name === c.name)!;
    if (drain === undefined || t.doneAtSeconds <= w.graceSeconds) {
      return [];
    }
    return [{
      container: c.name,
      pointer: `${w.podSpecPointer}/terminationGracePeriodSeconds`,
      message: `is a native sidecar: it gets SIGTERM only after the app containers have exited (${appsDone}s: preStop + drain) and needs ${drain}s to drain, `
        + `so it is done at ${t.doneAtSeconds}s, after terminationGracePeriodSeconds (${w.graceSeconds}s): the kubelet gives it SIGTERM and 2s before SIGKILL`,
      fix: `raise terminationGracePeriodSeconds to at least ${t.doneAtSeconds + 5}s (the app's preStop + drain, then the sidecar's drain), or shorten the sidecar's drain`,
    }];
  });
}

export const SIDECAR_RULES = area('sidecars', [
  {
    id: 'GS037',
    severity: Severity.WARNING,
    title: 'Native sidecar has no time left to drain after the app',
    rationale: 'A native sidecar (an init container with restartPolicy: Always) gets SIGTERM only after every app container has exited, and sidecars '
      + 'stop in reverse order; its preStop runs at the deletion like the others (spec 1.4, 1.9). All of it shares one grace period: when the app\'s '
      + 'preStop + drain uses it up, the sidecar gets SIGTERM and 2 s before SIGKILL (spec 5.3c). The grace period must cover the app\'s preStop + '
      + 'drain, then each sidecar\'s drain. Judged when the sidecar\'s drain is known: a graceful-k8s.io/container-drain-seconds entry, a mesh proxy\'s '
      + 'drain setting, or a database proxy\'s --max-sigterm-delay.',
    fix: 'raise terminationGracePeriodSeconds to the app\'s preStop + drain plus the sidecars\' drains and a few seconds (GracefulDeployment `sidecars` does)',
    phase: TimelinePhase.SIGKILL,
    kinds: LONG_RUNNING_KINDS,
    check: onWorkload(sidecarOrdering),
  },
]);
