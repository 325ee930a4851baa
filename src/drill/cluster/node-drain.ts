// `kubectl drain` (spec 6.1): cordon the node, then evict every pod on it in parallel through
// the Eviction API, each retried every 5 s while the PodDisruptionBudget answers 429, and wait
// until the pods are gone. The ReplicaSet controller replaces each evicted pod elsewhere.

import { ClusterPod } from './cluster-pod';
import { EvictionApi } from './eviction-api';
import { Scheduler } from './scheduler';
import { DrillClock } from '../time/clock';

/** kubectl's retry interval after a 429 (`drain.go`: 5 s). */
export const EVICTION_RETRY_SECONDS = 5;

/** One eviction request and its answer. */
export interface EvictionAttempt {
  readonly at: number;
  readonly pod: string;
  readonly code: number;
  readonly message: string;
}

export class NodeDrain {
  public readonly attempts: EvictionAttempt[] = [];
  public startedAt?: number;
  public finishedAt?: number;
  private stopped = false;

  constructor(
    private readonly clock: DrillClock,
    private readonly scheduler: Scheduler,
    private readonly eviction: EvictionApi,
    private readonly log: (message: string) => void,
  ) {}

  /** Evictions refused by the budget (429). */
  public get refused(): number {
    return this.attempts.filter(a => a.code === 429).length;
  }

  /** Pods evicted (200). */
  public get evicted(): number {
    return this.attempts.filter(a => a.code === 200).length;
  }

  /** Stops retrying (the drill is ending). */
  public stop(): void {
    this.stopped = true;
  }

  /** Drains the nodes; resolves when every pod that was on them is gone. */
  public async drain(nodes: string[]): Promise<void> {
    this.startedAt = this.clock.now();
    nodes.forEach(n => this.scheduler.cordon(n));
    const pods = nodes.flatMap(n => this.scheduler.podsOn(n, true));
    this.log(`drain ${nodes.join(', ')}: cordoned, evicting ${pods.length} pod(s)`);
    await Promise.all(pods.map(p => this.evictUntilGone(p)));
    if (!this.stopped) this.finishedAt = this.clock.now();
  }

  private async evictUntilGone(pod: ClusterPod): Promise<void> {
    while (!this.stopped && !pod.terminating && !pod.gone) {
      const result = this.eviction.evict(pod);
      this.attempts.push({ at: this.clock.now(), pod: pod.name, code: result.code, message: result.message });
      if (result.code === 200) break;
      this.log(`eviction of ${pod.name}: ${result.code} ${result.message}; retrying in ${EVICTION_RETRY_SECONDS}s`);
      await this.clock.sleep(EVICTION_RETRY_SECONDS);
    }
    while (!this.stopped && !pod.gone) {
      await new Promise<void>(resolve => pod.once('change', resolve));
    }
  }
}
