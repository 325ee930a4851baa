// A pod and its kubelet, with the user's app as a local process: probes with the manifest's
// timings and Kubernetes' defaults, and the kill sequence on deletion (spec 1.3-1.7, 2.1-2.5).
// Other containers of the pod that have a command to run (sidecars) run beside it, each with
// its own port, started and stopped in the kubelet's order (spec 1.4, 1.9).

import { EventEmitter } from 'events';
import { ContainerExit, ContainerSim } from './container-sim';
import { runCommand } from './handlers';
import { PodEvent, PodRuntime, portEnvOf } from './pod-runtime';
import { ProbeWorker } from './probe-worker';
import { stopPrerequisites } from '../../timing/pod-shutdown';
import { ClusterPod } from '../cluster/cluster-pod';
import { Entrypoint } from '../process/entrypoint';
import { ClockTimer } from '../time/clock';
import { freePort, httpGetStatus, tcpConnect } from '../traffic/loopback';
import { DrillContainer } from '../workload/drill-spec';

export class PodSim extends EventEmitter implements ClusterPod {
  public readonly events: PodEvent[] = [];
  /** Exits of every container's process (the serving container's and the sidecars'). */
  public readonly exits: ContainerExit[] = [];
  public readonly createdAt: number;
  public node?: string;
  /** The serving container's port (the one behind the Service). */
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
  public crashedAt?: number;
  /** The container behind the Service's port, run with `--exec`. */
  public readonly main: ContainerSim;
  /** Every container the drill runs: the serving one first, then the others in manifest order. */
  public readonly containers: ContainerSim[];
  private probes: ProbeWorker[] = [];
  private timers: ClockTimer[] = [];

  constructor(
    public readonly name: string,
    public readonly uid: string,
    public readonly revision: number,
    container: DrillContainer,
    private readonly runtime: PodRuntime,
    private readonly podEnv: Record<string, string>,
    /** The name in Kubernetes, when the drill's name tells a replacement apart (`web-2#2`). */
    public readonly podName: string = name,
  ) {
    super();
    this.createdAt = runtime.clock.now();
    this.main = this.containerSim(container, runtime.entrypoint, '');
    this.containers = [this.main, ...(runtime.others ?? []).map(o => this.containerSim(o.container, o.entrypoint, `${o.container.name}: `))];
    this.log('created');
  }

  /** Last lines the app wrote, for error messages. */
  public get output(): string {
    return this.main.output;
  }

  /** When the serving container got SIGTERM. */
  public get sigtermAt(): number | undefined {
    return this.main.sigtermAt;
  }

  /** When the serving container got SIGKILL. */
  public get sigkillAt(): number | undefined {
    return this.main.sigkillAt;
  }

  /** The scheduler bound the pod: the kubelet starts its containers. */
  public bind(node: string): void {
    this.node = node;
    this.log(`scheduled on ${node}`);
    Promise.all(this.containers.map(() => freePort())).then(ports => {
      if (this.terminating || this.gone) return;
      this.containers.forEach((c, i) => c.port = ports[i]);
      this.port = this.main.port;
      this.running = true;
      // Native sidecars first, in initContainers order, then the app containers (spec 1.9a).
      // The kubelet moves on once a sidecar is running (its startup probe is not modelled).
      const order = [...this.containers.filter(c => c.sidecar), ...this.containers.filter(c => !c.sidecar)];
      order.forEach(c => this.startContainer(c));
      this.emit('change');
    }, e => this.log(`no free port: ${e}`));
  }

  /** Kills the serving container's process as a crash would (the kubelet then restarts it). */
  public crash(): void {
    if (this.main.alive && !this.terminating) {
      this.crashedAt = this.runtime.clock.now();
      this.log('crash (SIGKILL injected by the drill)');
      this.main.kill('injected-crash');
    }
  }

