// A virtual clock and pods that only follow it: the drill's control plane, deterministic and
// without processes.
import { EventEmitter } from 'events';
import { ClockTimer, DrillClock } from '../src/drill/clock';
import { ClusterPod } from '../src/drill/cluster-pod';
import { ControlPlane, ControlPlaneOptions } from '../src/drill/control-plane';
import { seededRandom, uniform } from '../src/drill/random';

interface Timer { at: number; seq: number; fn: () => void; cancelled: boolean }

/** Time moves only when `run` says so; timers fire in time order, ties in the order they were set. */
export class VirtualClock implements DrillClock {
  public readonly scale = 1;
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  public now(): number {
    return this.time;
  }

  public ms(seconds: number): number {
    return seconds * 1000;
  }

  public after(seconds: number, fn: () => void): ClockTimer {
    const timer = { at: this.time + Math.max(0, seconds), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  public sleep(seconds: number): Promise<void> {
    return new Promise(resolve => this.after(seconds, resolve));
  }

  /** Fires every timer due until `until` (or until none is left), then sets the time to `until`. */
  public run(until = Infinity): void {
    for (;;) {
      this.timers = this.timers.filter(t => !t.cancelled);
      if (this.timers.length === 0) break;
      const next = this.timers.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
      if (next.at > until) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    if (until !== Infinity) this.time = Math.max(this.time, until);
  }

  /** Like `run`, letting promise continuations run between timers (for async code such as a drain). */
  public async runAsync(until: number): Promise<void> {
    for (;;) {
      await new Promise(resolve => setImmediate(resolve));
      this.timers = this.timers.filter(t => !t.cancelled);
      const due = this.timers.filter(t => t.at <= until);
      if (due.length === 0) break;
      const next = due.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = Math.max(this.time, until);
  }
}

/**
 * A pod Ready `readySeconds` after it is bound; deleted, it is gone `goneSeconds` after the
 * kubelet noticed, and the kubelet notices and removes the object a reconcile latency late
 * each (the measured fake kubelet of issue 12 did the same).
 */
export class FakePod extends EventEmitter implements ClusterPod {
  public node?: string;
  public running = false;
  public ready = false;
  public readyAt?: number;
  public terminating = false;
  public deletedAt?: number;
  public gone = false;
  public restarts = 0;
  public readonly createdAt: number;

  constructor(
    public readonly name: string,
    public readonly uid: string,
    public readonly revision: number,
    private readonly clock: VirtualClock,
    private readonly timings: { readySeconds: number; goneSeconds: number; latency: () => number },
  ) {
    super();
    this.createdAt = clock.now();
  }

  public bind(node: string): void {
    this.node = node;
    this.running = true;
    this.emit('change');
    this.clock.after(this.timings.readySeconds, () => {
      if (this.terminating) return;
      this.ready = true;
      this.readyAt = this.clock.now();
      this.emit('change');
    });
  }

  public delete(): void {
    if (this.terminating || this.gone) return;
    this.terminating = true;
    this.deletedAt = this.clock.now();
    this.emit('change');
    this.clock.after(this.timings.latency() + this.timings.goneSeconds + this.timings.latency(), () => {
      this.gone = true;
      this.ready = false;
      this.emit('change');
    });
  }
}

export interface FakeCluster {
  readonly clock: VirtualClock;
  readonly plane: ControlPlane;
}

/** A control plane over fake pods; revision 1 is created and made available before it returns. */
export function fakeCluster(
  deployment: Partial<ControlPlaneOptions['deployment']> & { replicas: number },
  options: Partial<Omit<ControlPlaneOptions, 'deployment' | 'clock' | 'newPod'>> & { readySeconds?: number; goneSeconds?: number; seed?: number } = {},
): FakeCluster {
  const clock = new VirtualClock();
  const reconcileLatency = options.reconcileLatency ?? { min: 0.01, max: 0.05 };
  const random = options.random ?? seededRandom(options.seed ?? 1);
  const latency = () => uniform(random, reconcileLatency);
  const timings = { readySeconds: options.readySeconds ?? 1, goneSeconds: options.goneSeconds ?? 6, latency };
  const plane = new ControlPlane({
    clock,
    deployment: { name: 'web', strategy: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%', minReadySeconds: 0, graceSeconds: 30, ...deployment },
    reconcileLatency,
    random,
    wallPhase: options.wallPhase ?? 0,
    nodes: options.nodes ?? 3,
    placement: options.placement ?? {},
    budgets: options.budgets ?? [],
    newPod: (name, uid, revision) => new FakePod(name, uid, revision, clock, timings),
  });
  plane.deployment.create();
  clock.run(60);
  return { clock, plane };
}

/** Starts a rollout at a phase of the wall-clock second and runs it to the end. */
export function rollout(cluster: FakeCluster, phase: number): { completeAt: number; oldGoneAt: number } {
  const { clock, plane } = cluster;
  const start = clock.now();
  plane.anchorWallClock(start, phase);
  plane.peakPods = 0;
  plane.peakTerminating = 0;
  plane.deployment.rollout();
  let completeAt = Infinity;
  while (clock.now() < start + 600) {
    clock.run(clock.now() + 0.001);
    if (completeAt === Infinity && plane.deployment.complete()) completeAt = clock.now() - start;
    if (completeAt !== Infinity && plane.deployment.oldPodsGone()) break;
  }
  return { completeAt, oldGoneAt: clock.now() - start };
}
