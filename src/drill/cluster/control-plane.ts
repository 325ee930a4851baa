// The drill's control plane over the pods of one workload: its controller (a Deployment's, a
// StatefulSet's or a DaemonSet's), the scheduler and the Eviction API, on the drill clock, with
// the cluster's wall clock for condition times (spec 3.4a) and a reconcile latency per
// controller hop.

import { ClusterPod } from './cluster-pod';
import { DaemonSetController } from './daemon-set-controller';
import { DeploymentWorkload } from './deployment-workload';
import { DisruptionBudgetSpec, EvictionApi } from './eviction-api';
import { PlacementRules, Scheduler } from './scheduler';
import { StatefulSetController } from './stateful-set-controller';
import { ControllerHost, WorkloadController, WorkloadSpecView } from './workload-controller';
import { ReconcileLatency } from '../../timing/rolling-update';
import { DrillClock } from '../time/clock';
import { uniform } from '../time/random';

/** Counts at one moment. */
export interface PodSample {
  readonly at: number;
  readonly running: number;
  readonly terminating: number;
}

export interface ControlPlaneOptions {
  readonly clock: DrillClock;
  readonly workload: WorkloadSpecView;
  readonly reconcileLatency: ReconcileLatency;
  /** Seeded: latencies and pod uids. */
  readonly random: () => number;
  /** The cluster's wall clock at the drill clock's 0, modulo 1 s (spec 3.4a). */
  readonly wallPhase: number;
  readonly nodes: number;
  readonly placement: PlacementRules;
  readonly budgets: DisruptionBudgetSpec[];
  /**
   * Creates a pod object; the scheduler binds it. `name` is unique among the drill's pods,
   * `podName` its name in Kubernetes (a StatefulSet reuses names).
   */
  readonly newPod: (name: string, uid: string, revision: number, podName: string) => ClusterPod;
}

export class ControlPlane {
  public readonly workload: WorkloadController;
  public readonly scheduler: Scheduler;
  public readonly eviction: EvictionApi;
  public readonly samples: PodSample[] = [];
  public peakPods = 0;
  public peakTerminating = 0;
  private wallOffset: number;
  private readonly incarnations = new Map<string, number>();
  private readonly watchers = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: ControlPlaneOptions) {
    const { clock, workload } = options;
    this.wallOffset = options.wallPhase;
    this.scheduler = new Scheduler(options.nodes, options.placement, () => this.pods);
    const host: ControllerHost = {
      clock,
      latency: () => uniform(options.random, options.reconcileLatency),
      wallOffset: () => this.wallOffset,
      createPod: (name, revision, node) => this.createPod(name, revision, node),
      nodes: () => this.scheduler.nodes.map(n => n.name),
      statusChanged: () => this.observe(),
    };
    this.workload = workload.kind === 'StatefulSet' ? new StatefulSetController(workload, host)
      : workload.kind === 'DaemonSet' ? new DaemonSetController(workload, host)
        : new DeploymentWorkload(workload, host);
    this.eviction = new EvictionApi(options.budgets, () => this.pods, () => this.workload.replicas, workload.graceSeconds);
  }

  /** Every pod ever created. */
  public get pods(): ClusterPod[] {
    return this.workload.pods;
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
    this.workload.stop();
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

  private createPod(podName: string, revision: number, node?: string): ClusterPod {
    const uid = Math.floor(this.options.random() * 2 ** 32).toString(16).padStart(8, '0');
    // A StatefulSet's replacement has its predecessor's name: the drill tells them apart.
    const incarnation = (this.incarnations.get(podName) ?? 0) + 1;
    this.incarnations.set(podName, incarnation);
    const pod = this.options.newPod(incarnation > 1 ? `${podName}#${incarnation}` : podName, uid, revision, podName);
    pod.on('change', () => {
      if (this.stopped) return;
      this.observe();
      this.workload.podChanged(pod);
      // A pod that left its node may make room for a pending one.
      if (pod.gone || pod.terminating) this.schedulePending();
    });
    // A DaemonSet's pod is bound to its node (its tolerations let it onto a cordoned one).
    if (node) pod.bind(node); else this.schedule(pod);
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
