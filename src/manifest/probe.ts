import { PROBE_DEFAULTS } from '../kubernetes/defaults';

/** Probe fields after Kubernetes' defaults (spec 2.1). */
export interface ResolvedProbe {
  readonly handler: any;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export function resolveProbe(probe: any): ResolvedProbe | undefined {
  if (!probe || typeof probe !== 'object') {
    return undefined;
  }
  const { initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold } = probe;
  return {
    handler: handlerOf(probe),
    initialDelaySeconds: initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds,
    periodSeconds: periodSeconds ?? PROBE_DEFAULTS.periodSeconds,
    timeoutSeconds: timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds,
    successThreshold: successThreshold ?? PROBE_DEFAULTS.successThreshold,
    failureThreshold: failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
  };
}

/** Fields of a probe that time it rather than say what it checks. */
const PROBE_TIMING_FIELDS = new Set(['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']);

/** The probe less its timings: what it checks (httpGet, tcpSocket, exec or grpc). A loop, not `...rest`, which copies through a slow generic path. */
function handlerOf(probe: Record<string, unknown>): Record<string, unknown> {
  const handler: Record<string, unknown> = {};
  for (const key of Object.keys(probe)) {
    if (!PROBE_TIMING_FIELDS.has(key)) handler[key] = probe[key];
  }
  return handler;
}

/**
 * The longest a probe lets a container take before it is declared failed:
 * initial delay + failureThreshold × period (spec 2.2).
 */
export function probeWindowSeconds(probe: ResolvedProbe): number {
  return probe.initialDelaySeconds + probe.failureThreshold * probe.periodSeconds;
}
