// One drill: the manifest's workload as local pods on simulated nodes, behind the data plane
// (kube-proxy's model, or a real HAProxy), under load; torn down at the end or when interrupted,
// with every process the drill started killed.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crashLoopProblem, startupProblem } from './app-problems';
import { KubeObject } from '../../manifest/kube-object';
import { ControlPlane } from '../cluster/control-plane';
import { PodRuntime } from '../kubelet/pod-runtime';
import { PodSim } from '../kubelet/pod-sim';
import { containerProblems, replicaProblems, ResolvedOptions } from '../options/options';
import { containerIsolation, Isolation } from '../process/container-process';
import { Entrypoint, entrypointOf } from '../process/entrypoint';
import { ProcessReaper } from '../process/process-reaper';
import { Clock } from '../time/clock';
import { seededRandom, uniform } from '../time/random';
import { DataPlane } from '../traffic/data-plane';
import { HaproxyPlane } from '../traffic/haproxy';
import { KubeProxyPlane } from '../traffic/kube-proxy';
import { LoadGenerator } from '../traffic/load-generator';
import { LongLivedClients } from '../traffic/long-lived';
import { tcpConnect } from '../traffic/loopback';
import { DrillContainer, DrillSpec, drillSpecOf } from '../workload/drill-spec';

/** Thrown by a wait when the drill is being stopped (a signal, --max-seconds). */
export class Interrupted extends Error {}

/** A workload whose pods the drill runs: the primary one, or a further release. */
interface Release {
  readonly plane: ControlPlane;
  readonly spec: DrillSpec;
  readonly release?: string;
}

export class DrillRun {
  public readonly spec: DrillSpec;
  public readonly clock: Clock;
  public readonly dataPlane: DataPlane;
  public readonly plane: ControlPlane;
  public readonly reaper: ProcessReaper;
  public readonly isolation: Isolation;
  /** How the serving container runs. */
  public readonly entrypoint: Entrypoint;
  /** Where in a wall-clock second the scenario starts (spec 3.4a), drawn from the seed. */
  public readonly wallPhase: number;
  public readonly log: (message: string) => void;
  public load?: LoadGenerator;
  /** The long-lived connections, with `longLived`. */
  public longLived?: LongLivedClients;
  /** When the long-lived clients were stopped. */
  public longLivedStoppedAt?: number;
  /** When the load started and stopped (drill clock). */
  public loadStartedAt?: number;
  public loadStoppedAt?: number;
  /** Drill clock time the scenario started. */
  public scenarioAt?: number;
  public stopReason?: string;
  /** The pod the drill crashed, if it did. */
  public crashed?: PodSim;
  /** Pods per node when the scenario started. */
  public podsPerNode = new Map<string, number>();
  private readonly releases: Release[] = [];
  private readonly stopListeners = new Set<() => void>();
  private readonly scratch: string;
  private scratchCount = 0;
  /**
   * Whether the Service selects a pod: its endpoint is in the slice. A rainbow release change
   * switches the selector (every pod is published again).
   */
  public selects: (pod: PodSim) => boolean;

