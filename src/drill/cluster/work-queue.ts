// A controller's work queue: an event queues one sync a reconcile latency later; events that
// arrive while a sync is queued are handled by that sync (client-go's workqueue dedupes keys).

import { ClockTimer, DrillClock } from '../time/clock';

export class WorkQueue {
  private pending?: ClockTimer;
  private stopped = false;

  constructor(
    private readonly clock: DrillClock,
    /** Seconds from an event to the sync that handles it (spec 3.4a: 10-50 ms measured). */
    private readonly latency: () => number,
    private readonly work: () => void,
  ) {}

  /** Queues a sync unless one is queued already. */
  public add(): void {
    if (this.pending || this.stopped) return;
    this.pending = this.clock.after(this.latency(), () => {
      this.pending = undefined;
      if (!this.stopped) this.work();
    });
  }

  public stop(): void {
    this.stopped = true;
    this.pending?.cancel();
    this.pending = undefined;
  }
}
