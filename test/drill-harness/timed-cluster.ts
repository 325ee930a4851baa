// The drill's control plane over timed pods on a virtual clock: a rollout, drain or
// scale-down replayed without processes, deterministically. Unit tests and the bench's
// controller rows (the table measured on Kubernetes 1.34) use it.

import { TimedPod } from './timed-pod';
import { VirtualClock } from './virtual-clock';
import { ControlPlane, ControlPlaneOptions } from '../../src/drill/cluster/control-plane';
import { seededRandom, uniform } from '../../src/drill/time/random';

export interface TimedCluster {
  readonly clock: VirtualClock;
  readonly plane: ControlPlane;
}

export interface TimedClusterOptions extends Partial<Omit<ControlPlaneOptions, 'workload' | 'clock' | 'newPod'>> {
  /** Binding to Ready. @default 1 */
  readonly readySeconds?: number;
  /** The kubelet noticing the deletion to the containers gone. @default 6 */
  readonly goneSeconds?: number;
  /** Seeds latencies and uids, when `random` is not given. @default 1 */
  readonly seed?: number;
}

/** A control plane over timed pods (a Deployment unless `workload.kind` says otherwise); revision 1 is created and available (60 s pass) before it returns. */
export function timedCluster(
  workload: Partial<ControlPlaneOptions['workload']> & { replicas: number },
  options: TimedClusterOptions = {},
): TimedCluster {
  const clock = new VirtualClock();
  const reconcileLatency = options.reconcileLatency ?? { min: 0.01, max: 0.05 };
  const random = options.random ?? seededRandom(options.seed ?? 1);
  const latency = () => uniform(random, reconcileLatency);
  const timings = { readySeconds: options.readySeconds ?? 1, goneSeconds: options.goneSeconds ?? 6, latency };
  const plane = new ControlPlane({
    clock,
    workload: {
      kind: 'Deployment', name: 'web', strategy: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%', minReadySeconds: 0, graceSeconds: 30, ...workload,
    },
    reconcileLatency,
    random,
    wallPhase: options.wallPhase ?? 0,
    nodes: options.nodes ?? 3,
    placement: options.placement ?? {},
    budgets: options.budgets ?? [],
    newPod: (name, uid, revision, podName) => new TimedPod(name, uid, revision, clock, timings, podName),
  });
  plane.workload.create();
  clock.run(60);
  return { clock, plane };
}

/** What a replayed rollout did, in seconds from its start. */
export interface ReplayedRollout {
  readonly completeAt: number;
  readonly oldGoneAt: number;
  readonly peakPods: number;
  readonly peakTerminating: number;
  /** Times old pods were deleted. */
  readonly waves: number[];
}

/** Starts a rollout `phase` seconds into a wall-clock second and runs it until the last old pod is gone. */
export function replayRollout(cluster: TimedCluster, phase: number): ReplayedRollout {
  const { clock, plane } = cluster;
  const start = clock.now();
  plane.anchorWallClock(start, phase);
  plane.resetPeaks();
  plane.workload.rollout();
  let completeAt = Infinity;
  // From event time to event time: completion is seen at the event that made it, and a rollout
  // that cannot finish ends when nothing is left to happen (or after an hour).
  for (let next = clock.nextAt(); next !== undefined && next <= start + 3600; next = clock.nextAt()) {
    clock.run(next);
    if (completeAt === Infinity && plane.workload.complete()) completeAt = clock.now() - start;
    if (completeAt !== Infinity && plane.workload.oldPodsGone()) break;
  }
  const waves = plane.workload.deletions.filter(d => d.revision < plane.workload.revision).map(d => d.at - start);
  return { completeAt, oldGoneAt: clock.now() - start, peakPods: plane.peakPods, peakTerminating: plane.peakTerminating, waves };
}
