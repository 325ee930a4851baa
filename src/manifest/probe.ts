import { PROBE_DEFAULTS } from './defaults';

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
  const {
    initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold, terminationGracePeriodSeconds: _ignored, ...handler
  } = probe;
  return {
    handler,
    initialDelaySeconds: initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds,
    periodSeconds: periodSeconds ?? PROBE_DEFAULTS.periodSeconds,
    timeoutSeconds: timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds,
    successThreshold: successThreshold ?? PROBE_DEFAULTS.successThreshold,
    failureThreshold: failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
  };
}

/**
 * The longest a probe lets a container take before it is declared failed:
 * initial delay + failureThreshold × period (spec 2.2).
 */
export function probeWindowSeconds(probe: ResolvedProbe): number {
  return probe.initialDelaySeconds + probe.failureThreshold * probe.periodSeconds;
}
