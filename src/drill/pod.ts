// A pod and its kubelet, with the user's app as a local process: probes with the manifest's
// timings and Kubernetes' defaults, and the kill sequence on deletion (spec 1.3-1.7, 2.1-2.5).

import { EventEmitter } from 'events';
import { AppExit, AppProcess } from './app-process';
import { ClockTimer, DrillClock } from './clock';
import { ClusterPod } from './cluster-pod';
import { DrillContainer } from './drill-spec';
import { ProbeWorker } from './probe-worker';
import { freePort, httpGetStatus, runCommand, tcpConnect } from './probes';
import { ProcessReaper } from './process-reaper';
import { killTimeline } from '../timing/shutdown-budget';

/** How pods are run locally. */
export interface PodRuntime {
  readonly clock: DrillClock;
  readonly reaper: ProcessReaper;
  /** Shell command that starts the app (run as `sh -c "exec <command>"`, so signals reach it). */
  readonly exec: string;
  /** Env var that carries the port the app must listen on. */
  readonly portEnv: string;
  readonly cwd: string;
  /** Extra env for every pod. */
  readonly env: Record<string, string>;
  /** Delay before a crashed container restarts (CrashLoopBackOff starts at 10 s). */
  readonly restartBackoffSeconds: number;
  /** The kubelet's latency: noticing a deletion, and removing the pod object after its containers exit. */
  readonly kubeletLatency: () => number;
}

/** Something that happened to a pod, in manifest seconds. */
export interface PodEvent {
  readonly at: number;
  readonly what: string;
}

/** Why a container's process ended. */
export type ExitCause = 'app' | 'startup-probe' | 'injected-crash' | 'kill-sequence';

export class PodSim extends EventEmitter implements ClusterPod {
  public readonly events: PodEvent[] = [];
  public readonly exits: Array<AppExit & { readonly at: number; readonly cause: ExitCause }> = [];
  public readonly createdAt: number;
  public node?: string;
  public port = 0;
  /** Phase Running: the container has started (it stays Running across restarts). */
  public running = false;
  public started = false;
  /** The Ready condition, kept up during termination (spec 2.4). */
  public ready = false;
  public readyAt?: number;
  public terminating = false;
  public deletedAt?: number;
  public gone = false;
  public restarts = 0;
  public sigtermAt?: number;
  public sigkillAt?: number;
  public crashedAt?: number;
  private app?: AppProcess;
  private probes: ProbeWorker[] = [];
  private timers: ClockTimer[] = [];
  private nextExitCause?: ExitCause;

  constructor(
    public readonly name: string,
    public readonly uid: string,
    public readonly revision: number,
    private readonly container: DrillContainer,
    private readonly runtime: PodRuntime,
    private readonly podEnv: Record<string, string>,
  ) {
    super();
    this.createdAt = runtime.clock.now();
    this.log('created');
  }

  /** Last lines the app wrote to stderr, for error messages. */
  public get stderr(): string {
    return this.app?.stderr ?? '';
  }

  /** The scheduler bound the pod: the kubelet starts its container. */
  public bind(node: string): void {
    this.node = node;
    this.log(`scheduled on ${node}`);
    freePort().then(port => {
      if (this.terminating || this.gone) return;
      this.port = port;
      this.running = true;
      this.spawnContainer();
      this.emit('change');
    }, e => this.log(`no free port: ${e}`));
  }

  /** Kills the process as a crash would (the kubelet then restarts it). */
  public crash(): void {
    if (this.app?.alive && !this.terminating) {
      this.crashedAt = this.runtime.clock.now();
      this.log('crash (SIGKILL injected by the drill)');
      this.nextExitCause = 'injected-crash';
      this.app.kill();
    }
  }

