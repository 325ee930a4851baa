import { Duration } from 'cdk8s';
import { KUBELET_MINIMUM_STOP_SECONDS } from '../kubernetes/defaults';

/**
 * The time a pod is given to shut down without dropping a request.
 *
 * On deletion the endpoint removal and the kubelet's kill start at the same time
 * (spec 1.3). The preStop delay keeps the app serving while proxies learn of the
 * removal; SIGTERM follows, then the app drains; SIGKILL comes when the grace period,
 * counted from the deletion, runs out (spec 1.4, 1.7).
 */
export interface ShutdownOptions {
  /**
   * How long the preStop hook keeps the container serving before SIGTERM.
   *
   * It must cover the time kube-proxy, ingress controllers and load balancers need to
   * stop sending new connections to a deleted pod.
   *
   * @default Duration.seconds(15) - 15 s is the usual value in the Kubernetes graceful
   * shutdown literature: it covers kube-proxy (≤ 1 s) and ingress-nginx (≈ 4.3 s worst case)
   * with room to spare (spec 4.4, 5.2, 5.5). Raise it behind cloud load balancers.
   */
  readonly preStopDelay?: Duration;

  /**
   * How long the app needs after SIGTERM to finish in-flight requests and close
   * long-lived connections.
   *
   * @default Duration.seconds(15) - enough for typical HTTP APIs; raise it for workers,
   * long polls and WebSockets.
   */
  readonly drainTimeout?: Duration;

  /**
   * Slack added on top of preStop + drain before SIGKILL.
   *
   * The kubelet charges the preStop in whole seconds and the runtime needs a moment to
   * deliver the signal (spec 1.5); the margin keeps a drain that ends on time from being killed.
   *
   * @default Duration.seconds(5)
   */
  readonly safetyMargin?: Duration;
}

/**
 * Resolved shutdown numbers, in whole seconds, as they appear in the manifest.
 */
export interface ShutdownBudget {
  /** Seconds the preStop hook waits before SIGTERM. */
  readonly preStopSeconds: number;
  /** Seconds the app is given to drain after SIGTERM. */
  readonly drainSeconds: number;
  /** Seconds of slack before SIGKILL. */
  readonly safetyMarginSeconds: number;
  /** `terminationGracePeriodSeconds` of the pod. */
  readonly terminationGracePeriodSeconds: number;
  /** Seconds after deletion at which SIGTERM is sent (spec 1.4 step 2). */
  readonly sigtermAtSeconds: number;
  /** Seconds after deletion at which SIGKILL is sent at the latest (spec 1.4 step 5). */
  readonly sigkillAtSeconds: number;
}

/** Default preStop delay, see `ShutdownOptions.preStopDelay`. */
export const DEFAULT_PRE_STOP_SECONDS = 15;
/** Default drain time, see `ShutdownOptions.drainTimeout`. */
export const DEFAULT_DRAIN_SECONDS = 15;
/** Default margin, see `ShutdownOptions.safetyMargin`. */
export const DEFAULT_SAFETY_MARGIN_SECONDS = 5;

/**
 * Whole seconds of a Duration, rounded up: a budget is never shortened by rounding.
 */
export function ceilSeconds(duration: Duration): number {
  return Math.ceil(duration.toMilliseconds() / 1000);
}

/**
 * The seconds the kubelet charges for a preStop hook that ran `elapsedSeconds`:
 * whole seconds, truncated (spec 1.5: a 5.9 s hook costs 5 s).
 */
export function preStopChargedSeconds(elapsedSeconds: number): number {
  return Math.floor(elapsedSeconds);
}

/**
 * When SIGTERM and SIGKILL come for a container, per the kubelet's kill sequence.
 *
 * spec 1.4/1.5: the preStop's whole seconds are subtracted from the grace; the remainder is
 * raised to 2 s; SIGKILL follows the remainder. A hook that overruns the grace is cut at the
 * grace (the kubelet stops waiting), then the 2 s minimum applies: the one-time extension.
 *
 * @param graceSeconds terminationGracePeriodSeconds (or the DELETE's grace)
 * @param preStopElapsedSeconds how long the hook actually ran (0 when it failed at once, spec 1.6)
 */
