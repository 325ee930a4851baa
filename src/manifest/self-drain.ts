// Apps that keep accepting for a while after SIGTERM on their own (a "lame duck" period): what
// a preStop delay would give them, declared in their own configuration rather than by the
// serves-after-sigterm annotation. Only settings whose meaning is documented by the program:
//   - CoreDNS: `lameduck DURATION` in the `health` plugin delays shutdown by DURATION while the
//     server keeps answering (coredns.io/plugins/health), read from the Corefile of a ConfigMap
//     the pod mounts;
//   - servers built on k8s.io/apiserver (metrics-server, prometheus-adapter, aggregated API
//     servers): `--shutdown-delay-duration` keeps serving (and fails /readyz) that long after
//     SIGTERM (k8s.io/apiserver `ServerRunOptions.ShutdownDelayDuration`).

import { isRecord } from './fields';
import { KubeObject } from './kube-object';

/** Seconds of a Go or CoreDNS duration (`5s`, `1m30s`, `500ms`); undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  let rest = text.trim();
  if (rest === '') return undefined;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

const SHUTDOWN_DELAY_FLAG = /^--shutdown-delay-duration=(\S+)$/;
const LAMEDUCK = /\blameduck\s+(\S+)/;

/**
 * Seconds a container keeps accepting after SIGTERM by its own configuration, or undefined.
 * `configMap` looks up a ConfigMap of the pod's namespace by name (those in the input).
 */
export function selfDrainSeconds(container: any, podSpec: any, configMap: (name: string) => KubeObject | undefined): number | undefined {
  const words: unknown[] = [
    ...(Array.isArray(container?.command) ? container.command : []),
    ...(Array.isArray(container?.args) ? container.args : []),
  ];
  for (const word of words) {
    const m = typeof word === 'string' ? SHUTDOWN_DELAY_FLAG.exec(word) : null;
    const seconds = m ? durationSeconds(m[1]) : undefined;
    if (seconds !== undefined) return seconds;
  }
  if (!/coredns/.test(String(container?.image ?? ''))) return undefined;
  const volumes: any[] = Array.isArray(podSpec?.volumes) ? podSpec.volumes : [];
  for (const v of volumes) {
    const name = v?.configMap?.name;
    const data = typeof name === 'string' ? configMap(name)?.data : undefined;
    if (!isRecord(data)) continue;
    for (const text of Object.values(data)) {
      const m = typeof text === 'string' ? LAMEDUCK.exec(text) : null;
      const seconds = m ? durationSeconds(m[1]) : undefined;
      if (seconds !== undefined) return seconds;
    }
  }
  return undefined;
}
