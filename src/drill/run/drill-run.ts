// One drill: the manifest's Deployment as local pods on simulated nodes, behind the lagged
// endpoint proxy, under load; torn down at the end or when interrupted, with every process
// the drill started killed.

import { Clock } from '../time/clock';
import { ControlPlane } from '../cluster/control-plane';
import { DrillSpec, drillSpecOf } from '../spec/drill-spec';
import { EndpointProxy } from '../traffic/kube-proxy';
import { LoadGenerator } from '../traffic/load-generator';
import { LongLivedClients } from '../traffic/long-lived';
import { DRILL_DEFAULTS, DrillOptions, containerProblems, optionProblems, specProblems } from '../options/options';
import { PodSim } from '../kubelet/pod-sim';
import { tcpConnect } from '../kubelet/handlers';
import { ProcessReaper } from '../process/process-reaper';
import { seededRandom, uniform } from '../time/random';
import { startupProblem } from './startup-check';
import { KubeObject } from '../../manifest/kube-object';
import { ReconcileLatency } from '../../timing/rolling-update';

/** Thrown by a wait when the drill is being stopped (a signal, --max-seconds). */
export class Interrupted extends Error {}

export class DrillRun {
  public readonly spec: DrillSpec;
  public readonly clock: Clock;
  public readonly proxy: EndpointProxy;
  public readonly plane: ControlPlane;
  public readonly reaper: ProcessReaper;
  public readonly lag: { readonly min: number; readonly max: number };
  public readonly reconcileLatency: ReconcileLatency;
  public readonly seed: number;
  /** Where in a wall-clock second the scenario starts (spec 3.4a), drawn from the seed. */
  public readonly wallPhase: number;
  public readonly log: (message: string) => void;
  public load?: LoadGenerator;
  /** The long-lived connections, with `longLived`. */
  public longLived?: LongLivedClients;
  /** When the long-lived clients were stopped. */
  public longLivedStoppedAt?: number;
  /**
   * Whether the Service selects a pod: its endpoint is in the slice. A rainbow release change
   * switches the selector (every pod is published again).
   */
  public selects: (pod: PodSim) => boolean;
  /** The primary Deployment's release name, when it is one release of several. */
  public primaryRelease?: string;
  /** Planes of further Deployments (a rainbow deployment's other release), with their pods' release name. */
  private readonly releases: Array<{ plane: ControlPlane; release: string }> = [];
  /** Drill clock time the scenario started. */
  public scenarioAt?: number;
  public stopReason?: string;
  /** The pod the drill crashed, if it did. */
  public crashed?: PodSim;
  /** Pods per node when the scenario started. */
  public podsPerNode = new Map<string, number>();
  private readonly stopListeners = new Set<() => void>();

  constructor(objects: KubeObject[], public readonly options: DrillOptions) {
    const problems = optionProblems(options);
    this.spec = drillSpecOf(objects, options.deployment);
    problems.push(...specProblems(options, this.spec.replicas));
    problems.push(...containerProblems(options, this.spec.containers, this.spec.container.name, this.spec.deployment));
    if (problems.length > 0) {
      throw new Error(problems.join('\n'));
    }
    this.clock = new Clock(options.timeScale ?? DRILL_DEFAULTS.timeScale);
    this.reaper = new ProcessReaper();
    this.lag = options.lag ?? DRILL_DEFAULTS.lag;
    this.reconcileLatency = options.reconcileLatency ?? DRILL_DEFAULTS.reconcileLatency;
    this.seed = options.seed ?? DRILL_DEFAULTS.seed;
    this.log = options.log ?? (() => undefined);
    this.wallPhase = Math.floor(seededRandom(this.seed + 3)() * 1000) / 1000;
    const lagRandom = seededRandom(this.seed);
    this.proxy = new EndpointProxy(this.clock, () => uniform(lagRandom, this.lag), seededRandom(this.seed + 1));
    this.plane = this.controlPlane();
    this.selects = () => true;
  }

