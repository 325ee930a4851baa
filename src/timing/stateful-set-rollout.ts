// A StatefulSet RollingUpdate, estimated (semantics 7.2; the StatefulSet controller's rules).

/**
 * What a StatefulSet rollout needs.
 */
export interface StatefulSetRolloutInput {
  /** spec.replicas. */
  readonly replicas: number;
  /** updateStrategy.rollingUpdate.partition: ordinals below it keep the old revision. */
  readonly partition: number;
  /** Pods replaced at once: 1, or maxUnavailable with the MaxUnavailableStatefulSet feature gate. */
  readonly podsAtOnce: number;
  /** Seconds from pod creation to Ready. */
  readonly startupSeconds: number;
  /** minReadySeconds. */
  readonly minReadySeconds: number;
  /** Seconds an old pod may take to terminate: terminationGracePeriodSeconds. */
  readonly terminatingSeconds: number;
}

/**
 * A StatefulSet rolling update, estimated.
 */
export interface StatefulSetRolloutPlan {
  /** Ordinals that get the new revision, in update order (highest first). */
  readonly updatedOrdinals: number[];
  /** Ordinals held at the old revision by `partition`. */
  readonly heldOrdinals: number[];
  /** Pods down at once: each pod is deleted before its replacement, which reuses its name and volumes, is created. */
  readonly podsDownAtOnce: number;
  /** Fewest pods serving during the rollout: replicas minus the pods down at once. */
  readonly minServingPods: number;
  /** Most pods at once, terminating ones included: never more than replicas (no surge). */
  readonly peakPods: number;
  /** Seconds per step: the old pod terminates, then its replacement starts and becomes available. */
  readonly stepSeconds: number;
  /** Seconds until every updated ordinal runs the new revision. */
  readonly completeAfterSeconds: number;
}

/**
 * Estimates a StatefulSet RollingUpdate: from the highest ordinal down to `partition`, one pod
 * (or `podsAtOnce`) at a time; each pod is deleted and only once it is gone is its replacement
 * created, so each step costs termination + startup + minReadySeconds, and capacity drops by the
 * pods being replaced. podManagementPolicy (OrderedReady or Parallel) changes scaling, not
 * updates. Upper bounds: terminations are counted at the full grace period.
 */
export function planStatefulSetRollout(input: StatefulSetRolloutInput): StatefulSetRolloutPlan {
  const { replicas, partition } = input;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`'replicas' (${replicas}) must be a whole number of zero or more`);
  }
  const updatedOrdinals: number[] = [];
  for (let ordinal = replicas - 1; ordinal >= Math.max(0, partition); ordinal--) {
    updatedOrdinals.push(ordinal);
  }
  const heldOrdinals = Array.from({ length: Math.min(replicas, Math.max(0, partition)) }, (_, i) => i);
  const podsDownAtOnce = updatedOrdinals.length === 0 ? 0 : Math.min(Math.max(1, input.podsAtOnce), updatedOrdinals.length);
  const steps = podsDownAtOnce === 0 ? 0 : Math.ceil(updatedOrdinals.length / podsDownAtOnce);
  const stepSeconds = Math.max(0, input.terminatingSeconds) + Math.max(0, input.startupSeconds) + Math.max(0, input.minReadySeconds);
  return {
    updatedOrdinals,
    heldOrdinals,
    podsDownAtOnce,
    minServingPods: replicas - podsDownAtOnce,
    peakPods: replicas,
    stepSeconds,
    completeAfterSeconds: steps * stepSeconds,
  };
}
