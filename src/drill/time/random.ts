/* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
/** A small seeded PRNG (mulberry32): the same seed replays the same lags, latencies and choices. */
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

/** A number drawn uniformly from [min, max]. */
export function uniform(random: () => number, range: { readonly min: number; readonly max: number }): number {
  return range.min + (range.max - range.min) * random();
}
