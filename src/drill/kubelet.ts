// A kubelet for one pod, with the user's app as a local process: probes with the manifest's
// timings and Kubernetes' defaults, and the kill sequence on deletion (spec 1.4-1.7, 2.1-2.5).

import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as http from 'http';
import * as net from 'net';
import { Clock } from './clock';
import { DrillContainer } from './drill-spec';
import { ResolvedProbe } from '../manifest/probe';
import { killTimeline } from '../timing/shutdown-budget';

/** How pods are run locally. */
export interface PodRuntime {
  readonly clock: Clock;
  /** Shell command that starts the app (run as `sh -c "exec <command>"`, so signals reach it). */
  readonly exec: string;
  /** Env var that carries the port the app must listen on. */
  readonly portEnv: string;
  /** Working directory of the app. */
  readonly cwd: string;
  /** Extra env for every pod. */
  readonly env: Record<string, string>;
  /** Delay before a crashed container restarts (CrashLoopBackOff starts at 10 s). */
  readonly restartBackoffSeconds: number;
}

/** Something that happened to a pod, in manifest seconds. */
export interface PodEvent {
  readonly at: number;
  readonly what: string;
}

/** Finds a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpGet(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

function tcpConnect(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function runCommand(command: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    if (command.length === 0) {
      resolve(false);
      return;
    }
    const child = spawn(command[0], command.slice(1), { env, cwd, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', code => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/**
 * One pod: a local process plus the kubelet's probe workers and kill sequence.
 *
 * Events: 'change' whenever started/ready/terminating/gone changes.
 */
export class PodSim extends EventEmitter {
  public readonly events: PodEvent[] = [];
  public readonly createdAt: number;
  public port = 0;
  public started = false;
  /** The readiness result (Ready condition), kept up during termination (spec 2.4). */
  public ready = false;
  public readyAt?: number;
  public terminating = false;
  public deletedAt?: number;
  public gone = false;
  public restarts = 0;
  public sigtermAt?: number;
  public sigkillAt?: number;
  public crashedAt?: number;
  private process?: ChildProcess;
  private running = false;
  private probeTimers: NodeJS.Timeout[] = [];
  private generation = 0;
  private stderrTail: string[] = [];

  constructor(
    public readonly name: string,
    public readonly revision: number,
    private readonly container: DrillContainer,
    private readonly runtime: PodRuntime,
    private readonly podEnv: Record<string, string>,
  ) {
    super();
    this.createdAt = runtime.clock.now();
    this.log('created');
  }

  /** Available: Ready for at least minReadySeconds (spec 3.4). Terminating pods never are (spec 3.5). */
  public isAvailable(minReadySeconds: number): boolean {
    return !this.terminating && !this.gone && this.ready && this.readyAt !== undefined
      && (minReadySeconds === 0 || this.runtime.clock.now() - this.readyAt >= minReadySeconds);
  }

  /** Last lines the app wrote to stderr, for error messages. */
  public get stderr(): string {
    return this.stderrTail.join('');
  }

  public async start(): Promise<void> {
    this.port = await freePort();
    this.spawnContainer();
  }

  /** Kills the process as a crash would (the kubelet then restarts it). */
  public crash(): void {
    if (this.process && this.running && !this.terminating) {
      this.crashedAt = this.runtime.clock.now();
      this.log('crash (SIGKILL injected by the drill)');
      this.process.kill('SIGKILL');
    }
  }

  /**
   * Deletion (spec 1.3-1.5): the pod turns terminating at once (the endpoint controller sees
   * it), the preStop hook runs, then SIGTERM with the grace that remains (whole seconds of the
   * hook charged, at least 2 s), then SIGKILL.
   */
  public async delete(graceSeconds: number): Promise<void> {
    if (this.terminating || this.gone) {
      return;
    }
    const clock = this.runtime.clock;
    this.terminating = true;
    this.deletedAt = clock.now();
    this.log(`deleted (grace ${graceSeconds}s)`);
    this.emit('change');
    if (!this.running) {
      this.finish();
      return;
    }
    const generation = this.generation;
    let hookSeconds = 0;
    const hook = this.container.preStop;
    if (hook.kind !== 'none') {
      const started = clock.now();
      this.log(`preStop ${hook.kind} starts`);
      const ran = this.runPreStop();
      const outcome = await Promise.race([ran, clock.sleep(graceSeconds).then(() => 'grace' as const)]);
      hookSeconds = clock.now() - started;
      this.log(`preStop ${outcome === 'grace' ? 'overran the grace period' : outcome ? 'ended' : 'failed at once'} after ${hookSeconds.toFixed(1)}s`);
    }
    if (this.gone || generation !== this.generation) {
      return;
    }
    const { sigtermAt, sigkillAt } = killTimeline(graceSeconds, hookSeconds);
    this.sigtermAt = clock.now();
    this.log('SIGTERM');
    this.process?.kill('SIGTERM');
    clock.after(sigkillAt - sigtermAt, () => {
      if (!this.gone && this.running) {
        this.sigkillAt = clock.now();
        this.log('SIGKILL (grace period over)');
        this.process?.kill('SIGKILL');
      }
    });
  }

