// One container of a pod as the kubelet runs it: the user's command as a local process with
// its own port, its preStop hook, and its share of the pod's kill sequence (spec 1.4-1.7, 1.9).
// The pod (pod.ts) decides when it starts, restarts and whose exit it waits for.

import { EventEmitter } from 'events';
import { runCommand } from './handlers';
import { HookStep, replayableHook } from './hook-replay';
import { ExitCause, PodRuntime } from './pod-runtime';
import { containerKillTimeline, turnTimeoutSeconds } from '../../timing/pod-shutdown';
import { ContainerProcess, ProcessExit } from '../process/container-process';
import { Entrypoint } from '../process/entrypoint';
import { ClockTimer } from '../time/clock';
import { httpGetStatus } from '../traffic/loopback';
import { DrillContainer } from '../workload/drill-spec';

/** An exit of a container's process, in manifest seconds. */
export interface ContainerExit extends ProcessExit {
  readonly at: number;
  readonly cause: ExitCause;
  readonly container: string;
}

/** Microseconds: 5 s minus float noise must not be charged as 4 whole seconds (spec 1.5). */
function elapsedSince(now: number, since: number): number {
  return Math.round((now - since) * 1e6) / 1e6;
}

/** Events: 'exit' (ContainerExit) when its process has exited. */
export class ContainerSim extends EventEmitter {
  public port = 0;
  public sigtermAt?: number;
  public sigkillAt?: number;
  public restarts = 0;
  private process?: ContainerProcess;
  private nextExitCause?: ExitCause;
  private readonly timers: ClockTimer[] = [];
  private destroyed = false;

  /**
   * @param spec the container in the manifest
   * @param entrypoint how its process runs
   * @param env the env of one start (the port is known by then)
   * @param log records an event on the pod's timeline
   */
  constructor(
    public readonly spec: DrillContainer,
    public readonly entrypoint: Entrypoint,
    private readonly runtime: PodRuntime,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly log: (what: string) => void,
  ) {
    super();
  }

  public get name(): string {
    return this.spec.name;
  }

  /** A native sidecar: an init container with `restartPolicy: Always` (spec 1.9). */
  public get sidecar(): boolean {
    return this.spec.sidecar === true;
  }

  public get alive(): boolean {
    return this.process?.alive === true;
  }

