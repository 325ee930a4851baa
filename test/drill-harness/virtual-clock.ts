// A clock on which time moves only when told: the drill's control plane replayed without
// processes, deterministically (unit tests, the bench's controller rows).

import { ClockTimer, DrillClock } from '../../src/drill/time/clock';

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

  /** When the next timer is due, if any. */
  public nextAt(): number | undefined {
    this.timers = this.timers.filter(t => !t.cancelled);
    return this.timers.length === 0 ? undefined : Math.min(...this.timers.map(t => t.at));
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

