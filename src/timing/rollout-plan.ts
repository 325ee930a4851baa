import { DEFAULT_RECONCILE_LATENCY } from './rolling-update';
import { RolloutModel, RolloutModelResult } from './rollout-model';
import { DEPLOYMENT_DEFAULTS } from '../kubernetes/defaults';

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

/** The most serving pods a RollingUpdate takes down at once over a range of replica counts. */
export interface CapacityDrop {
  /** The replica count at which the most pods go (the largest of the range that drops any). */
  readonly replicas: number;
  /** Pods taken down at once there (resolved maxUnavailable). */
  readonly unavailable: number;
  /** The smallest replica count at which any pod is taken down before its replacement. */
  readonly fromReplicas: number;
}

/**
 * Whether a RollingUpdate removes serving pods before their replacements are available, at any
 * replica count from `minReplicas` to `maxReplicas` (an autoscaler's range; the same number
 * twice for a fixed count): maxUnavailable resolves to at least 1 while maxSurge allows a
 * replacement (spec 3.2). With maxSurge resolving to 0 the unavailability is forced, and that is
 * a different finding (a Deployment's GS008); undefined then, and when nothing drops.
 * The one predicate for "the rollout drops capacity", used by GS007 and the constructs.
 */
export function worstCapacityDrop(
  minReplicas: number, maxReplicas: number, maxSurge: number | string, maxUnavailable: number | string,
): CapacityDrop | undefined {
  let from: number | undefined;
  let worst: { replicas: number; unavailable: number } | undefined;
  const hi = Math.max(minReplicas, maxReplicas);
  for (let n = Math.max(1, minReplicas); n <= hi; n++) {
    const { surge, unavailable } = resolveFenceposts(n, maxSurge, maxUnavailable);
    if (surge === 0 || unavailable === 0) continue;
    from ??= n;
    if (!worst || unavailable >= worst.unavailable) worst = { replicas: n, unavailable };
  }
  return worst && from !== undefined ? { ...worst, fromReplicas: from } : undefined;
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
  /**
   * Shortest time from an event to the controller sync that reacts to it, seconds.
   *
   * @default 0.01 - measured on Kubernetes 1.34 (spec 3.4a)
   */
  readonly reconcileLatencyMinSeconds?: number;
  /**
   * Longest time from an event to the controller sync that reacts to it, seconds.
   *
   * @default 0.05 - measured on Kubernetes 1.34 (spec 3.4a)
   */
  readonly reconcileLatencyMaxSeconds?: number;
}

/**
 * A rolling update, estimated.
 */
export interface RolloutPlan {
  /** Resolved maxSurge. */
  readonly surge: number;
  /** Resolved maxUnavailable. */
  readonly unavailable: number;
  /** Waves of pods replaced one after the other: replicas / (surge + unavailable), rounded up. */
  readonly waves: number;
  /** Most pods the controllers keep that are not terminating: replicas + surge. */
  readonly peakActivePods: number;
  /** Most pods still terminating at once (worst start phase); Kubernetes does not count them against maxSurge (spec 3.5). */
  readonly peakTerminatingPods: number;
  /** Peak live pods, active + terminating at the same moment (worst start phase). Plan node capacity and quotas for this. */
  readonly peakPods: number;
  /** Peak CPU requests, millicores (0 when unknown). */
  readonly peakCpuMillis: number;
  /** Peak memory requests, bytes (0 when unknown). */
  readonly peakMemoryBytes: number;
  /** Seconds until the Deployment reports the rollout complete (spec 3.6), at the latest. */
  readonly completeAfterSeconds: number;
  /** Seconds until the Deployment reports the rollout complete, at the earliest. */
  readonly earliestCompleteAfterSeconds: number;
  /** Seconds until the last old pod is gone, at the latest (the last deletion + terminatingSeconds). */
  readonly lastOldPodGoneAfterSeconds: number;
  /** Seconds until the last old pod is gone, at the earliest. */
  readonly earliestLastOldPodGoneAfterSeconds: number;
}

/** Seeded mixes of latencies replayed next to all-shortest and all-longest. */
const LATENCY_MIXES = 6;

/** A small deterministic generator (Numerical Recipes' LCG), so a plan is the same every time. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

/** Start phases worth replaying: a grid, and each side of every whole second a first Ready time can fall on (spec 3.4a). */
function startPhases(probe: RolloutModelResult, minReadySeconds: number): number[] {
  if (minReadySeconds <= 0) {
    return [0];
  }
  const phases = [0, 0.25, 0.5, 0.75];
  for (const r of probe.firstReadyTimes) {
    // At this phase the Ready time falls on a whole second: the latest availability. Just
    // before it, the Ready time is truncated by almost a second: the earliest.
    const onSecond = (Math.ceil(r) - r) % 1;
    phases.push(onSecond, (onSecond + 1 - 1e-6) % 1);
  }
  return phases;
}

