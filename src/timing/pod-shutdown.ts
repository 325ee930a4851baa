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

/** A container that runs for the pod's life, as the kubelet orders its stop. */
export interface PodContainerRef {
  /** Container name. */
  readonly name: string;
  /** Whether it is a native sidecar (an init container with `restartPolicy: Always`). */
  readonly sidecar: boolean;
}

/**
 * Which containers must have exited before each container gets its stop signal (spec 1.4 step 3,
 * spec 1.9, 1.9a): none for app containers (they stop in parallel); for a native sidecar, every app
 * container and every native sidecar declared after it, so sidecars stop in reverse order.
 * Mirrors the kubelet's `newTerminationOrdering` (`pkg/kubelet/kuberuntime/kuberuntime_termination_order.go`);
 * a container that is not running is not waited for.
 *
 * @param containers the running containers: app containers, then native sidecars in `initContainers` order
 */
export function stopPrerequisites(containers: PodContainerRef[]): Map<string, string[]> {
  const apps = containers.filter(c => !c.sidecar).map(c => c.name);
  const sidecars = containers.filter(c => c.sidecar).map(c => c.name);
  const out = new Map<string, string[]>(apps.map(name => [name, []]));
  sidecars.forEach((name, i) => out.set(name, [...apps, ...sidecars.slice(i + 1).reverse()]));
  return out;
}

/**
 * When one container gets SIGTERM and SIGKILL, in seconds from the start of its kill sequence
 * (kubelet `killContainer`, spec 1.4, 1.5, 1.9a): the preStop's whole seconds are charged to the
 * grace; a native sidecar then waits for its turn (at most the grace that is left), and the
 * whole seconds of that wait are charged too; what remains is raised to 2 s.
 *
 * @param graceSeconds the pod's grace period
 * @param preStopElapsedSeconds how long the hook ran (0 without one)
 * @param turnWaitSeconds how long the container waited for its turn after the hook (0 for app containers)
 */
export function containerKillTimeline(
  graceSeconds: number, preStopElapsedSeconds: number, turnWaitSeconds = 0,
): { sigtermAt: number; sigkillAt: number } {
  const hookRan = Math.min(preStopElapsedSeconds, graceSeconds);
  let remaining = graceSeconds - Math.floor(hookRan);
  const waited = Math.min(turnWaitSeconds, turnTimeoutSeconds(graceSeconds, preStopElapsedSeconds));
  remaining -= Math.floor(waited);
  // minimumGracePeriodInSeconds (spec 1.4 step 4).
  remaining = Math.max(remaining, 2);
  return { sigtermAt: hookRan + waited, sigkillAt: hookRan + waited + remaining };
}

/** The longest a native sidecar waits for its turn after its preStop: the grace that is left (0: no wait). */
export function turnTimeoutSeconds(graceSeconds: number, preStopElapsedSeconds: number): number {
  return Math.max(0, graceSeconds - Math.floor(Math.min(preStopElapsedSeconds, graceSeconds)));
}
