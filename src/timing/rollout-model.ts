// A RollingUpdate replayed over counted pods, with the controllers' event order: the
// arithmetic of rolling.go (./rolling-update), one controller hop per reaction, availability
// on the truncated Ready time. planRollout runs it for the worst start phases; the drill's
// controllers do the same with real pods (docs/drill.md, "Controllers").

import { ReplicaSetCounts, availableAt, newReplicaSetTarget, oldReplicaSetTargets } from './rolling-update';

/** One rollout to replay. Times in seconds from the template change. */
export interface RolloutModelInput {
  readonly replicas: number;
  readonly surge: number;
  readonly unavailable: number;
  /** Pod creation to Ready. */
  readonly startupSeconds: number;
  readonly minReadySeconds: number;
  /** Deletion to gone. */
  readonly terminatingSeconds: number;
  /** The cluster's wall clock at the template change, modulo 1 s: the start phase (spec 3.4a). */
  readonly wallOffset: number;
  /** Seconds from an event to the controller sync that reacts to it; called once per hop. */
  readonly hop: () => number;
  /**
   * Deleted pods still count as live this long after terminatingSeconds: the spread of the
   * controllers' latencies, so a peak that a slower deletion and faster next wave would
   * produce is not missed.
   */
  readonly lingerSeconds: number;
}

/** What one replay measured. */
export interface RolloutModelResult {
  readonly peakPods: number;
  readonly peakTerminatingPods: number;
  readonly peakActivePods: number;
  /** updated = replicas = available, no old pod active (spec 3.6). */
  readonly completeAt: number;
  readonly lastOldPodGoneAt: number;
  /** Times at which old pods were deleted. */
  readonly deletions: number[];
  /** Ready times of the pods created before any pod became available. */
  readonly firstReadyTimes: number[];
}

/** Pods of one ReplicaSet created together, with the same timings. */
interface Cohort {
  readonly rs: number;
  count: number;
  /** Of the first pod, when merged: victims among available pods are all alike here. */
  readonly readyAt: number;
  readonly availableAt: number;
  deletedAt?: number;
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/** Replays one rollout: ReplicaSet 0 (old, all pods available) to ReplicaSet 1 (new, 0 pods). */
export class RolloutModel {
  private now = 0;
  private seq = 0;
  private readonly queue: Pending[] = [];
  private readonly specs: number[];
  private cohorts: Cohort[];
  private deploymentSyncQueued = false;
  private readonly replicaSetSyncQueued = [false, false];
  private anyAvailable = false;
  private readonly firstReadyTimes: number[] = [];
  private readonly deletions: number[] = [];
  private peakPods = 0;
  private peakTerminating = 0;
  private peakActive = 0;
  private completeAt?: number;

  constructor(private readonly input: RolloutModelInput) {
    this.specs = [input.replicas, 0];
    this.cohorts = [{ rs: 0, count: input.replicas, readyAt: -Infinity, availableAt: -Infinity }];
  }

  public run(): RolloutModelResult {
    this.queueDeploymentSync();
    // Every step moves at least one pod forward; the bound only guards against a logic error.
    const limit = 100 * (this.input.replicas + this.input.surge + 10);
    for (let steps = 0; this.queue.length > 0 && steps < limit; steps++) {
      const next = this.pop();
      this.now = next.at;
      next.run();
      this.observe();
    }
    const oldGone = this.deletions.length === 0 ? 0 : Math.max(...this.deletions) + this.input.terminatingSeconds;
    return {
      peakPods: this.peakPods,
      peakTerminatingPods: this.peakTerminating,
      peakActivePods: this.peakActive,
      completeAt: this.completeAt ?? Infinity,
      lastOldPodGoneAt: Math.max(oldGone, this.completeAt ?? 0),
      deletions: this.deletions,
      firstReadyTimes: this.firstReadyTimes,
    };
  }

  private at(at: number, run: () => void): void {
    this.queue.push({ at, seq: this.seq++, run });
  }

  private pop(): Pending {
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) {
      const q = this.queue[i];
      const b = this.queue[best];
      if (q.at < b.at || (q.at === b.at && q.seq < b.seq)) best = i;
    }
    return this.queue.splice(best, 1)[0];
  }

  /** A work queue: an event while a sync is queued is handled by that sync. */
  private queueDeploymentSync(): void {
    if (this.deploymentSyncQueued) return;
    this.deploymentSyncQueued = true;
    this.at(this.now + this.input.hop(), () => {
      this.deploymentSyncQueued = false;
      this.syncDeployment();
    });
  }

  /** The ReplicaSet controller syncs each ReplicaSet on its own. */
  private queueReplicaSetSync(rs: number): void {
    if (this.replicaSetSyncQueued[rs]) return;
    this.replicaSetSyncQueued[rs] = true;
    this.at(this.now + this.input.hop(), () => {
      this.replicaSetSyncQueued[rs] = false;
      this.syncReplicaSet(rs);
    });
  }