  /**
   * Deletion (spec 1.3-1.5): terminating at once (the endpoint controller sees it); the kubelet,
   * a moment later, runs every container's kill sequence in parallel: preStop, then SIGTERM with
   * the grace that remains (whole seconds of the hook charged, at least 2 s), then SIGKILL; a
   * native sidecar gets SIGTERM only once the app containers have exited (spec 1.9).
   */
  public delete(graceSeconds: number): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    this.deletedAt = this.runtime.clock.now();
    this.log(`deleted (grace ${graceSeconds}s)`);
    this.emit('change');
    if (!this.containers.some(c => c.alive)) {
      // Not started (Pending) or between restarts: nothing to stop.
      this.stopProbes();
      this.finish();
      return;
    }
    this.timers.push(this.runtime.clock.after(this.runtime.kubeletLatency(), () => this.killSequence(graceSeconds)));
  }

  /** Stops everything at the end of a drill. */
  public destroy(): void {
    this.stopProbes();
    this.timers.forEach(t => t.cancel());
    this.gone = true;
    this.removeAllListeners();
    this.containers.forEach(c => c.destroy());
  }

  private killSequence(graceSeconds: number): void {
    if (this.gone) return;
    const live = this.containers.filter(c => c.alive);
    // Exited (or never started) containers are not waited for, as the kubelet's termination ordering.
    const prerequisites = stopPrerequisites(live.map(c => ({ name: c.name, sidecar: c.sidecar })));
    const exited = new Map(live.map(c => [c.name, c.exited()]));
    for (const c of live) {
      const turn = () => Promise.all((prerequisites.get(c.name) ?? []).map(n => exited.get(n)));
      void c.stop(graceSeconds, turn);
    }
  }

  private containerSim(container: DrillContainer, entrypoint: Entrypoint, prefix: string): ContainerSim {
    const sim: ContainerSim = new ContainerSim(container, entrypoint, this.runtime, (): NodeJS.ProcessEnv => this.envOf(sim), what => this.log(`${prefix}${what}`));
    sim.on('exit', (exit: ContainerExit) => this.onExit(sim, exit));
    return sim;
  }

  private startContainer(c: ContainerSim): void {
    c.start();
    this.log(`${c === this.main ? 'container' : `${c.name}: ${c.sidecar ? 'native sidecar' : 'container'}`} started on 127.0.0.1:${c.port} (pid ${c.pid ?? '?'})`);
    if (c === this.main) this.startProbes();
  }

  private onExit(c: ContainerSim, exit: ContainerExit): void {
    const { clock } = this.runtime;
    this.exits.push(exit);
    const prefix = c === this.main ? '' : `${c.name}: `;
    this.log(`${prefix}container exited (${exit.signal ?? `code ${exit.code}`})`);
    let wasReady = false;
    if (c === this.main) {
      this.stopProbes();
      wasReady = this.ready;
      this.ready = false;
      this.started = false;
    }
    if (this.terminating) {
      if (!this.containers.some(other => other.alive)) this.finish();
      return;
    }
    // A crash: not ready at once; restart after the back-off (restartPolicy Always, also for sidecars).
    if (wasReady) this.emit('change');
    c.restarts++;
    if (c === this.main) this.restarts++;
    this.timers.push(clock.after(this.runtime.restartBackoffSeconds, () => {
      if (!this.terminating && !this.gone) this.startContainer(c);
    }));
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

  /**
   * A container's env: its own port in `portEnv`; every container the drill runs in the pod
   * reachable at `<NAME>_PORT` (the containers of a pod share localhost; here they share the
   * machine, so each gets a port of its own); the serving container's `UPSTREAM_PORT` is the
   * first other container's (native sidecars first).
   */
  private envOf(c: ContainerSim): NodeJS.ProcessEnv {
    const ports = Object.fromEntries(this.containers.map(o => [portEnvOf(o.name), String(o.port)]));
    const upstream = [...this.containers.filter(o => o.sidecar), ...this.containers.filter(o => !o.sidecar)].find(o => o !== this.main);
    return {
      ...process.env,
      ...c.spec.env,
      ...this.runtime.env,
      ...this.podEnv,
      ...(this.containers.length > 1 ? ports : {}),
      ...(c === this.main && upstream ? { UPSTREAM_PORT: String(upstream.port) } : {}),
      [this.runtime.portEnv]: String(c.port),
      POD_NAME: this.podName,
    };
  }

  private log(what: string): void {
    this.events.push({ at: this.runtime.clock.now(), what });
  }

  /** Startup probe first; readiness once started (spec 2.2, 2.5). Liveness is not modelled. */
  private startProbes(): void {
    const { startup, readiness } = this.main.spec;
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
        this.main.kill('startup-probe');
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

  /** Every declared port of the serving container, by number or name, maps to its process's one local port. */
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
      return runCommand(this.runtime.reaper, (handler.exec.command ?? []).map(String), this.envOf(this.main), this.runtime.cwd, timeoutMs);
    }
    return Promise.resolve(false);
  }
}
