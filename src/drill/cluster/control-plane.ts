// The drill's control plane: the Deployment and ReplicaSet controllers, the scheduler and the
// Eviction API over the pods of one Deployment, on the drill clock, with the cluster's wall
// clock for condition times (spec 3.4a) and a reconcile latency per controller hop.

import { DrillClock } from '../time/clock';
import { ClusterPod } from './cluster-pod';
import { DeploymentController, DeploymentSpecView } from './deployment-controller';
import { DisruptionBudgetSpec, EvictionApi } from './eviction-api';
import { uniform } from '../time/random';
import { ReplicaSetController, ReplicaSetHost, ReplicaSetState } from './replica-set-controller';
import { PlacementRules, Scheduler } from './scheduler';
import { ReconcileLatency } from '../../timing/rolling-update';

/** Counts at one moment. */
export interface PodSample {
  readonly at: number;
  readonly running: number;
  readonly terminating: number;
}

export interface ControlPlaneOptions {
  readonly clock: DrillClock;
  readonly deployment: DeploymentSpecView & { readonly name: string; readonly minReadySeconds: number; readonly graceSeconds: number };
  readonly reconcileLatency: ReconcileLatency;
  /** Seeded: latencies and pod uids. */
  readonly random: () => number;
  /** The cluster's wall clock at the drill clock's 0, modulo 1 s (spec 3.4a). */
  readonly wallPhase: number;
  readonly nodes: number;
  readonly placement: PlacementRules;
  readonly budgets: DisruptionBudgetSpec[];
  /** Creates a pod object; the scheduler binds it. */
  readonly newPod: (name: string, uid: string, revision: number) => ClusterPod;
}

export class ControlPlane {
  public readonly deployment: DeploymentController;
  public readonly replicaSetController: ReplicaSetController;
  public readonly scheduler: Scheduler;
  public readonly eviction: EvictionApi;
  public readonly samples: PodSample[] = [];
  public peakPods = 0;
  public peakTerminating = 0;
  private wallOffset: number;
  private podCounter = 0;
  private readonly watchers = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: ControlPlaneOptions) {
    const { clock, deployment } = options;
    this.wallOffset = options.wallPhase;
    const latency = () => uniform(options.random, options.reconcileLatency);
    const host: ReplicaSetHost = {
      clock,
      minReadySeconds: deployment.minReadySeconds,
      graceSeconds: deployment.graceSeconds,
      wallOffset: () => this.wallOffset,
      createPod: rs => this.createPod(rs),
      replicaSets: () => this.deployment.replicaSets,
      statusChanged: () => {
        this.observe();
        this.deployment.add();
      },
    };
    this.replicaSetController = new ReplicaSetController(host, latency);
    this.deployment = new DeploymentController(deployment, this.replicaSetController, clock, latency);
    this.scheduler = new Scheduler(options.nodes, options.placement, () => this.pods);
    this.eviction = new EvictionApi(options.budgets, () => this.pods, () => this.deployment.replicas, deployment.graceSeconds);
  }

  /** Every pod ever created. */
  public get pods(): ClusterPod[] {
    return this.deployment.replicaSets.flatMap(rs => rs.pods);
  }

  /**
   * Sets the cluster's wall clock so that the drill clock's `at` falls `phase` into a
   * wall-clock second: a scenario starts at the seeded phase whenever the app took to start,
   * so runs repeat.
   */
  public anchorWallClock(at: number, phase: number): void {
    this.wallOffset = phase - at;
  }

  /** The cluster's wall clock minus the drill clock. */
  public get wallClockOffset(): number {
    return this.wallOffset;
  }

  /** Stops every controller; pods are left to the caller. */
  public stop(): void {
    this.stopped = true;
    this.deployment.stop();
    this.replicaSetController.stop();
  }

  /** Calls `fn` after every change the control plane observes; returns a function that stops it. */
  public watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** Restarts the peak counts (a scenario measures its own). */
  public resetPeaks(): void {
    this.peakPods = 0;
    this.peakTerminating = 0;
    this.observe();
  }

  /** Records the live pods (running + terminating) and the peaks. */
  public observe(): void {
    const live = this.pods.filter(p => !p.gone);
    const terminating = live.filter(p => p.terminating).length;
    this.peakPods = Math.max(this.peakPods, live.length);
    this.peakTerminating = Math.max(this.peakTerminating, terminating);
    const sample = { at: this.options.clock.now(), running: live.length - terminating, terminating };
    const last = this.samples[this.samples.length - 1];
    if (!last || last.running !== sample.running || last.terminating !== sample.terminating) this.samples.push(sample);
    this.watchers.forEach(fn => fn());
  }

  private createPod(rs: ReplicaSetState): ClusterPod {
    const uid = Math.floor(this.options.random() * 2 ** 32).toString(16).padStart(8, '0');
    const pod = this.options.newPod(`${this.options.deployment.name}-r${rs.revision}-${this.podCounter++}`, uid, rs.revision);
    pod.on('change', () => {
      if (this.stopped) return;
      this.observe();
      this.replicaSetController.podChanged(pod);
      // A pod that left its node may make room for a pending one.
      if (pod.gone || pod.terminating) this.schedulePending();
    });
    this.schedule(pod);
    return pod;
  }

  private schedule(pod: ClusterPod): void {
    const node = this.scheduler.place();
    if (node) pod.bind(node);
  }

  private schedulePending(): void {
    for (const pod of this.pods.filter(p => !p.node && !p.terminating && !p.gone)) {
      this.schedule(pod);
    }
  }
}
