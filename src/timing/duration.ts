import { Duration } from 'cdk8s';

// Durations as options arrive from plain JavaScript or arithmetic: NaN and Infinity included.
// cdk8s's own conversions throw "'NaN seconds' cannot be converted into a whole number of
// millis", which names neither the option nor the fix; these read the amount without converting.

/** A cdk8s Duration, judged by shape (a second copy of cdk8s would fail `instanceof`). */
export function isDuration(value: unknown): value is Duration {
  return typeof value === 'object' && value !== null && typeof (value as any).toMilliseconds === 'function' && 'amount' in (value as any);
}

/** Milliseconds of a Duration, NaN or Infinity included (cdk8s throws converting those). */
export function durationMillis(d: Duration): number {
  const amount = (d as any).amount;
  const unitMillis = (d as any).unit?.inMillis;
  return typeof amount === 'number' && typeof unitMillis === 'number' ? amount * unitMillis : d.toMilliseconds();
}

/** A Duration (or what came instead of one) as a message shows it: `90s`, `NaN`, `Infinity`, `5`. */
export function describeDuration(value: unknown): string {
  if (!isDuration(value)) return value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  const ms = durationMillis(value);
  return Number.isNaN(ms) ? 'NaN' : !Number.isFinite(ms) ? 'Infinity' : `${ms / 1000}s`;
}

/** Whether a value is a Duration of finite length, longer than `leastSeconds` (or equal with `orEqual`). */
export function isFiniteDurationOf(value: unknown, leastSeconds: number, orEqual: boolean): value is Duration {
  if (!isDuration(value)) return false;
  const seconds = durationMillis(value) / 1000;
  return Number.isFinite(seconds) && (orEqual ? seconds >= leastSeconds : seconds > leastSeconds);
}