  /** Every pod ever created. */
  public get pods(): PodSim[] {
    return [this.plane, ...this.releases.map(r => r.plane)].flatMap(p => p.pods as PodSim[]);
  }

  /** The release a pod belongs to: a further Deployment's release, else its revision. */
  public releaseOf(pod: string): string | undefined {
    const other = this.releases.find(r => r.plane.pods.some(p => p.name === pod));
    if (other) return other.release;
    const own = this.plane.pods.find(p => p.name === pod);
    return own && (this.primaryRelease ?? `revision ${own.revision}`);
  }

  /** Runs a further Deployment's pods next to the primary one's (not created yet: call `deployment.create()`). */
  public addRelease(spec: DrillSpec, release: string, env: Record<string, string>): ControlPlane {
    const plane = this.controlPlane(spec, env);
    this.releases.push({ plane, release });
    return plane;
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
   * have passed; resolves whether it was done. Throws Interrupted when the drill is stopped.
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
      const poll = setInterval(check, 20);
      const unwatch = this.plane.watch(check);
      this.stopListeners.add(onStop);
      check();
    });
  }

  /** Revision 1 up and available, the proxy caught up, load running, warm-up done. */
  public async start(): Promise<void> {
    await this.proxy.listen();
    this.log(`revision 1: ${this.spec.replicas} pod(s) of '${this.spec.deployment}' on ${this.plane.scheduler.nodes.length} node(s)`);
    this.plane.deployment.create();
    await this.waitForFirstRevision();
    // Let the proxy learn of every endpoint before traffic starts.
    await this.sleep(this.lag.max);
    const o = this.options;
    this.load = new LoadGenerator(this.clock, {
      port: this.proxy.port,
      rate: o.rate ?? DRILL_DEFAULTS.rate,
      connections: o.connections ?? DRILL_DEFAULTS.connections,
      requestsPerConnection: o.requestsPerConnection ?? DRILL_DEFAULTS.requestsPerConnection,
      maxRequests: o.maxRequests ?? DRILL_DEFAULTS.maxRequests,
      timeoutMs: o.timeoutMs ?? DRILL_DEFAULTS.timeoutMs,
      path: o.path ?? DRILL_DEFAULTS.path,
    });
    this.load.start();
    if (o.longLived) {
      const random = seededRandom(this.seed + 5);
      this.longLived = new LongLivedClients({
        clock: this.clock,
        port: this.proxy.port,
        random,
        podOf: (port, at) => this.proxy.connectionFor(port, at)?.pod,
        timeoutMs: o.timeoutMs ?? DRILL_DEFAULTS.timeoutMs,
      }, o.longLived);
      this.longLived.start();
    }
    await this.sleep(o.warmupSeconds ?? DRILL_DEFAULTS.warmupSeconds);
  }

  /** Marks the scenario's start: the wall clock's phase and the peaks are taken from here. */
  public beginScenario(): void {
    this.scenarioAt = this.clock.now();
    this.plane.anchorWallClock(this.scenarioAt, this.wallPhase);
    this.plane.resetPeaks();
    this.podsPerNode = new Map(this.plane.scheduler.nodes.map(n => [n.name, this.plane.scheduler.podsOn(n.name).length]));
    const crashAfter = this.options.crashAfterSeconds;
    if (crashAfter !== undefined) {
      this.clock.after(crashAfter, () => this.crashOne());
    }
  }

  /** Load after the scenario, then the load stops. */
  public async finish(): Promise<void> {
    await this.sleep(this.options.settleSeconds ?? DRILL_DEFAULTS.settleSeconds);
    this.stopLongLived();
    await this.load?.stop();
  }

  /** Kills every process, closes the proxy and the load; safe to call twice. */
  public async close(): Promise<void> {
    this.stopLongLived();
    this.plane.stop();
    this.releases.forEach(r => r.plane.stop());
    this.pods.forEach(p => p.destroy());
    this.reaper.close();
    if (this.load && !this.load.stopped) await this.load.stop({ abort: true });
    await this.proxy.close();
  }

  private stopLongLived(): void {
    if (!this.longLived || this.longLivedStoppedAt !== undefined) return;
    this.longLivedStoppedAt = this.clock.now();
    this.longLived.stop();
  }

  private controlPlane(spec: DrillSpec = this.spec, releaseEnv: Record<string, string> = {}): ControlPlane {
    const o = this.options;
    const kubeletRandom = seededRandom(this.seed + 4);
    const runtime = {
      clock: this.clock,
      reaper: this.reaper,
      exec: o.exec,
      portEnv: o.portEnv ?? DRILL_DEFAULTS.portEnv,
      cwd: o.cwd ?? process.cwd(),
      env: o.env ?? {},
      restartBackoffSeconds: o.restartBackoffSeconds ?? DRILL_DEFAULTS.restartBackoffSeconds,
      kubeletLatency: () => uniform(kubeletRandom, this.reconcileLatency),
      // The other containers given a command, in manifest order (native sidecars' order decides their stop order).
      others: spec.containers
        .filter(c => c.name !== spec.container.name && o.execContainers?.[c.name] !== undefined)
        .map(c => ({ container: c, exec: o.execContainers![c.name] })),
    };
    return new ControlPlane({
      clock: this.clock,
      deployment: { ...spec, name: spec.deployment },
      reconcileLatency: this.reconcileLatency,
      random: seededRandom(this.seed + 2),
      wallPhase: this.wallPhase,
      nodes: o.nodes ?? DRILL_DEFAULTS.nodes,
      placement: spec.placement,
      budgets: spec.budgets,
      newPod: (name, uid, revision) => {
        const pod = new PodSim(name, uid, revision, spec.container, runtime, {
          ...releaseEnv,
          DRILL_REVISION: String(revision),
          ...(revision > 1 ? o.newEnv ?? {} : {}),
        });
        pod.on('change', () => this.publish(pod));
        return pod;
      },
    });
  }

  /** The EndpointSlice controller's view of a pod (spec 1.3): ready = publishNotReadyAddresses || (serving && !terminating). */
  private publish(pod: PodSim): void {
    if (pod.port === 0) return;
    this.proxy.publish({
      pod: pod.name,
      port: pod.port,
      serving: pod.ready,
      terminating: pod.terminating,
      ready: this.spec.publishNotReadyAddresses || (pod.ready && !pod.terminating),
      present: !pod.gone && this.selects(pod),
    });
  }

  private async waitForFirstRevision(): Promise<void> {
    const first = this.plane.deployment.current;
    const rsc = this.plane.replicaSetController;
    const listened = new Set<PodSim>();
    const startedAt = this.clock.now();
    const timeout = this.options.startTimeoutSeconds ?? DRILL_DEFAULTS.startTimeoutSeconds;
    for (;;) {
      const pods = first.pods as PodSim[];
      if (rsc.available(first) === this.spec.replicas) return;
      await Promise.all(pods.filter(p => p.port > 0 && !listened.has(p)).map(async p => {
        if (await tcpConnect(p.port, 200)) listened.add(p);
      }));
      const problem = startupProblem(pods, {
        exec: this.options.exec,
        portEnv: this.options.portEnv ?? DRILL_DEFAULTS.portEnv,
        elapsed: this.clock.now() - startedAt,
        startTimeoutSeconds: timeout,
        replicas: this.spec.replicas,
        available: rsc.available(first),
        listened,
        nodes: this.plane.scheduler.nodes.length,
      });
      if (problem) throw new Error(problem);
      // Check again in 50 ms of real time, or as soon as the pods are available.
      await this.until(() => rsc.available(first) === this.spec.replicas, 0.05 / this.clock.scale);
    }
  }

  private crashOne(): void {
    const { deployment } = this.plane;
    const candidates = [deployment.current, ...deployment.oldReplicaSets]
      .flatMap(rs => this.plane.replicaSetController.active(rs) as PodSim[]).filter(p => p.ready);
    this.crashed = candidates[0];
    this.crashed?.crash();
    if (this.crashed) this.log(`crashed ${this.crashed.name}`);
  }
}
