// Time in the drill is manifest time: seconds as the manifest states them. A time scale
// below 1 replays everything faster (tests use 0.1-0.5), so every timing rule keeps its
// shape while a drill takes seconds instead of minutes.

/** A timer that can be cancelled. */
export interface ClockTimer {
  cancel(): void;
}

/** The clock the drill's controllers, kubelets and proxy run on (a virtual one in tests). */
export interface DrillClock {
  /** Real seconds per manifest second. */
  readonly scale: number;
  /** Manifest seconds since the clock started; never decreases. */
  now(): number;
  /** Real milliseconds for a span of manifest seconds. */
  ms(seconds: number): number;
  /** Calls `fn` after `seconds` of manifest time. */
  after(seconds: number, fn: () => void): ClockTimer;
  /** Resolves after `seconds` of manifest time. */
  sleep(seconds: number): Promise<void>;
}

/**
 * Manifest time on the machine's monotonic clock.
 *
 * A timer callback sees `now()` at least at the time it was set for: Node may fire a timer up
 * to a millisecond early by the high-resolution clock, and an event recorded by that callback
 * (SIGTERM after a 5 s preStop) must not read 4.999 s.
 */
export class Clock implements DrillClock {
  private readonly startedAt = performance.now();
  /** The latest time handed out or reached by a timer. */
  private floor = 0;

  /**
   * @param scale real seconds per manifest second
   */
  constructor(public readonly scale: number) {
    if (!(scale > 0)) {
      throw new Error(`time scale (${scale}) must be above 0; use 1 for real time, 0.1 to run ten times faster`);
    }
  }

  public now(): number {
    const real = (performance.now() - this.startedAt) / 1000 / this.scale;
    if (real > this.floor) this.floor = real;
    return this.floor;
  }

  public ms(seconds: number): number {
    return Math.max(0, seconds * 1000 * this.scale);
  }

  public after(seconds: number, fn: () => void): ClockTimer {
    const target = this.now() + Math.max(0, seconds);
    // Unref'd: pending kill or restart timers must not keep a finished drill alive
    // (the drill's own loop keeps the process running while it works).
    const timer = setTimeout(() => {
      if (target > this.floor) this.floor = target;
      fn();
    }, this.ms(seconds)).unref();
    return { cancel: () => clearTimeout(timer) };
  }

  public sleep(seconds: number): Promise<void> {
    return new Promise(resolve => this.after(seconds, resolve));
  }
}
