// Time in the drill is manifest time: seconds as the manifest states them. A time scale
// below 1 replays everything faster (tests use 0.1-0.25), so every timing rule keeps its
// shape while a drill takes seconds instead of minutes.

export class Clock {
  private readonly startedAt = performance.now();

  /**
   * @param scale real seconds per manifest second
   */
  constructor(public readonly scale: number) {
    if (!(scale > 0)) {
      throw new Error(`time scale (${scale}) must be above 0; use 1 for real time, 0.1 to run ten times faster`);
    }
  }

  /** Manifest seconds since the clock started. */
  public now(): number {
    return (performance.now() - this.startedAt) / 1000 / this.scale;
  }

  /** Real milliseconds for a span of manifest seconds. */
  public ms(seconds: number): number {
    return Math.max(0, seconds * 1000 * this.scale);
  }

  /** Calls `fn` after `seconds` of manifest time. */
  public after(seconds: number, fn: () => void): NodeJS.Timeout {
    // Unref'd: pending kill or restart timers must not keep a finished drill alive
    // (the drill's own loop keeps the process running while it works).
    return setTimeout(fn, this.ms(seconds)).unref();
  }

  /** Resolves after `seconds` of manifest time. */
  public sleep(seconds: number): Promise<void> {
    return new Promise(resolve => this.after(seconds, resolve));
  }
}

/* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
/** A small seeded PRNG (mulberry32): the same seed replays the same lags and choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
