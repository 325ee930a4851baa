// What the drill's scenarios need from the controller of a workload, whatever its kind: create
// revision 1, roll out revision 2, scale, say when the rollout is complete and the old pods are
// gone. A Deployment (its controller and the ReplicaSet controller), a StatefulSet and a
// DaemonSet each have their own file.

import { ClusterPod } from './cluster-pod';
import { DrillClock } from '../time/clock';

/** The workload kinds the drill drills. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export const DRILLED_KINDS: WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Pods deleted by one sync of a controller. */
export interface DeletionBatch {
  readonly at: number;
  readonly revision: number;
  readonly pods: string[];
}

/** The workload's spec as its controller reads it. */
export interface WorkloadSpecView {
  readonly kind: WorkloadKind;
  readonly name: string;
  /** spec.replicas (a DaemonSet: unused, one pod per node). */
  readonly replicas: number;
  /** Deployment: RollingUpdate or Recreate; StatefulSet and DaemonSet: RollingUpdate or OnDelete. */
  readonly strategy: string;
  /** As in the manifest: resolved against the replicas at every sync (spec 3.2). */
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  readonly minReadySeconds: number;
  readonly graceSeconds: number;
  /** StatefulSet: ordinals below it keep the old revision (semantics 7.2). */
  readonly partition?: number;
  /** StatefulSet: OrderedReady (default) or Parallel. */
  readonly podManagementPolicy?: string;
  /** StatefulSet: whether `maxUnavailable` is honoured (feature gate MaxUnavailableStatefulSet, semantics 7.2). */
  readonly maxUnavailableHonoured?: boolean;
}

/** What a controller needs from the control plane. */
export interface ControllerHost {
  readonly clock: DrillClock;
  /** Seconds from an event to the sync that handles it. */
  readonly latency: () => number;
  /** The cluster's wall clock minus the drill clock (spec 3.4a). */
  wallOffset(): number;
  /**
   * Creates a pod. `name` is the pod's name in Kubernetes; `node`, when given, binds it there
   * (a DaemonSet's pod); otherwise the scheduler places it.
   */
  createPod(name: string, revision: number, node?: string): ClusterPod;
  /** The nodes, for a DaemonSet: one pod on each. */
  nodes(): string[];
  /** Something the control plane watches changed (a controller's status). */
  statusChanged(): void;
}

/** A workload's controller as the scenarios drive it. */
export interface WorkloadController {
  readonly kind: WorkloadKind;
  /** Every pod ever created, in creation order. */
  readonly pods: ClusterPod[];
  /** Pods deleted by each sync. */
  readonly deletions: DeletionBatch[];
  /** The newest revision of the template. */
  readonly revision: number;
  /** Pods it keeps: spec.replicas (changed by `scale`), or a DaemonSet's nodes. */
  readonly replicas: number;
  /** An autoscaler sets spec.replicas (undefined for a DaemonSet). */
  readonly scale?: (replicas: number) => void;
  /** The workload is created: revision 1. */
  create(): void;
  /** A template change: revision 2 rolls out. */
  rollout(): void;
  /** Pods of the current revision that are available. */
  available(): number;
  /** The rollout is complete: every pod it updates runs the new revision and is available (spec 3.6). */
  complete(): boolean;
  /** Every pod the rollout replaced has exited. */
  oldPodsGone(): boolean;
  /** Pods that count (not terminating, not gone). */
  active(): ClusterPod[];
  /** A pod changed; controllers react a latency later. */
  podChanged(pod: ClusterPod): void;
  stop(): void;
}

/** Whether a pod is available: Ready for minReadySeconds, on the truncated Ready time (spec 3.4, 3.4a). */
export type AvailabilityCheck = (pod: ClusterPod) => boolean;
