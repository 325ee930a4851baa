// The shutdown of a whole pod: app containers and native sidecars, in the kubelet's order.
// Pure arithmetic, shared by the constructs (to size the grace period) and the rules (to check it).

/** What one container needs from the pod's grace period. */
export interface ContainerShutdownNeed {
  /** Container name. */
  readonly name: string;
  /** Seconds its preStop hook keeps it serving before SIGTERM (0 without a hook). */
  readonly preStopSeconds: number;
  /** Seconds it needs after SIGTERM to finish and exit. */
  readonly drainSeconds: number;
}

/** When one container gets SIGTERM and when it is done, counted from the pod's deletion. */
export interface ContainerShutdownTimes {
  /** Container name. */
  readonly name: string;
  /** Whether it is a native sidecar (an init container with `restartPolicy: Always`). */
  readonly sidecar: boolean;
  /** Seconds after the deletion at which it gets SIGTERM. */
  readonly sigtermAtSeconds: number;
  /** Seconds after the deletion at which it has drained and exited. */
  readonly doneAtSeconds: number;
}

/**
 * When each container of a pod gets SIGTERM and is done (spec 1.4, 1.9, 5.3c).
 *
 * Every container's preStop starts at the deletion, in parallel. App containers get SIGTERM
 * when their own preStop ends. A native sidecar runs its preStop at the deletion too, then
 * waits for its turn (kubelet `killContainer`: preStop, then `waitForTurn`): after every app
 * container and every sidecar declared after it has exited, so sidecars stop in reverse order.
 *
 * @param apps the pod's `containers`
 * @param sidecars the native sidecars, in `initContainers` order
 */
export function podShutdownTimes(apps: ContainerShutdownNeed[], sidecars: ContainerShutdownNeed[] = []): ContainerShutdownTimes[] {
  const out: ContainerShutdownTimes[] = apps.map(c => ({
    name: c.name,
    sidecar: false,
    sigtermAtSeconds: c.preStopSeconds,
    doneAtSeconds: c.preStopSeconds + c.drainSeconds,
  }));
  let previousDone = Math.max(0, ...out.map(t => t.doneAtSeconds));
  const stopped: ContainerShutdownTimes[] = [];
  for (const s of [...sidecars].reverse()) {
    const sigtermAt = Math.max(previousDone, s.preStopSeconds);
    const times = { name: s.name, sidecar: true, sigtermAtSeconds: sigtermAt, doneAtSeconds: sigtermAt + s.drainSeconds };
    stopped.unshift(times);
    previousDone = times.doneAtSeconds;
  }
  return [...out, ...stopped];
}

/**
 * The shortest grace period in which every container finishes its preStop and drain: the
 * worst app container's preStop + drain, then the sidecars' drains in turn (spec 1.7, 1.9).
 */
export function podShutdownSeconds(apps: ContainerShutdownNeed[], sidecars: ContainerShutdownNeed[] = []): number {
  return Math.max(0, ...podShutdownTimes(apps, sidecars).map(t => t.doneAtSeconds));
}