  constructor(objects: KubeObject[], public readonly options: ResolvedOptions, release?: string) {
    const o = options;
    this.spec = drillSpecOf(objects, { name: o.deployment, replicas: o.replicas, featureGates: o.featureGates }, o.nodes);
    const workload = `${this.spec.kind} '${this.spec.name}'`;
    const problems = [
      ...replicaProblems(o, this.spec.replicas, workload),
      ...containerProblems(o, this.spec.containers, this.spec.container.name, workload),
    ];
    if (problems.length > 0) {
      throw new Error(problems.join('\n'));
    }
    // How each container runs is settled before anything starts: a script the drill cannot run is refused here.
    this.entrypoint = entrypointOf(this.spec.container, o.exec, o.entrypoint, o.shell);
    this.sidecarEntrypoints(this.spec);
    this.clock = new Clock(o.timeScale);
    this.reaper = new ProcessReaper();
    this.isolation = containerIsolation();
    this.log = o.log ?? (() => undefined);
    this.scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'graceful-drill-'));
    // Everything in it may be read by an app's unprivileged workers (nginx's run as nobody).
    fs.chmodSync(this.scratch, 0o755);
    this.wallPhase = Math.floor(seededRandom(o.seed + 3)() * 1000) / 1000;
    this.selects = () => true;
    this.dataPlane = this.makeDataPlane();
    this.plane = this.controlPlane(this.spec, {}, release);
  }

  /** The lag of endpoint changes. */
  public get lag(): { readonly min: number; readonly max: number } {
    return this.options.lag;
  }

  /** Every pod ever created. */
  public get pods(): PodSim[] {
    return this.releases.flatMap(r => r.plane.pods as PodSim[]);
  }

  /** The release a pod belongs to: a release's name, else its revision. */
  public releaseOf(pod: string): string | undefined {
    for (const r of this.releases) {
      const p = r.plane.pods.find(x => x.name === pod);
      if (p) return r.release ?? `revision ${p.revision}`;
    }
    return undefined;
  }

  /** Runs a further workload's pods next to the primary one's (not created yet: call `workload.create()`). */
  public addRelease(spec: DrillSpec, release: string, env: Record<string, string>): ControlPlane {
    return this.controlPlane(spec, env, release);
  }

  /** Publishes every pod's endpoint again (the Service's selector changed). */
  public republish(): void {
    this.pods.forEach(p => this.publish(p));
  }

  /** Stops the drill: every wait throws Interrupted; `close` then tears everything down. */
  public stop(reason: string): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.log(`stopping (${reason})`);
    this.stopListeners.forEach(fn => fn());
  }

  /** Calls `fn` when the drill is stopped. */
  public onStop(fn: () => void): void {
    this.stopListeners.add(fn);
  }

  /** Manifest seconds of waiting; throws Interrupted when the drill is stopped meanwhile. */
  public async sleep(seconds: number): Promise<void> {
    await this.until(() => false, seconds);
  }

  /**
   * Waits until `done()` (checked on every control-plane change and every 20 ms) or `seconds`
   * have passed; resolves whether it was done. Throws Interrupted when the drill is stopped, and
   * stops it when an app crash-loops.
   */
  public until(done: () => boolean, seconds: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const finish = (result: boolean | Interrupted) => {
        timer.cancel();
        clearInterval(poll);
        unwatch();
        this.stopListeners.delete(onStop);
        if (result instanceof Interrupted) reject(result); else resolve(result);
      };
      const onStop = () => finish(new Interrupted(this.stopReason));
      if (this.stopReason) {
        reject(new Interrupted(this.stopReason));
        return;
      }
      const check = () => done() && finish(true);
      const timer = this.clock.after(seconds, () => finish(done()));
      const poll = setInterval(() => {
        const loop = crashLoopProblem(this.pods);
        if (loop) this.stop(loop); else check();
      }, 20);
      const unwatch = this.plane.watch(check);
      this.stopListeners.add(onStop);
      check();
    });
  }

  /** Revision 1 up and available, the data plane caught up, load running, warm-up done. */
  public async start(): Promise<void> {
    const o = this.options;
    await this.dataPlane.listen();
    const where = this.spec.kind === 'DaemonSet' ? 'one on each of' : 'on';
    this.log(`revision 1: ${this.spec.replicas} pod(s) of ${this.spec.kind} '${this.spec.name}' ${where} ${this.plane.scheduler.nodes.length} node(s)`);
    this.plane.workload.create();
    await this.waitForFirstRevision();
    // Let the data plane learn of every endpoint before traffic starts.
    await this.sleep(o.lag.max);
    this.load = new LoadGenerator(this.clock, {
      ports: this.dataPlane.ports,
      rate: o.rate,
      postShare: o.postShare,
      connections: o.connections,
      requestsPerConnection: o.requestsPerConnection,
      maxRequests: o.maxRequests,
      timeoutMs: o.timeoutMs,
      path: o.path,
    });
    this.loadStartedAt = this.clock.now();
    this.load.start();
    if (o.longLived) {
      this.longLived = new LongLivedClients({
        clock: this.clock,
        port: this.dataPlane.ports[0],
        random: seededRandom(o.seed + 5),
        podOf: (port, at) => this.dataPlane.podOfConnection(0, port, at),
        timeoutMs: o.timeoutMs,
      }, o.longLived);
      this.longLived.start();
    }
    await this.sleep(o.warmupSeconds);
  }

  /** Marks the scenario's start: the wall clock's phase and the peaks are taken from here. */
  public beginScenario(): void {
    this.scenarioAt = this.clock.now();
    for (const r of this.releases) r.plane.anchorWallClock(this.scenarioAt, this.wallPhase);
    this.plane.resetPeaks();
    this.podsPerNode = new Map(this.plane.scheduler.nodes.map(n => [n.name, this.plane.scheduler.podsOn(n.name).length]));
    const crashAfter = this.options.crashAfterSeconds;
    if (crashAfter !== undefined) {
      this.clock.after(crashAfter, () => this.crashOne());
    }
  }

  /** Load after the scenario, then the load stops. */
  public async finish(): Promise<void> {
    await this.sleep(this.options.settleSeconds);
    this.stopLongLived();
    this.loadStoppedAt = this.clock.now();
    await this.load?.stop();
    if (this.load) await this.dataPlane.settle(this.load.records);
  }

  /** Kills every process, closes the data plane and the load; safe to call twice. */
  public async close(): Promise<void> {
    this.stopLongLived();
    this.releases.forEach(r => r.plane.stop());
    this.pods.forEach(p => p.destroy());
    if (this.load && !this.load.stopped) {
      this.loadStoppedAt ??= this.clock.now();
      await this.load.stop({ abort: true });
    }
    await this.dataPlane.close();
    this.reaper.close();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  private stopLongLived(): void {
    if (!this.longLived || this.longLivedStoppedAt !== undefined) return;
    this.longLivedStoppedAt = this.clock.now();
    this.longLived.stop();
  }

  private makeDataPlane(): DataPlane {
    const o = this.options;
    const lagRandom = seededRandom(o.seed);
    const lag = () => uniform(lagRandom, o.lag);
    if (o.dataPlane === 'haproxy') {
      const dir = path.join(this.scratch, 'haproxy');
      fs.mkdirSync(dir);
      // A slot for every pod the drill may make: a rollout doubles the pods, a drain replaces some more.
      const slots = this.spec.replicas * 4 + 16;
      return new HaproxyPlane({ clock: this.clock, lag, reaper: this.reaper, retries: o.proxyRetries, dir, slots, log: this.log });
    }
    const nodes = Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);
    // internalTrafficPolicy Local: each node's clients reach that node's pods only (spec 4.2).
    return new KubeProxyPlane({ clock: this.clock, lag, random: seededRandom(o.seed + 1), localNodes: this.spec.internalTrafficPolicy === 'Local' ? nodes : undefined });
  }

  /** A fresh scratch directory for one container's start. */
  private scratchDir(pod: string, container: string): string {
    const dir = path.join(this.scratch, `${pod}-${container}-${++this.scratchCount}`.replace(/[^A-Za-z0-9._-]/g, '_'));
    fs.mkdirSync(dir, { mode: 0o755 });
    return dir;
  }

  /** The other containers given a command, in manifest order (native sidecars' order decides their stop order), and how each runs. */
  private sidecarEntrypoints(spec: DrillSpec): Array<{ container: DrillContainer; entrypoint: Entrypoint }> {
    const o = this.options;
    return spec.containers
      .filter(c => c.name !== spec.container.name && o.execContainers?.[c.name] !== undefined)
      .map(c => ({ container: c, entrypoint: entrypointOf(c, o.execContainers![c.name], o.entrypoint, o.shell) }));
  }

  private controlPlane(spec: DrillSpec, releaseEnv: Record<string, string>, release?: string): ControlPlane {
    const o = this.options;
    const kubeletRandom = seededRandom(o.seed + 4);
    const runtime: PodRuntime = {
      clock: this.clock,
      reaper: this.reaper,
      entrypoint: spec === this.spec ? this.entrypoint : entrypointOf(spec.container, o.exec, o.entrypoint, o.shell),
      isolation: this.isolation,
      scratchDir: (pod, container) => this.scratchDir(pod, container),
      portEnv: o.portEnv,
      cwd: o.cwd,
      env: o.env,
      restartBackoffSeconds: o.restartBackoffSeconds,
      kubeletLatency: () => uniform(kubeletRandom, o.reconcileLatency),
      others: this.sidecarEntrypoints(spec),
    };
    const plane = new ControlPlane({
      clock: this.clock,
      workload: spec,
      reconcileLatency: o.reconcileLatency,
      random: seededRandom(o.seed + 2),
      wallPhase: this.wallPhase,
      nodes: o.nodes,
      placement: spec.placement,
      budgets: spec.budgets,
      newPod: (name, uid, revision, podName) => {
        const pod = new PodSim(name, uid, revision, spec.container, runtime, {
          ...releaseEnv,
          DRILL_REVISION: String(revision),
          ...(revision > 1 ? o.newEnv : {}),
        }, podName);
        pod.on('change', () => this.publish(pod));
        return pod;
      },
    });
    this.releases.push({ plane, spec, release });
    return plane;
  }

  /** The EndpointSlice controller's view of a pod (spec 1.3): ready = publishNotReadyAddresses || (serving && !terminating). */
  private publish(pod: PodSim): void {
    if (pod.port === 0) return;
    const spec = this.releases.find(r => r.plane.pods.includes(pod))?.spec ?? this.spec;
    this.dataPlane.publish({
      pod: pod.name,
      port: pod.port,
      node: pod.node,
      serving: pod.ready,
      terminating: pod.terminating,
      ready: spec.publishNotReadyAddresses || (pod.ready && !pod.terminating),
      present: !pod.gone && this.selects(pod),
    });
  }

  /**
   * Until every pod of revision 1 is available. The start timeout counts from the last progress
   * (a pod created or newly available): an ordered StatefulSet starts its pods one after another.
   */
  private async waitForFirstRevision(): Promise<void> {
    const { workload } = this.plane;
    const listened = new Set<PodSim>();
    let progressAt = this.clock.now();
    let progress = '';
    for (;;) {
      const pods = workload.pods as PodSim[];
      const available = workload.available();
      if (available === this.spec.replicas) return;
      const state = `${pods.length}/${available}`;
      if (state !== progress) {
        progress = state;
        progressAt = this.clock.now();
      }
      await Promise.all(pods.filter(p => p.port > 0 && !listened.has(p)).map(async p => {
        if (await tcpConnect(p.port, 200)) listened.add(p);
      }));
      const problem = startupProblem(pods, {
        exec: this.options.exec,
        portEnv: this.options.portEnv,
        elapsed: this.clock.now() - progressAt,
        startTimeoutSeconds: this.options.startTimeoutSeconds,
        replicas: this.spec.replicas,
        available,
        listened,
        nodes: this.plane.scheduler.nodes.length,
      });
      if (problem) throw new Error(problem);
      // Check again in 50 ms of real time, or as soon as the pods are available.
      await this.until(() => workload.available() === this.spec.replicas, 0.05 / this.clock.scale);
    }
  }

  private crashOne(): void {
    // A serving pod of the newest revision first.
    const candidates = (this.plane.workload.active() as PodSim[]).filter(p => p.ready).sort((a, b) => b.revision - a.revision);
    this.crashed = candidates[0];
    this.crashed?.crash();
    if (this.crashed) this.log(`crashed ${this.crashed.name}`);
  }
}