export function killTimeline(graceSeconds: number, preStopElapsedSeconds: number): { sigtermAt: number; sigkillAt: number } {
  const hookRan = Math.min(preStopElapsedSeconds, graceSeconds);
  const remaining = Math.max(graceSeconds - preStopChargedSeconds(hookRan), KUBELET_MINIMUM_STOP_SECONDS);
  return { sigtermAt: hookRan, sigkillAt: hookRan + remaining };
}

/**
 * Seconds missing from a grace period for preStop + drain to fit, or 0 when they fit.
 *
 * The grace period is counted from the deletion and covers the preStop **plus** the app's
 * own shutdown (spec 1.7), so grace must be at least preStop + drain.
 */
export function graceShortfallSeconds(graceSeconds: number, preStopSeconds: number, drainSeconds: number): number {
  return Math.max(0, preStopSeconds + drainSeconds - graceSeconds);
}

/**
 * Resolves the shutdown options to the numbers written to the manifest.
 *
 * The grace period is preStop + drain + margin rounded up to whole seconds, unless
 * `explicitGrace` is given; an explicit grace below preStop + drain throws, with the
 * numbers and the fix.
 */
export function computeShutdownBudget(options: ShutdownOptions = {}, explicitGrace?: Duration): ShutdownBudget {
  const { budget, problems } = resolveShutdownBudget(options, explicitGrace);
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  return budget;
}

/**
 * `computeShutdownBudget` that reports problems instead of throwing: the budget as it would
 * be written (an explicit grace kept even when too short), and what is wrong with it.
 *
 * @internal
 */
export function resolveShutdownBudget(options: ShutdownOptions = {}, explicitGrace?: Duration): { budget: ShutdownBudget; problems: string[] } {
  const preStopSeconds = options.preStopDelay ? ceilSeconds(options.preStopDelay) : DEFAULT_PRE_STOP_SECONDS;
  const drainSeconds = options.drainTimeout ? ceilSeconds(options.drainTimeout) : DEFAULT_DRAIN_SECONDS;
  const safetyMarginSeconds = options.safetyMargin ? ceilSeconds(options.safetyMargin) : DEFAULT_SAFETY_MARGIN_SECONDS;
  const problems: string[] = [];
  for (const [prop, value] of [['shutdown.preStopDelay', preStopSeconds], ['shutdown.drainTimeout', drainSeconds], ['shutdown.safetyMargin', safetyMarginSeconds]] as const) {
    if (!Number.isFinite(value) || value < 0) {
      problems.push(`'${prop}' (${value}s) must be zero or more; pass a non-negative Duration`);
    }
  }
  let grace = preStopSeconds + drainSeconds + safetyMarginSeconds;
  if (explicitGrace) {
    // An explicit value is respected, but never one that SIGKILLs the drain (spec 1.7).
    grace = explicitGrace.toSeconds();
    const shortfall = graceShortfallSeconds(grace, preStopSeconds, drainSeconds);
    if (shortfall > 0) {
      problems.push(`'terminationGracePeriod' (${grace}s) must be at least preStop (${preStopSeconds}s) + drain (${drainSeconds}s) = ${preStopSeconds + drainSeconds}s, or SIGKILL cuts the drain short; `
        + `raise it to at least ${preStopSeconds + drainSeconds + safetyMarginSeconds}s, shorten 'shutdown.drainTimeout', or omit 'terminationGracePeriod' to derive it`);
    }
  }
  const timeline = killTimeline(grace, preStopSeconds);
  return {
    budget: {
      preStopSeconds,
      drainSeconds,
      safetyMarginSeconds,
      terminationGracePeriodSeconds: grace,
      sigtermAtSeconds: timeline.sigtermAt,
      sigkillAtSeconds: timeline.sigkillAt,
    },
    problems,
  };
}