  private counts(rs: number): ReplicaSetCounts {
    const active = this.cohorts.filter(c => c.rs === rs && c.deletedAt === undefined);
    return { replicas: this.specs[rs], available: active.filter(c => c.availableAt <= this.now).reduce((n, c) => n + c.count, 0) };
  }

  /** rolloutRolling: a scale-up or a scale-down per sync (spec 3.3, 3.4a); each change is an RS update event. */
  private syncDeployment(): void {
    const { replicas, surge, unavailable } = this.input;
    const newRs = this.counts(1);
    const oldRs = this.counts(0);
    const target = newReplicaSetTarget(replicas, surge, newRs, [oldRs, newRs]);
    let changed = 1;
    if (target !== this.specs[1]) {
      this.specs[1] = target;
    } else {
      const targets = oldReplicaSetTargets(replicas, unavailable, newRs, [oldRs]);
      if (!targets) {
        // The sync failed on a stale ReplicaSet status; the work queue retries it.
        this.queueDeploymentSync();
        return;
      }
      if (targets[0] === this.specs[0]) return;
      this.specs[0] = targets[0];
      changed = 0;
    }
    this.queueReplicaSetSync(changed);
    this.queueDeploymentSync();
  }

  /** The ReplicaSet controller: create or delete pods to match spec.replicas. */
  private syncReplicaSet(rs: number): void {
    const active = this.cohorts.filter(c => c.rs === rs && c.deletedAt === undefined).reduce((n, c) => n + c.count, 0);
    if (active < this.specs[rs]) {
      this.create(rs, this.specs[rs] - active);
    } else if (active > this.specs[rs]) {
      this.remove(rs, active - this.specs[rs]);
    } else {
      return;
    }
    this.queueDeploymentSync();
  }

  private create(rs: number, count: number): void {
    const readyAt = this.now + this.input.startupSeconds;
    const avail = availableAt(readyAt, this.input.minReadySeconds, this.input.wallOffset);
    this.cohorts.push({ rs, count, readyAt, availableAt: avail });
    if (!this.anyAvailable) this.firstReadyTimes.push(readyAt);
    // The ReplicaSet controller requeues for the moment the pods become available.
    this.at(avail, () => {
      this.anyAvailable = true;
      this.queueDeploymentSync();
    });
  }

  /** Victims (spec 3.3): not available before available, not ready before ready, then most recently ready. */
  private remove(rs: number, count: number): void {
    const rank = (c: Cohort) => (c.availableAt > this.now ? (c.readyAt > this.now ? 0 : 1) : 2);
    const victims = this.cohorts.filter(c => c.rs === rs && c.deletedAt === undefined)
      .sort((a, b) => rank(a) - rank(b) || b.readyAt - a.readyAt);
    let left = count;
    for (const c of victims) {
      if (left === 0) break;
      const n = Math.min(left, c.count);
      c.count -= n;
      left -= n;
      this.cohorts.push({ ...c, count: n, deletedAt: this.now });
    }
    this.cohorts = this.cohorts.filter(c => c.count > 0);
    if (rs === 0) this.deletions.push(this.now);
  }

  private observe(): void {
    const { terminatingSeconds, lingerSeconds, replicas } = this.input;
    let active = 0;
    let terminating = 0;
    for (const c of this.cohorts) {
      if (c.deletedAt === undefined) active += c.count;
      else if (this.now <= c.deletedAt + terminatingSeconds + lingerSeconds) terminating += c.count;
    }
    this.peakActive = Math.max(this.peakActive, active);
    this.peakTerminating = Math.max(this.peakTerminating, terminating);
    this.peakPods = Math.max(this.peakPods, active + terminating);
    // Forget pods long gone, and merge available pods of a ReplicaSet (a rollout deletes only
    // old pods, all alike), so a long rollout stays linear.
    const merged = new Map<number, Cohort>();
    this.cohorts = this.cohorts.filter(c => {
      if (c.deletedAt !== undefined) return this.now <= c.deletedAt + terminatingSeconds + lingerSeconds;
      if (c.availableAt > this.now) return true;
      const into = merged.get(c.rs);
      if (!into) {
        merged.set(c.rs, c);
        return true;
      }
      into.count += c.count;
      return false;
    });
    if (this.completeAt === undefined) {
      const newRs = this.counts(1);
      const oldActive = this.cohorts.some(c => c.rs === 0 && c.deletedAt === undefined);
      if (this.specs[1] === replicas && newRs.available === replicas && this.specs[0] === 0 && !oldActive) {
        this.completeAt = this.now;
      }
    }
  }
}
