// How the kubelet runs a pod's containers on this machine: the drill's clock and process reaper,
// the commands, the env, the back-off and latencies. Shared by the pod and its containers.

import { Isolation } from '../process/container-process';
import { Entrypoint } from '../process/entrypoint';
import { ProcessReaper } from '../process/process-reaper';
import { DrillClock } from '../time/clock';
import { DrillContainer } from '../workload/drill-spec';

/** How pods are run locally. */
export interface PodRuntime {
  readonly clock: DrillClock;
  readonly reaper: ProcessReaper;
  /** How the serving container runs (`--exec`, through the manifest's shell or as PID 1). */
  readonly entrypoint: Entrypoint;
  /** PID namespaces, or plain process groups where they are not available. */
  readonly isolation: Isolation;
  /** A fresh directory for one container's files (nginx's configuration and temp files), in `$DRILL_SCRATCH`. */
  readonly scratchDir: (pod: string, container: string) => string;
  /** Env var that carries the port the app must listen on. */
  readonly portEnv: string;
  readonly cwd: string;
  /** Extra env for every pod. */
  readonly env: Record<string, string>;
  /** Delay before a crashed container restarts (CrashLoopBackOff starts at 10 s). */
  readonly restartBackoffSeconds: number;
  /** The kubelet's latency: noticing a deletion, and removing the pod object after its containers exit. */
  readonly kubeletLatency: () => number;
  /** The pod's other containers the drill runs (sidecars), each with how it runs. */
  readonly others?: ReadonlyArray<{ readonly container: DrillContainer; readonly entrypoint: Entrypoint }>;
}

/** The env var that carries a container's port to the other containers of its pod: `db-proxy` → `DB_PROXY_PORT`. */
export function portEnvOf(containerName: string): string {
  return `${containerName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

/** Something that happened to a pod, in manifest seconds. */
export interface PodEvent {
  readonly at: number;
  readonly what: string;
}

/** Why a container's process ended. */
export type ExitCause = 'app' | 'startup-probe' | 'injected-crash' | 'kill-sequence';