  /** Stops everything at the end of a drill. */
  public destroy(): void {
    this.stopProbes();
    this.gone = true;
    // A new generation: the exit that follows is not reported as a crash.
    this.generation++;
    this.removeAllListeners();
    this.process?.kill('SIGKILL');
  }

  private spawnContainer(): void {
    const { clock } = this.runtime;
    this.generation++;
    const generation = this.generation;
    const env = this.appEnv();
    const child = spawn('/bin/sh', ['-c', `exec ${this.runtime.exec}`], { cwd: this.runtime.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    this.running = true;
    this.log(`container started on 127.0.0.1:${this.port}`);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail.push(chunk.toString());
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    child.once('exit', (code, signal) => {
      if (generation !== this.generation) return;
      this.running = false;
      this.stopProbes();
      const wasReady = this.ready;
      this.ready = false;
      this.started = false;
      this.log(`container exited (${signal ?? `code ${code}`})`);
      if (this.terminating) {
        this.finish();
        return;
      }
      // A crash: not ready at once; restart after the back-off (restartPolicy Always).
      if (wasReady) this.emit('change');
      this.restarts++;
      clock.after(this.runtime.restartBackoffSeconds, () => {
        if (!this.terminating && !this.gone) this.spawnContainer();
      });
    });
    this.startProbes(generation);
  }

  private finish(): void {
    if (this.gone) return;
    this.stopProbes();
    this.gone = true;
    this.ready = false;
    this.log('gone');
    this.emit('change');
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

  /** Probe workers (spec 2.2, 2.5): startup first; readiness only once started. */
  private startProbes(generation: number): void {
    const { startup, readiness } = this.container;
    const onStarted = () => {
      this.started = true;
      this.log('started');
      if (!readiness) {
        // No readiness probe: Ready as soon as running and started (spec 2.3).
        this.setReady(true);
      } else {
        this.probeLoop(readiness, generation, ok => this.setReady(ok), 'readiness');
      }
    };
    if (startup) {
      let done = false;
      this.probeLoop(startup, generation, ok => {
        if (done) return;
        done = true;
        this.stopProbes();
        if (ok) {
          onStarted();
        } else {
          // failureThreshold consecutive startup failures: the kubelet kills the container.
          this.log('startup probe failed: container killed');
          this.process?.kill('SIGKILL');
        }
      }, 'startup');
    } else {
      onStarted();
    }
  }

  private setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) {
      this.readyAt = this.runtime.clock.now();
    }
    this.log(ready ? 'ready' : 'not ready');
    this.emit('change');
  }

  /** First probe after initialDelaySeconds (at once by default), then every periodSeconds; thresholds count consecutive results. */
  private probeLoop(probe: ResolvedProbe, generation: number, onResult: (ok: boolean) => void, kind: string): void {
    const { clock } = this.runtime;
    let successes = 0;
    let failures = 0;
    let state: boolean | undefined;
    const tick = async () => {
      if (generation !== this.generation || this.gone) return;
      const ok = await this.runProbe(probe);
      if (generation !== this.generation || this.gone) return;
      if (ok) {
        successes++;
        failures = 0;
        if (state !== true && successes >= probe.successThreshold) {
          state = true;
          onResult(true);
        }
      } else {
        failures++;
        successes = 0;
        // Readiness starts as Failure (spec 2.2): report the first failure too.
        if ((state !== false && failures >= probe.failureThreshold) || (state === undefined && kind === 'readiness')) {
          state = false;
          onResult(false);
        }
      }
      this.probeTimers.push(clock.after(probe.periodSeconds, tick));
    };
    this.probeTimers.push(clock.after(probe.initialDelaySeconds, tick));
  }

  private stopProbes(): void {
    this.probeTimers.forEach(clearTimeout);
    this.probeTimers = [];
  }

  /** Every declared port, by number or name, maps to the process's one local port. */
  private resolvePort(): number {
    return this.port;
  }

  private runProbe(probe: ResolvedProbe): Promise<boolean> {
    const timeoutMs = this.runtime.clock.ms(probe.timeoutSeconds);
    const h = probe.handler;
    if (h.httpGet) {
      // HTTP success is 200-399 (spec 2.1).
      return httpGet(this.resolvePort(), h.httpGet.path ?? '/', timeoutMs).then(s => s >= 200 && s < 400);
    }
    if (h.tcpSocket) {
      return tcpConnect(this.resolvePort(), timeoutMs);
    }
    if (h.exec) {
      return runCommand((h.exec.command ?? []).map(String), this.appEnv(), this.runtime.cwd, timeoutMs);
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
      case 'exec': {
        const command = hook.command ?? [];
        // A plain `sleep N` is timed on the drill's clock, so time scaling applies to it;
        // any other command runs for real.
        if (hook.plainSleep && hook.seconds !== undefined) {
          await clock.sleep(hook.seconds);
          return true;
        }
        return runCommand(command, this.appEnv(), this.runtime.cwd, clock.ms(3600));
      }
      case 'httpGet': {
        const status = await httpGet(this.resolvePort(), raw.httpGet?.path ?? '/', clock.ms(3600));
        return status >= 200 && status < 400;
      }
      default:
        // tcpSocket is not a supported hook and fails at once (spec 1.6).
        return false;
    }
  }
}
