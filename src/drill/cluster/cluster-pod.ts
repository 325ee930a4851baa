// What the control plane (controllers, scheduler, eviction) sees of a pod. The drill's PodSim
// runs a real process behind it; unit tests use pods that only follow a clock.

import { availableAt } from '../../timing/rolling-update';
import { ClockTimer, DrillClock } from '../time/clock';

/** A pod as the API server shows it to the controllers. */
export interface ClusterPod {
  /**
   * Unique among the drill's pods. A StatefulSet's pod replaced by one of the same name is told
   * apart by its incarnation: `web-2`, then `web-2#2`.
   */
  readonly name: string;
  /** The name in Kubernetes (`web-2` for both incarnations); `name` when absent. */
  readonly podName?: string;
  /** Ties in the ReplicaSet controller's victim order are broken by uid (spec 3.3). */
  readonly uid: string;
  readonly revision: number;
  readonly createdAt: number;
  /** The node it is bound to; undefined while unscheduled (Pending). */
  readonly node?: string;
  /** The container has started: phase Running rather than Pending. */
  readonly running: boolean;
  /** The Ready condition. */
  readonly ready: boolean;
  /** When Ready last turned true, exactly; the controllers truncate it (spec 3.4a). */
  readonly readyAt?: number;
  /** deletionTimestamp is set. */
  readonly terminating: boolean;
  readonly deletedAt?: number;
  /** The pod object is gone: every container has exited. */
  readonly gone: boolean;
  readonly restarts: number;
  /** Binds the pod to a node; its kubelet starts it. */
  bind(node: string): void;
  /** DELETE with a grace period (spec 1.1): terminating at once, then the kubelet's kill sequence (spec 1.4). */
  delete(graceSeconds: number): void;
  /** 'change' whenever running, ready, terminating or gone changes. */
  on(event: 'change', listener: () => void): unknown;
  once(event: 'change', listener: () => void): unknown;
}

/** Pods that count for a ReplicaSet: not terminating, not gone (spec 3.5, `IsPodActive`). */
export function isActive(pod: ClusterPod): boolean {
  return !pod.terminating && !pod.gone;
}

/**
 * `IsPodAvailable` (spec 3.4, 3.4a): Ready and not terminating, for minReadySeconds counted from
 * the Ready time truncated to the cluster's whole second. The nanosecond absorbs float rounding of
 * a requeue time.
 */
export function isAvailable(pod: ClusterPod, minReadySeconds: number, now: number, wallOffset: number): boolean {
  if (!pod.ready || pod.readyAt === undefined || !isActive(pod)) return false;
  return now >= availableAt(pod.readyAt, minReadySeconds, wallOffset) - 1e-9;
}

/** When a Ready, active pod becomes available; undefined otherwise. */
export function availableTime(pod: ClusterPod, minReadySeconds: number, wallOffset: number): number | undefined {
  if (!pod.ready || pod.readyAt === undefined || !isActive(pod)) return undefined;
  return availableAt(pod.readyAt, minReadySeconds, wallOffset);
}

/**
 * Wake-ups of a controller for the moment a Ready pod becomes available: availability is a time
 * (Ready plus minReadySeconds), not an event, so the controllers requeue themselves for it
 * (`AddAfter` in the Deployment, ReplicaSet, StatefulSet and DaemonSet controllers).
 */
export class AvailabilityWakeups {
  private readonly timers = new Set<ClockTimer>();

  constructor(private readonly clock: DrillClock) {}

  /** Calls `wake` at `at`, when that is later than now (undefined: the pod is not on its way to available). */
  public at(at: number | undefined, wake: () => void): void {
    const now = this.clock.now();
    if (at === undefined || at <= now) return;
    const timer = this.clock.after(at - now, () => {
      this.timers.delete(timer);
      wake();
    });
    this.timers.add(timer);
  }

  /** Cancels every wake-up still pending (the drill is over). */
  public cancelAll(): void {
    this.timers.forEach(t => t.cancel());
  }
}
