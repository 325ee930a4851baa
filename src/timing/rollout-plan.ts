import { DEPLOYMENT_DEFAULTS } from '../manifest/defaults';

/**
 * maxSurge / maxUnavailable resolved to pod counts.
 */
export interface Fenceposts {
  /** Pods that may exist above `replicas` (not counting terminating pods, spec 3.5). */
  readonly surge: number;
  /** Pods that may be unavailable below `replicas`. */
  readonly unavailable: number;
}

/**
 * Resolves an IntOrString such as `1`, `'1'` or `'25%'` against `replicas`.
 *
 * spec 3.2: percentages of maxSurge round up, of maxUnavailable round down.
 */
export function resolveIntOrPercent(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') {
    return value;
  }
  const text = value.trim();
  if (text.endsWith('%')) {
    const pct = Number(text.slice(0, -1));
    if (!Number.isFinite(pct)) {
      throw new Error(`'${value}' is not a valid percentage; use e.g. '25%' or a whole number`);
    }
    const exact = (pct * replicas) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  const n = Number(text);
  if (!Number.isInteger(n)) {
    throw new Error(`'${value}' is neither a whole number nor a percentage; use e.g. 1 or '25%'`);
  }
  return n;
}

/**
 * The Deployment controller's `ResolveFenceposts` (spec 3.2): surge rounds up, unavailable
 * rounds down, both zero becomes unavailable 1, and unavailable is capped at replicas.
 *
 * @param maxSurge as in the manifest; Kubernetes' default is '25%' (spec 3.1)
 * @param maxUnavailable as in the manifest; Kubernetes' default is '25%' (spec 3.1)
 */
export function resolveFenceposts(
  replicas: number,
  maxSurge: number | string = DEPLOYMENT_DEFAULTS.maxSurge,
  maxUnavailable: number | string = DEPLOYMENT_DEFAULTS.maxUnavailable,
): Fenceposts {
  const surge = resolveIntOrPercent(maxSurge, replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) {
    unavailable = 1;
  }
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

/**
 * What a rollout needs, per pod and in time.
 */
export interface RolloutPlanInput {
  /** Desired replicas. */
  readonly replicas: number;
  /** maxSurge as in the manifest (number or percentage). */
  readonly maxSurge: number | string;
  /** maxUnavailable as in the manifest (number or percentage). */
  readonly maxUnavailable: number | string;
  /** Seconds from pod creation to Ready (image pull, start, probes). */
  readonly startupSeconds: number;
  /** minReadySeconds. */
  readonly minReadySeconds: number;
  /** Seconds a deleted pod keeps running at worst: terminationGracePeriodSeconds. */
  readonly terminatingSeconds: number;
  /** CPU requested by one pod, in millicores. */
  readonly cpuMillisPerPod?: number;
  /** Memory requested by one pod, in bytes. */
  readonly memoryBytesPerPod?: number;
}

/**
 * A rolling update, estimated.
 */
export interface RolloutPlan {
  /** Resolved maxSurge. */
  readonly surge: number;
  /** Resolved maxUnavailable. */
  readonly unavailable: number;
  /** Waves of pods replaced one after the other. */
  readonly waves: number;
  /** Most pods that are not terminating at once: replicas + surge. */
  readonly peakActivePods: number;
  /** Most pods still terminating at once; Kubernetes does not count them against maxSurge (spec 3.5). */
  readonly peakTerminatingPods: number;
  /** Peak live pods: active + terminating. Plan node capacity and quotas for this. */
  readonly peakPods: number;
  /** Peak CPU requests, millicores (0 when unknown). */
  readonly peakCpuMillis: number;
  /** Peak memory requests, bytes (0 when unknown). */
  readonly peakMemoryBytes: number;
  /** Seconds until the Deployment reports the rollout complete (spec 3.6). */
  readonly completeAfterSeconds: number;
  /** Seconds until the last old pod is gone (complete + the last wave's termination). */
  readonly lastOldPodGoneAfterSeconds: number;
}

/**
 * Estimates a RollingUpdate from the controller's rules (spec 3.2–3.5).
 *
 * Each wave creates up to `surge` new pods and takes up to `unavailable` old ones down at
 * once; old pods are deleted as new ones become available (Ready + minReadySeconds).
 * Deleted pods keep running for up to the grace period while later waves proceed, so they
 * pile up on top of replicas + surge. The figures are upper bounds for planning.
 */
export function planRollout(input: RolloutPlanInput): RolloutPlan {
  const { replicas } = input;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`'replicas' (${replicas}) must be a whole number of zero or more`);
  }
  const { surge, unavailable } = resolveFenceposts(replicas, input.maxSurge, input.maxUnavailable);
  const perWave = Math.max(1, surge + unavailable);
  const waves = replicas === 0 ? 0 : Math.ceil(replicas / perWave);
  const waveSeconds = Math.max(0, input.startupSeconds) + Math.max(0, input.minReadySeconds);
  // Waves whose deleted pods are still terminating when a later wave deletes its own.
  const overlappingWaves = waveSeconds > 0
    ? Math.min(waves, Math.max(1, Math.ceil(input.terminatingSeconds / waveSeconds)))
    : waves;
  const peakTerminatingPods = Math.min(replicas, perWave * overlappingWaves);
  const peakActivePods = replicas + Math.min(surge, replicas === 0 ? 0 : surge);
  const peakPods = peakActivePods + peakTerminatingPods;
  const completeAfterSeconds = waves * waveSeconds;
  return {
    surge,
    unavailable,
    waves,
    peakActivePods,
    peakTerminatingPods,
    peakPods,
    peakCpuMillis: peakPods * (input.cpuMillisPerPod ?? 0),
    peakMemoryBytes: peakPods * (input.memoryBytesPerPod ?? 0),
    completeAfterSeconds,
    lastOldPodGoneAfterSeconds: completeAfterSeconds + (waves > 0 ? input.terminatingSeconds : 0),
  };
}