  public get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The user's command for it (`--exec`, or `--exec-container`'s). */
  public get command(): string {
    return this.entrypoint.command;
  }

  /** Last lines the process wrote (stdout and stderr). */
  public get output(): string {
    return this.process?.output ?? '';
  }

  /** Starts the process; its exit is emitted once. */
  public start(): void {
    const env = this.env();
    // A directory of its own for each start, as a container's writable layer (nginx's pid and temp files).
    env.DRILL_SCRATCH = this.runtime.scratchDir(env.POD_NAME ?? 'pod', this.name);
    const proc = new ContainerProcess(this.runtime.reaper, this.entrypoint, { cwd: this.runtime.cwd, env, isolation: this.runtime.isolation });
    this.process = proc;
    this.nextExitCause = undefined;
    proc.on('error', (e: Error) => this.log(`cannot start: ${e.message}`));
    proc.once('exit', (exit: ProcessExit) => {
      if (proc !== this.process || this.destroyed) return;
      const cause = this.nextExitCause ?? 'app';
      this.emit('exit', { ...exit, at: this.runtime.clock.now(), cause, container: this.name } satisfies ContainerExit);
    });
  }

  /** SIGKILL to the process tree, as the kubelet does for a failed startup probe or the drill for a crash. */
  public kill(cause: ExitCause): void {
    if (!this.alive) return;
    this.nextExitCause = cause;
    this.process!.kill();
  }

  /** Resolves when the current process has exited (at once when none runs). */
  public exited(): Promise<void> {
    const proc = this.process;
    if (!proc?.alive) return Promise.resolve();
    return new Promise(resolve => proc.once('exit', () => resolve()));
  }

  /**
   * This container's part of the kill sequence (kubelet `killContainer`, spec 1.4): the preStop
   * hook, then for a native sidecar the wait for its turn (`turn`: the containers it waits for
   * have exited, spec 1.9), then SIGTERM with what is left of the grace (whole seconds of the
   * hook and of the wait charged, at least 2 s), then SIGKILL.
   */
  public async stop(graceSeconds: number, turn: () => Promise<unknown>): Promise<void> {
    const { clock } = this.runtime;
    const proc = this.process;
    let hookSeconds = 0;
    const hook = this.spec.preStop;
    if (hook.kind !== 'none') {
      const started = clock.now();
      this.log(`preStop ${hook.kind} starts`);
      const outcome = await Promise.race([this.runPreStop(), clock.sleep(graceSeconds).then(() => 'grace' as const)]);
      hookSeconds = elapsedSince(clock.now(), started);
      // Hook errors are only logged by the kubelet (spec 1.5); the sequence goes on.
      const how = { grace: 'overran the grace period', exited: 'ended with the container (FailedPreStopHook)', true: 'ended', false: hookSeconds < 0.5 ? 'failed at once' : 'failed' }[String(outcome)];
      this.log(`preStop ${how} after ${hookSeconds.toFixed(1)}s`);
    }
    if (this.destroyed || proc !== this.process || !proc?.alive) return;
    const waitFrom = clock.now();
    const timeout = turnTimeoutSeconds(graceSeconds, hookSeconds);
    if (this.sidecar && timeout > 0) {
      this.log('waits for the app containers to exit (native sidecar)');
      await Promise.race([turn(), clock.sleep(timeout)]);
    }
    if (this.destroyed || !proc.alive) return;
    const { sigtermAt, sigkillAt } = containerKillTimeline(graceSeconds, hookSeconds, elapsedSince(clock.now(), waitFrom));
    this.sigtermAt = clock.now();
    this.log('SIGTERM');
    this.nextExitCause = 'kill-sequence';
    proc.signal('SIGTERM');
    this.timers.push(clock.after(sigkillAt - sigtermAt, () => {
      if (!this.destroyed && proc.alive) {
        this.sigkillAt = clock.now();
        this.log('SIGKILL (grace period over)');
        proc.kill();
      }
    }));
  }

  /** Kills the process and forgets it, at the end of a drill. */
  public destroy(): void {
    this.destroyed = true;
    this.timers.forEach(t => t.cancel());
    this.removeAllListeners();
    this.process?.removeAllListeners();
    this.process?.kill();
  }

  /** Runs the preStop hook; resolves true when it succeeded, false when it failed, 'exited' when the container exited during it. */
  private async runPreStop(): Promise<boolean | 'exited'> {
    const { clock } = this.runtime;
    const hook = this.spec.preStop;
    const raw = this.spec.preStopHook ?? {};
    switch (hook.kind) {
      case 'sleep':
        // The kubelet's own sleep action: a timer.
        await clock.sleep(hook.seconds ?? 0);
        return true;
      case 'exec': {
        // A plain `sleep N` is timed on the drill's clock, so time scaling applies to it;
        // a server's control command is replayed as its signal; any other command runs for real.
        if (hook.plainSleep && hook.seconds !== undefined) {
          await clock.sleep(hook.seconds);
          return true;
        }
        const steps = replayableHook(hook.command ?? []);
        if (steps) return this.replayHook(steps);
        return runCommand(this.runtime.reaper, hook.command ?? [], this.env(), this.runtime.cwd, clock.ms(3600));
      }
      case 'httpGet': {
        const status = await httpGetStatus(this.port, raw.httpGet?.path ?? '/', clock.ms(3600));
        return status >= 200 && status < 400;
      }
      default:
        // tcpSocket is not a supported hook and fails at once (spec 1.6).
        return false;
    }
  }

  /**
   * Sleeps on the drill clock and signals this container's process. An exec hook runs inside
   * the container, so it ends when the container does: a server that finished its graceful
   * stop during the trailing sleep ends the hook (the kubelet records FailedPreStopHook, spec 1.7a).
   */
  private async replayHook(steps: HookStep[]): Promise<boolean | 'exited'> {
    const proc = this.process;
    const run = async (): Promise<boolean> => {
      for (const step of steps) {
        if (step.kind === 'sleep') {
          await this.runtime.clock.sleep(step.seconds);
          continue;
        }
        // The command fails when its server is not running (nginx: no pid file, exit 1).
        if (!proc?.alive) return false;
        this.log(`preStop '${step.command}': ${step.signal} to PID 1 (pid ${proc.mainPid ?? proc.pid ?? '?'})`);
        this.nextExitCause = 'kill-sequence';
        proc.signal(step.signal);
      }
      return true;
    };
    return Promise.race([run(), this.exited().then(() => 'exited' as const)]);
  }
}
