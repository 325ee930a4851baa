// What the control plane (controllers, scheduler, eviction) sees of a pod. The drill's PodSim
// runs a real process behind it; unit tests use pods that only follow a clock.

/** A pod as the API server shows it to the controllers. */
export interface ClusterPod {
  readonly name: string;
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
