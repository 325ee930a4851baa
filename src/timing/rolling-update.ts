// The arithmetic of the Deployment controller's RollingUpdate (pkg/controller/deployment/rolling.go)
// and of pod availability, over counts. The drill's controllers apply it to real pods and
// planRollout to counted ones, so both pace a rollout the same way.

/** What the Deployment controller reads of one ReplicaSet. */
export interface ReplicaSetCounts {
  /** spec.replicas */
  readonly replicas: number;
  /** status.availableReplicas: active pods that are available (spec 3.4). */
  readonly available: number;
}

function sum(values: readonly number[]): number {
  return values.reduce((n, v) => n + v, 0);
}

/**
 * `reconcileNewReplicaSet` / `NewRSNewReplicas` (spec 3.3): the new ReplicaSet's
 * spec.replicas after one sync. It grows up to replicas + surge pods in total, counting
 * spec.replicas of every ReplicaSet (terminating pods are in none, spec 3.5).
 */
export function newReplicaSetTarget(replicas: number, surge: number, newRs: ReplicaSetCounts, all: readonly ReplicaSetCounts[]): number {
  if (newRs.replicas >= replicas) {
    return replicas;
  }
  const maxTotal = replicas + surge;
  const current = sum(all.map(rs => rs.replicas));
  if (current >= maxTotal) {
    return newRs.replicas;
  }
  return newRs.replicas + Math.min(maxTotal - current, replicas - newRs.replicas);
}

/**
 * `reconcileOldReplicaSets` (spec 3.3): spec.replicas of each old ReplicaSet, oldest first,
 * after one sync. At most replicas + surge - minAvailable - (new RS's unavailable pods) go:
 * first old pods that are not available (`cleanupUnhealthyReplicas`), then available ones
 * down to minAvailable (`scaleDownOldReplicaSetsForRollingUpdate`).
 *
 * Returns undefined where the controller's sync fails: an old ReplicaSet whose status still
 * shows more available pods than its new spec (its controller has not deleted them yet) makes
 * `cleanupUnhealthyReplicas` refuse ("invalid request to scale down"), and the sync is retried.
 */
export function oldReplicaSetTargets(
  replicas: number, unavailable: number, newRs: ReplicaSetCounts, old: readonly ReplicaSetCounts[],
): number[] | undefined {
  const targets = old.map(rs => rs.replicas);
  if (sum(targets) === 0) {
    return targets;
  }
  const minAvailable = replicas - Math.min(unavailable, replicas);
  const maxScaledDown = sum(targets) + newRs.replicas - minAvailable - (newRs.replicas - newRs.available);
  if (maxScaledDown <= 0) {
    return targets;
  }
  let cleaned = 0;
  for (let i = 0; i < old.length && cleaned < maxScaledDown; i++) {
    if (targets[i] === 0 || targets[i] === old[i].available) continue;
    if (targets[i] < old[i].available) return undefined;
    const cut = Math.min(maxScaledDown - cleaned, targets[i] - old[i].available);
    targets[i] -= cut;
    cleaned += cut;
  }
  const available = newRs.available + sum(old.map(rs => rs.available));
  let scalable = available - minAvailable;
  old.forEach((_, i) => {
    const cut = Math.max(0, Math.min(targets[i], scalable));
    targets[i] -= cut;
    scalable -= cut;
  });
  return targets;
}

/**
 * When a pod that turned Ready at `readyAt` becomes available (spec 3.4, 3.4a).
 *
 * The Ready condition's lastTransitionTime is stored in whole seconds of the cluster's wall
 * clock, and `IsPodAvailable` counts minReadySeconds from that truncated time; the ReplicaSet
 * controller requeues itself for that moment. With minReadySeconds 0 a pod is available as
 * soon as it is Ready.
 *
 * @param readyAt on any clock, in seconds
 * @param wallOffset the cluster's wall clock minus that clock, in seconds
 */
export function availableAt(readyAt: number, minReadySeconds: number, wallOffset: number): number {
  if (minReadySeconds <= 0) {
    return readyAt;
  }
  // A nanosecond of tolerance: a Ready time that is a whole second in exact arithmetic must not
  // lose a second to float rounding (2.97 + 0.03 is 2.9999999999999996).
  const truncated = Math.floor(readyAt + wallOffset + 1e-9) - wallOffset;
  return Math.max(readyAt, truncated + minReadySeconds);
}

/** Reconcile latency of the controllers: each hop (a controller sync after an event) takes [min, max] seconds. */
export interface ReconcileLatency {
  readonly min: number;
  readonly max: number;
}

/**
 * Measured on Kubernetes 1.34 with a fake kubelet (spec 3.4a): a controller acts 10-50 ms
 * after the event it reacts to.
 */
export const DEFAULT_RECONCILE_LATENCY: ReconcileLatency = { min: 0.01, max: 0.05 };