/**
 * Estimates a RollingUpdate by replaying the controllers' rules (spec 3.2-3.5) over counted
 * pods: the Deployment controller scales the new ReplicaSet up and the old ones down in
 * separate syncs, a pod is available minReadySeconds after its Ready time truncated to the
 * whole second (spec 3.4a), and each controller reacts a reconcile latency after its event.
 *
 * Deleted pods keep running for terminatingSeconds while later waves proceed, so they pile
 * up on top of replicas + surge. Peaks are the worst case over the start phase (where the
 * template change falls within a wall-clock second) and the latency range, so a capacity
 * plan does not understate; durations are the range over both.
 */
export function planRollout(input: RolloutPlanInput): RolloutPlan {
  const { replicas } = input;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`'replicas' (${replicas}) must be a whole number of zero or more`);
  }
  const latency = {
    min: input.reconcileLatencyMinSeconds ?? DEFAULT_RECONCILE_LATENCY.min,
    max: input.reconcileLatencyMaxSeconds ?? Math.max(DEFAULT_RECONCILE_LATENCY.max, input.reconcileLatencyMinSeconds ?? 0),
  };
  if (!(latency.min >= 0) || !(latency.max >= latency.min)) {
    throw new Error(`'reconcileLatencyMinSeconds' (${latency.min}) and 'reconcileLatencyMaxSeconds' (${latency.max}) must be zero or more, min <= max; omit both for 0.01-0.05`);
  }
  const { surge, unavailable } = resolveFenceposts(replicas, input.maxSurge, input.maxUnavailable);
  const perWave = Math.max(1, surge + unavailable);
  const waves = replicas === 0 ? 0 : Math.ceil(replicas / perWave);
  const replay = (hop: () => number, wallOffset: number) => new RolloutModel({
    replicas,
    surge,
    unavailable,
    startupSeconds: Math.max(0, input.startupSeconds),
    minReadySeconds: Math.max(0, input.minReadySeconds),
    terminatingSeconds: Math.max(0, input.terminatingSeconds),
    wallOffset,
    hop,
    // A deletion is up to three hops after its trigger, each slower by up to max - min; and
    // the kubelet notices a deletion, and the pod object goes after its containers, a hop late each.
    lingerSeconds: 3 * (latency.max - latency.min) + 2 * latency.max,
  }).run();
  // Every hop at the shortest latency, every hop at the longest, and a few seeded mixes: the
  // order in which syncs meet can change how many pods go at once.
  const patterns: Array<() => () => number> = [() => () => latency.min, () => () => latency.max];
  for (let i = 0; i < LATENCY_MIXES; i++) {
    patterns.push(() => {
      const random = lcg(i + 1);
      return () => latency.min + (latency.max - latency.min) * random();
    });
  }
  const runs: RolloutModelResult[] = [];
  for (const pattern of patterns) {
    for (const phase of startPhases(replay(pattern(), 0), input.minReadySeconds)) {
      runs.push(replay(pattern(), phase));
    }
  }
  const max = (pick: (r: RolloutModelResult) => number) => Math.max(...runs.map(pick));
  const min = (pick: (r: RolloutModelResult) => number) => Math.min(...runs.map(pick));
  const round = (s: number) => Math.round(s * 1000) / 1000;
  const peakPods = replicas === 0 ? 0 : max(r => r.peakPods);
  return {
    surge,
    unavailable,
    waves,
    // The controllers' bound on spec.replicas; for a few milliseconds, one ReplicaSet controller
    // may create pods before the other has deleted its own, which peakPods includes.
    peakActivePods: replicas === 0 ? 0 : replicas + surge,
    peakTerminatingPods: replicas === 0 ? 0 : max(r => r.peakTerminatingPods),
    peakPods,
    peakCpuMillis: peakPods * (input.cpuMillisPerPod ?? 0),
    peakMemoryBytes: peakPods * (input.memoryBytesPerPod ?? 0),
    completeAfterSeconds: replicas === 0 ? 0 : round(max(r => r.completeAt)),
    earliestCompleteAfterSeconds: replicas === 0 ? 0 : round(min(r => r.completeAt)),
    lastOldPodGoneAfterSeconds: replicas === 0 ? 0 : round(max(r => r.lastOldPodGoneAt)),
    earliestLastOldPodGoneAfterSeconds: replicas === 0 ? 0 : round(min(r => r.lastOldPodGoneAt)),
  };
}