  /**
   * Deletion (spec 1.3-1.5): terminating at once (the endpoint controller sees it); the kubelet,
   * a moment later, runs the preStop hook, then sends SIGTERM with the grace that remains (whole
   * seconds of the hook charged, at least 2 s), then SIGKILL.
   */
  public delete(graceSeconds: number): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    this.deletedAt = this.runtime.clock.now();
    this.log(`deleted (grace ${graceSeconds}s)`);
    this.emit('change');
    if (!this.app?.alive) {
      // Not started (Pending) or between restarts: nothing to stop.
      this.stopProbes();
      this.finish();
      return;
    }
    this.timers.push(this.runtime.clock.after(this.runtime.kubeletLatency(), () => void this.killSequence(graceSeconds)));
  }

  /** Stops everything at the end of a drill. */
  public destroy(): void {
    this.stopProbes();
    this.timers.forEach(t => t.cancel());
    this.gone = true;
    this.removeAllListeners();
    this.app?.removeAllListeners();
    this.app?.kill();
  }

  private async killSequence(graceSeconds: number): Promise<void> {
    const { clock } = this.runtime;
    const app = this.app;
    let hookSeconds = 0;
    const hook = this.container.preStop;
    if (hook.kind !== 'none') {
      const started = clock.now();
      this.log(`preStop ${hook.kind} starts`);
      const outcome = await Promise.race([this.runPreStop(), clock.sleep(graceSeconds).then(() => 'grace' as const)]);
      // Microseconds: 5 s minus float noise must not be charged as 4 whole seconds (spec 1.5).
      hookSeconds = Math.round((clock.now() - started) * 1e6) / 1e6;
      this.log(`preStop ${outcome === 'grace' ? 'overran the grace period' : outcome ? 'ended' : 'failed at once'} after ${hookSeconds.toFixed(1)}s`);
    }
    if (this.gone || app !== this.app || !app?.alive) return;
    const { sigtermAt, sigkillAt } = killTimeline(graceSeconds, hookSeconds);
    this.sigtermAt = clock.now();
    this.log('SIGTERM');
    this.nextExitCause = 'kill-sequence';
    app.signal('SIGTERM');
    this.timers.push(clock.after(sigkillAt - sigtermAt, () => {
      if (!this.gone && app.alive) {
        this.sigkillAt = clock.now();
        this.log('SIGKILL (grace period over)');
        app.kill();
      }
    }));
  }

  private spawnContainer(): void {
    const { clock } = this.runtime;
    const app = new AppProcess(this.runtime.reaper, this.runtime.exec, { cwd: this.runtime.cwd, env: this.appEnv() });
    this.app = app;
    this.nextExitCause = undefined;
    this.log(`container started on 127.0.0.1:${this.port} (pid ${app.pid ?? '?'})`);
    app.on('error', (e: Error) => this.log(`cannot start: ${e.message}`));
    app.once('exit', (exit: AppExit) => {
      if (app !== this.app) return;
      const cause = this.nextExitCause ?? 'app';
      this.exits.push({ ...exit, at: clock.now(), cause });
      this.stopProbes();
      const wasReady = this.ready;
      this.ready = false;
      this.started = false;
      this.log(`container exited (${exit.signal ?? `code ${exit.code}`})`);
      if (this.terminating) {
        this.finish();
        return;
      }
      // A crash: not ready at once; restart after the back-off (restartPolicy Always).
      if (wasReady) this.emit('change');
      this.restarts++;
      this.timers.push(clock.after(this.runtime.restartBackoffSeconds, () => {
        if (!this.terminating && !this.gone) this.spawnContainer();
      }));
    });
    this.startProbes();
  }

  /** The containers have exited; the kubelet removes the pod object a moment later. */
  private finish(): void {
    this.ready = false;
    this.timers.push(this.runtime.clock.after(this.runtime.kubeletLatency(), () => {
      if (this.gone) return;
      this.gone = true;
      this.log('gone');
      this.emit('change');
    }));
  }

  private appEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.container.env,
      ...this.runtime.env,
      ...this.podEnv,
      [this.runtime.portEnv]: String(this.port),
      POD_NAME: this.name,
    };
  }

  private log(what: string): void {
    this.events.push({ at: this.runtime.clock.now(), what });
  }

  /** Startup probe first; readiness once started (spec 2.2, 2.5). Liveness is not modelled. */
  private startProbes(): void {
    const { startup, readiness } = this.container;
    const { clock } = this.runtime;
    const onStarted = () => {
      this.started = true;
      this.log('started');
      if (!readiness) {
        // No readiness probe: Ready as soon as running and started (spec 2.3).
        this.setReady(true);
        return;
      }
      const check = () => this.runProbe(readiness.handler, readiness.timeoutSeconds);
      this.addProbe(new ProbeWorker(clock, readiness, check, 'readiness', ok => this.setReady(ok)));
    };
    if (!startup) {
      onStarted();
      return;
    }
    const worker = new ProbeWorker(clock, startup, () => this.runProbe(startup.handler, startup.timeoutSeconds), 'startup', ok => {
      worker.stop();
      if (ok) {
        onStarted();
      } else {
        // failureThreshold consecutive startup failures: the kubelet kills the container.
        this.log('startup probe failed: container killed');
        this.nextExitCause = 'startup-probe';
        this.app?.kill();
      }
    });
    this.addProbe(worker);
  }

  private addProbe(worker: ProbeWorker): void {
    this.probes.push(worker);
    worker.start();
  }

  private stopProbes(): void {
    this.probes.forEach(p => p.stop());
    this.probes = [];
  }

  private setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) this.readyAt = this.runtime.clock.now();
    this.log(ready ? 'ready' : 'not ready');
    this.emit('change');
  }

  /** Every declared port, by number or name, maps to the process's one local port. */
  private runProbe(handler: any, timeoutSeconds: number): Promise<boolean> {
    const timeoutMs = this.runtime.clock.ms(timeoutSeconds);
    if (handler.httpGet) {
      // HTTP success is 200-399 (spec 2.1).
      return httpGetStatus(this.port, handler.httpGet.path ?? '/', timeoutMs).then(s => s >= 200 && s < 400);
    }
    if (handler.tcpSocket) {
      return tcpConnect(this.port, timeoutMs);
    }
    if (handler.exec) {
      return runCommand(this.runtime.reaper, (handler.exec.command ?? []).map(String), this.appEnv(), this.runtime.cwd, timeoutMs);
    }
    return Promise.resolve(false);
  }

  /** Runs the preStop hook; resolves true when it succeeded, false when it failed. */
  private async runPreStop(): Promise<boolean> {
    const { clock } = this.runtime;
    const hook = this.container.preStop;
    const raw = this.container.preStopHook ?? {};
    switch (hook.kind) {
      case 'sleep':
        // The kubelet's own sleep action: a timer.
        await clock.sleep(hook.seconds ?? 0);
        return true;
      case 'exec':
        // A plain `sleep N` is timed on the drill's clock, so time scaling applies to it;
        // any other command runs for real.
        if (hook.plainSleep && hook.seconds !== undefined) {
          await clock.sleep(hook.seconds);
          return true;
        }
        return runCommand(this.runtime.reaper, hook.command ?? [], this.appEnv(), this.runtime.cwd, clock.ms(3600));
      case 'httpGet': {
        const status = await httpGetStatus(this.port, raw.httpGet?.path ?? '/', clock.ms(3600));
        return status >= 200 && status < 400;
      }
      default:
        // tcpSocket is not a supported hook and fails at once (spec 1.6).
        return false;
    }
  }
}
