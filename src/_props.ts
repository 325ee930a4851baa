// The input validation layer of the constructs: every option is checked here, once, with its
// name as the user wrote it, the value received, the limit and the fix:
//   '<prop>' (<got>) must <constraint>; <how to fix>
// Each limit cites where it comes from: what the API server rejects (docs/kubernetes-semantics.md
// section 7, "semantics 7.x"; research in api-validation notes), or the termination spec
// ("spec N.N") where the API accepts a value that no cluster runs as meant. The manifest reader
// (manifest/fields.ts) judges YAML; this layer judges construct props, before anything renders.

import { Duration } from 'cdk8s';
import * as kplus from './_kplus';
import { PLUS_KUBERNETES_MINOR } from './_kplus';
import { MIN_SUPPRESSION_REASON_LENGTH } from './checks/suppressions';
import { ContainerShutdownOptions, GracefulAutoscalingOptions, GracefulPodOptions, GracefulReplicaOptions, GracefulSidecarProps, StopSignal } from './graceful-options';
import { KubernetesVersion } from './kubernetes-version';
import { pdbAllowedDisruptions } from './manifest/disruption';
import { isRecord } from './manifest/fields';
import { PreStop } from './pre-stop';
import { DEFAULT_DRAIN_SECONDS, DEFAULT_PRE_STOP_SECONDS, DEFAULT_SAFETY_MARGIN_SECONDS, resolveShutdownBudget } from './timing/shutdown-budget';
import { TrafficPath } from './traffic-path';

/** cluster-autoscaler's --max-graceful-termination-sec default: a longer grace is cut to it on scale-down (semantics 7.10). */
export const AUTOSCALER_GRACE_SECONDS = 600;
/**
 * The warning for a grace period longer than cluster-autoscaler gives, set (`how` undefined) or
 * derived from the budget (`how` says from what).
 */
export function graceOverAutoscalerWarning(seconds: number, how?: string): string {
  return `'terminationGracePeriod' (${how ? `${how} = ` : ''}${seconds}s) is more than ${AUTOSCALER_GRACE_SECONDS}s: cluster-autoscaler gives a pod at most `
    + `${AUTOSCALER_GRACE_SECONDS}s when it removes a node (--max-graceful-termination-sec), so the drain is cut there (semantics 7.10)`
    + (how ? '; shorten \'shutdown.drainTimeout\' (or a sidecar\'s) if the app can finish sooner' : '');
}

/**
 * The longest grace period accepted. The API has no upper bound (semantics 7.4), but no drain
 * waits a day: kubectl drain, Karpenter and managed node groups give up or force much earlier
 * (semantics 7.10); a larger value is a unit mistake (milliseconds written as seconds).
 */
export const MAX_GRACE_SECONDS = 86_400;
/** HPA behavior: stabilizationWindowSeconds 0-3600, policy periodSeconds 1-1800 (semantics 7.7). */
export const MAX_STABILIZATION_SECONDS = 3600;
export const MAX_SCALING_POLICY_PERIOD_SECONDS = 1800;

/** How a value is shown in a message: a Duration as seconds, anything else as JSON. */
export function got(value: unknown): string {
  if (isDuration(value)) {
    const ms = durationMillis(value);
    return Number.isNaN(ms) ? 'NaN' : !Number.isFinite(ms) ? 'Infinity' : `${ms / 1000}s`;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (isPercentOrAbsolute(value)) return typeof value.value === 'string' ? value.value : String(value.value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

/** A cdk8s Duration, judged by shape (a second copy of cdk8s would fail `instanceof`). */
export function isDuration(value: unknown): value is Duration {
  return typeof value === 'object' && value !== null && typeof (value as any).toMilliseconds === 'function' && 'amount' in (value as any);
}

function isPercentOrAbsolute(value: unknown): value is kplus.PercentOrAbsolute {
  return typeof value === 'object' && value !== null && typeof (value as any).isZero === 'function' && 'value' in (value as any);
}

/** Milliseconds of a Duration, NaN or Infinity included (cdk8s throws converting those). */
function durationMillis(d: Duration): number {
  const amount = (d as any).amount;
  const unitMillis = (d as any).unit?.inMillis;
  return typeof amount === 'number' && typeof unitMillis === 'number' ? amount * unitMillis : d.toMilliseconds();
}

/** Limits of a Duration option. */
export interface DurationRule {
  /** 'positive': more than 0; 'zero': 0 allowed. */
  readonly min: 'positive' | 'zero';
  /** Written to the manifest as whole seconds: a fraction is refused rather than rounded. */
  readonly wholeSeconds: boolean;
  /** Largest value, in seconds. */
  readonly maxSeconds?: number;
  /** Why 0 is refused, for the message. */
  readonly whyPositive?: string;
  /** Where the maximum comes from, for the message. */
  readonly whyMax?: string;
}

/** Limits of a whole-number option. */
export interface CountRule {
  readonly min: number;
  readonly max?: number;
  readonly whyMin?: string;
}

/** Limits of a number-or-percentage option. */
export interface IntOrPercentRule {
  /** Largest percentage (100 for maxUnavailable and PDB budgets). */
  readonly maxPercent?: number;
  /** Whether 0 / '0%' is refused. */
  readonly nonZero?: boolean;
}

/**
 * Collects what is wrong with construct props. Checkers return the value in the unit the manifest
 * needs (whole seconds, a count, an IntOrString) or undefined when absent or wrong.
 */
export class PropsProblems {
  public readonly errors: string[] = [];
  /** Accepted, but worth saying: recorded on the construct (`warningsOf`). */
  public readonly warnings: string[] = [];

  public warn(message: string): void {
    this.warnings.push(message);
  }

  public add(message: string): void {
    this.errors.push(message);
  }

  /** An options object: undefined is fine (defaults), `null` or a non-object is a plain-JS mistake. */
  public struct(prop: string, value: unknown, example: string): boolean {
    if (value === undefined) {
      return false;
    }
    if (!isRecord(value)) {
      this.add(`'${prop}' (${got(value)}) must be an object of options, or left out for the defaults; e.g. ${prop.split('.').pop()}: ${example}`);
      return false;
    }
    return true;
  }

  /** A Duration, in whole seconds. */
  public duration(prop: string, value: unknown, rule: DurationRule): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (!isDuration(value)) {
      const hint = typeof value === 'number' && Number.isFinite(value) ? `Duration.seconds(${value})` : 'Duration.seconds(15)';
      this.add(`'${prop}' (${got(value)}) must be a Duration; pass e.g. ${hint}`);
      return undefined;
    }
    const ms = durationMillis(value);
    if (!Number.isFinite(ms)) {
      this.add(`'${prop}' (${got(value)}) must be a finite Duration; pass e.g. Duration.seconds(15)`);
      return undefined;
    }
    const seconds = ms / 1000;
    if (rule.min === 'positive' && seconds <= 0) {
      this.add(`'${prop}' (${got(value)}) must be longer than 0s${rule.whyPositive ? `: ${rule.whyPositive}` : ''}; pass e.g. Duration.seconds(15)`);
      return undefined;
    }
    if (rule.wholeSeconds && !Number.isInteger(seconds)) {
      this.add(`'${prop}' (${got(value)}) must be whole seconds: Kubernetes writes it in seconds; use Duration.seconds(${Math.ceil(seconds)})`);
      return undefined;
    }
    if (rule.maxSeconds !== undefined && seconds > rule.maxSeconds) {
      this.add(`'${prop}' (${got(value)}) must be at most ${rule.maxSeconds}s${rule.whyMax ? ` (${rule.whyMax})` : ''}; shorten it`);
      return undefined;
    }
    return Math.ceil(seconds);
  }

  /** A whole number (replicas, partition, maxSkew…). */
  public count(prop: string, value: unknown, rule: CountRule): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || (rule.max !== undefined && value > rule.max)) {
      const range = rule.max !== undefined ? `from ${rule.min} to ${rule.max}` : rule.min === 0 ? 'of zero or more' : `of at least ${rule.min}`;
      this.add(`'${prop}' (${got(value)}) must be a whole number ${range}${rule.whyMin ? ` (${rule.whyMin})` : ''}`);
      return undefined;
    }
    return value;
  }

  /** A `kplus.PercentOrAbsolute` as the API server reads an IntOrString (semantics 7.1-7.3, 7.8). */
  public intOrPercent(prop: string, value: unknown, rule: IntOrPercentRule = {}): number | string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (!isPercentOrAbsolute(value)) {
      this.add(`'${prop}' (${got(value)}) must be a PercentOrAbsolute; pass e.g. PercentOrAbsolute.absolute(1) or PercentOrAbsolute.percent(25)`);
      return undefined;
    }
    const raw = value.value;
    // A JSON number that is not an integer fails to decode as int32; a percent must match [0-9]+% (semantics 7.1).
    const percent = typeof raw === 'string' ? /^(-?\d+(?:\.\d+)?|NaN|-?Infinity)%$/.exec(raw) : null;
    const n = typeof raw === 'number' ? raw : percent ? Number(percent[1]) : NaN;
    const unit = percent ? '%' : '';
    if (!Number.isInteger(n) || n < 0) {
      this.add(`'${prop}' (${got(value)}) must be a whole number of zero or more${percent ? ' percent' : ''}; the API server rejects ${got(value)}. `
        + `Use e.g. PercentOrAbsolute.${percent ? 'percent(25)' : 'absolute(1)'}`);
      return undefined;
    }
    if (percent && rule.maxPercent !== undefined && n > rule.maxPercent) {
      this.add(`'${prop}' (${raw}) must be at most ${rule.maxPercent}%; the API server rejects more. Use at most PercentOrAbsolute.percent(${rule.maxPercent})`);
      return undefined;
    }
    if (rule.nonZero && n === 0) {
      this.add(`'${prop}' (${n}${unit}) must not be 0; the API server rejects it. Use at least 1`);
      return undefined;
    }
    return percent ? `${n}%` : n;
  }

  /** A name for an object of `kind` (semantics 7.6), e.g. 'disruptionBudget.name'. */
  public objectName(prop: string, value: unknown, kind: string, example: string): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    const problem = typeof value === 'string' ? nameProblem(kind, value) : 'a string';
    if (problem) {
      this.add(`'${prop}' (${got(value)}) must be ${problem}; e.g. '${example}', or leave it out for a name derived from the construct path`);
      return undefined;
    }
    return value as string;
  }

  /** A reason for accepting a risk (`allowCapacityDrop`), as suppressions need one. */
  public reason(prop: string, value: unknown): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || value.trim().length < MIN_SUPPRESSION_REASON_LENGTH) {
      this.add(`'${prop}' (${got(value)}) must be a reason of at least ${MIN_SUPPRESSION_REASON_LENGTH} characters; say why dropping capacity during rollouts is acceptable`);
      return undefined;
    }
    return value;
  }

  /** An instance of one of our value classes (PreStop, TrafficPath, KubernetesVersion…). */
  public instance<T>(prop: string, value: unknown, ctor: { prototype: T }, example: string): T | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (!(value instanceof (ctor as any))) {
      this.add(`'${prop}' (${got(value)}) must be ${example}`);
      return undefined;
    }
    return value as T;
  }

  /** Throws with every problem, prefixed with the construct. */
  public throwIfAny(owner: string): void {
    if (this.errors.length > 0) {
      throw new Error(`${owner}:\n  ${this.errors.join('\n  ')}`);
    }
  }
}

/** Duration rules shared by the constructs. */
export const DURATIONS = {
  /** A main container's preStop: 0 is no propagation delay at all (spec 1.3, 5.5); written as `sleep N` or `sleep.seconds`. */
  preStopDelay: {
    min: 'positive',
    wholeSeconds: true,
    maxSeconds: MAX_GRACE_SECONDS,
    whyPositive: 'a preStop of 0 is no delay, and the pod stops accepting while proxies still route to it',
    whyMax: 'a day; no drain waits longer',
  },
  /**
   * A container's own preStop (`containerShutdown`, sidecars): 0 means no hook, the norm for a
   * native sidecar (the kubelet stops it after the app, spec 1.9) and for a container that serves nothing.
   */
  sidecarPreStopDelay: { min: 'zero', wholeSeconds: true, maxSeconds: MAX_GRACE_SECONDS, whyMax: 'a day; no drain waits longer' },
  /** 0: the app exits at SIGTERM, within the margin (an app whose requests take milliseconds). */
  drainTimeout: { min: 'zero', wholeSeconds: true, maxSeconds: MAX_GRACE_SECONDS, whyMax: 'a day; no drain waits longer' },
  sidecarDrainTimeout: { min: 'zero', wholeSeconds: true, maxSeconds: MAX_GRACE_SECONDS, whyMax: 'a day; no drain waits longer' },
  safetyMargin: { min: 'zero', wholeSeconds: true, maxSeconds: 3600, whyMax: 'an hour' },
  /**
   * No upper bound in the API, ours is a day (semantics 7.10). 0 kills at once without preStop
   * (semantics 7.4): it is refused with the numbers by the budget check (grace ≥ preStop + drain).
   */
  terminationGracePeriod: {
    min: 'zero',
    wholeSeconds: true,
    maxSeconds: MAX_GRACE_SECONDS,
    whyMax: 'a day: no drain waits longer, and cluster-autoscaler gives a pod at most 600s',
  },
  /** minReadySeconds ≥ 0 (semantics 7.1-7.3). */
  minReady: { min: 'zero', wholeSeconds: true, maxSeconds: MAX_GRACE_SECONDS, whyMax: 'a day' },
  /** progressDeadlineSeconds > minReadySeconds (semantics 7.1). */
  progressDeadline: { min: 'positive', wholeSeconds: true },
  /** A time to start, rounded up to probe periods: not a field of its own. */
  startupTimeout: { min: 'positive', wholeSeconds: false, maxSeconds: MAX_GRACE_SECONDS, whyMax: 'a day' },
  stabilization: { min: 'zero', wholeSeconds: true, maxSeconds: MAX_STABILIZATION_SECONDS, whyMax: 'the API server rejects longer windows' },
  scalingPolicyPeriod: { min: 'positive', wholeSeconds: true, maxSeconds: MAX_SCALING_POLICY_PERIOD_SECONDS, whyMax: 'the API server rejects longer periods' },
} as const satisfies Record<string, DurationRule>;

/** DNS-1123 label: names of StatefulSets, containers, ports of Services (semantics 7.6). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: names of most objects (semantics 7.6). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1035 label: Service names, which must start with a letter (semantics 7.6, 7.9). */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** What the API server requires of an object's name, by kind (semantics 7.6). */
export function nameProblem(kind: string, name: string): string | undefined {
  switch (kind) {
    case 'Service':
      return DNS_1035.test(name) && name.length <= 63 ? undefined
        : 'a DNS-1035 label: lower-case letters, digits and \'-\', starting with a letter, at most 63 characters';
    case 'StatefulSet':
      return DNS_LABEL.test(name) && name.length <= 63 ? undefined
        : 'a DNS-1123 label: lower-case letters, digits and \'-\', at most 63 characters (no dots: the pods\' host names derive from it)';
    default:
      return DNS_SUBDOMAIN.test(name) && name.length <= 253 ? undefined
        : 'a DNS-1123 subdomain: lower-case letters, digits, \'-\' and \'.\', at most 253 characters';
  }
}

/** A container name: a DNS-1123 label, unique in the pod (semantics 7.6). */
export function containerNameProblem(name: string): string | undefined {
  return DNS_LABEL.test(name) && name.length <= 63 ? undefined : 'a DNS-1123 label: lower-case letters, digits and \'-\', at most 63 characters';
}

/** A container port name: an IANA service name (semantics 7.5). */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'at most 15 characters';
  if (!/^[a-z0-9-]+$/.test(name)) return 'only lower-case letters, digits and \'-\'';
  if (!/[a-z]/.test(name)) return 'at least one letter';
  if (/--/.test(name) || /^-|-$/.test(name)) return 'no leading, trailing or doubled \'-\'';
  return undefined;
}

/** Throws when a workload's name is one the API server rejects (semantics 7.6). */
export function checkWorkloadName(owner: string, kind: string, name: string, constructPath: string): void {
  const problem = nameProblem(kind, name);
  if (problem) {
    throw new Error(`${owner}: the ${kind} name '${name}' (from the construct path '${constructPath}') must be ${problem}; `
      + 'rename the construct or its chart (dots, underscores or a leading digit in an id are the usual cause), or set \'metadata.name\'');
  }
}

/** Problems with the names of rendered objects and their containers, as the API server would report them. */
export function renderedNameProblems(objects: any[], constructPath: string): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const name = String(o?.metadata?.name ?? '');
    const problem = nameProblem(String(o?.kind), name);
    if (problem) {
      out.push(`the ${o.kind} name '${name}' (from the construct path '${constructPath}') must be ${problem}; `
        + 'rename the construct or its chart (dots, underscores or a leading digit in an id are the usual cause), or set \'metadata.name\'');
    }
    const podSpec = o?.spec?.template?.spec;
    for (const c of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
      const cp = containerNameProblem(String(c.name));
      if (cp) out.push(`container name '${c.name}' must be ${cp}; rename it`);
      for (const p of c.ports ?? []) {
        const pp = p.name !== undefined ? portNameProblem(String(p.name)) : undefined;
        if (pp) out.push(`container '${c.name}' port name '${p.name}' must have ${pp} (an IANA service name); rename the port`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Options of every graceful workload, resolved to the numbers the pod template needs.

/** A container's own shutdown, resolved. */
export interface ContainerSettings {
  readonly preStopSeconds?: number;
  readonly drainSeconds?: number;
  readonly stopSignal?: StopSignal;
}

/** A native sidecar, resolved. */
export interface SidecarSettings {
  readonly props: GracefulSidecarProps;
  readonly preStopSeconds: number;
  readonly drainSeconds: number;
  readonly preStop?: PreStop;
  readonly stopSignal?: StopSignal;
}

/** Every graceful workload's options, checked and in whole seconds. */
export interface PodSettings {
  /** `GracefulDeployment 'api'`, as messages name the construct. */
  readonly owner: string;
  readonly version: KubernetesVersion;
  /** `shutdown.preStopDelay` when set: then traffic paths cannot raise it. */
  readonly preStopSeconds?: number;
  readonly drainSeconds: number;
  readonly marginSeconds: number;
  readonly explicitGraceSeconds?: number;
  readonly defaultPreStop: PreStop;
  readonly containerPreStop: Record<string, PreStop>;
  readonly containerShutdown: Record<string, ContainerSettings>;
  readonly sidecars: SidecarSettings[];
  readonly startupTimeoutSeconds?: number;
  readonly trafficPaths: TrafficPath[];
  readonly allowCapacityDrop?: string;
}

/**
 * The target version when `kubernetesVersion` is unset: the one whose API the cdk8s-plus types
 * describe (1.27 for graceful-k8s, 1.33 for graceful-k8s-33, 1.34 for graceful-k8s-34).
 */
export const DEFAULT_KUBERNETES_VERSION = KubernetesVersion.of(`1.${PLUS_KUBERNETES_MINOR}`);

/**
 * The preStop handler when `preStop` is unset: the kubelet's own sleep where the target version
 * has it on by default (1.30 and later, spec 1.7), which needs nothing in the image; elsewhere
 * `sleep` run in the container.
 */
export function defaultPreStopFor(version: KubernetesVersion): PreStop {
  return version.isAtLeast(KubernetesVersion.V1_30) ? PreStop.nativeSleep() : PreStop.sleepCommand();
}

/** Default drain of a native sidecar: it flushes and closes once the app, its only client, is gone. */
export const DEFAULT_SIDECAR_DRAIN_SECONDS = 5;

/** The options every graceful workload takes, plus the pod's `terminationGracePeriod`. */
export type PodOptionsInput = GracefulPodOptions & { readonly terminationGracePeriod?: Duration };

const PRE_STOP_EXAMPLE = 'PreStop.sleepCommand(), PreStop.nativeSleep(), PreStop.httpGet(\'/prestop\') or PreStop.sleepThen([\'nginx\', \'-s\', \'quit\'])';

function containerSettings(p: PropsProblems, prop: string, value: unknown, sidecar: boolean): ContainerSettings {
  // A container's own preStop may be 0 (no hook): for a container that serves nothing; checked at synth against its ports.
  if (!p.struct(prop, value, '{ drainTimeout: Duration.seconds(30) }')) {
    return {};
  }
  const o = value as ContainerShutdownOptions;
  return {
    preStopSeconds: p.duration(`${prop}.preStopDelay`, o.preStopDelay, DURATIONS.sidecarPreStopDelay),
    drainSeconds: p.duration(`${prop}.drainTimeout`, o.drainTimeout, sidecar ? DURATIONS.sidecarDrainTimeout : DURATIONS.drainTimeout),
    stopSignal: p.instance(`${prop}.stopSignal`, o.stopSignal, StopSignal, 'a StopSignal, e.g. StopSignal.SIGQUIT'),
  };
}

function sidecarSettings(p: PropsProblems, sidecars: unknown): SidecarSettings[] {
  if (sidecars === undefined) {
    return [];
  }
  if (!Array.isArray(sidecars)) {
    p.add(`'sidecars' (${got(sidecars)}) must be a list of containers; e.g. sidecars: [{ name: 'proxy', image: '...' }]`);
    return [];
  }
  return sidecars.flatMap((s, i) => {
    const prop = `sidecars[${i}]`;
    if (!p.struct(prop, s, '{ name: \'proxy\', image: \'...\' }')) {
      if (s === undefined) p.add(`'${prop}' (undefined) must be a container; e.g. { name: 'proxy', image: '...' }`);
      return [];
    }
    const props = s as GracefulSidecarProps;
    if (typeof props.image !== 'string' || props.image === '') {
      p.add(`'${prop}.image' (${got(props.image)}) is required; name the sidecar's image`);
    }
    if (typeof props.name !== 'string' || props.name === '') {
      p.add(`'${prop}.name' (${got(props.name)}) is required: a sidecar needs a name of its own (the app container is 'main'); e.g. name: 'proxy'`);
    }
    const own = containerSettings(p, `${prop}.shutdown`, props.shutdown, true);
    return [{
      props,
      preStopSeconds: own.preStopSeconds ?? 0,
      drainSeconds: own.drainSeconds ?? DEFAULT_SIDECAR_DRAIN_SECONDS,
      preStop: p.instance(`${prop}.preStop`, props.preStop, PreStop, PRE_STOP_EXAMPLE),
      stopSignal: own.stopSignal,
    }];
  });
}

/** What the target version must support for the options used. */
function versionProblems(
  p: PropsProblems, version: KubernetesVersion, preStops: PreStop[], sidecars: SidecarSettings[], signals: StopSignal[],
): void {
  if (preStops.some(h => h._kind === 'sleep') && !version.isAtLeast(KubernetesVersion.V1_30)) {
    p.add(`'preStop' PreStop.nativeSleep() needs Kubernetes 1.30 or newer (beta 1.30, GA 1.34) but 'kubernetesVersion' is ${version}; `
      + 'set `kubernetesVersion: KubernetesVersion.of(\'1.30\')` (or newer) if your clusters run it, or use PreStop.sleepCommand() with an image that has `sleep`');
  }
  if (sidecars.length > 0 && !version.isAtLeast(KubernetesVersion.V1_29)) {
    p.add(`'sidecars' need Kubernetes 1.29 or newer (native sidecars: beta and on by default in 1.29, GA in 1.33; spec 1.9) but 'kubernetesVersion' is ${version}; `
      + 'set `kubernetesVersion: KubernetesVersion.of(\'1.29\')` (or newer) if your clusters run it, or run the proxy as an ordinary container with a '
      + '\'containerShutdown\' preStop that outlives the app');
  }
  // lifecycle.stopSignal: alpha since 1.33, gate ContainerStopSignals off by default (semantics 7.4); it missed
  // beta in 1.37 and is targeted for 1.38 (KubernetesVersion.V1_38): the gate stays required until a release turns it on.
  if (signals.length > 0 && !(version.isAtLeast(KubernetesVersion.V1_33) && version.hasFeatureGate('ContainerStopSignals'))) {
    p.add(`'stopSignal' (${signals.map(s => s.name).join(', ')}) needs Kubernetes 1.33 or newer with the feature gate ContainerStopSignals on (off by default through 1.37), `
      + `but 'kubernetesVersion' is ${version}; an API server without the gate drops the field silently. Set `
      + '`kubernetesVersion: KubernetesVersion.of(\'1.33\').withFeatureGates(\'ContainerStopSignals\')` if your clusters enable it, or use '
      + '`PreStop.sleepThen([...])` to ask for the graceful stop');
  }
}

/** Checks the options every graceful workload takes and resolves them (warnings go to `p.warnings`). */
export function resolvePodOptions(p: PropsProblems, props: PodOptionsInput, owner: string): PodSettings {
  const shutdown = p.struct('shutdown', props.shutdown, '{ drainTimeout: Duration.seconds(30) }') ? props.shutdown! : {};
  const preStopSeconds = p.duration('shutdown.preStopDelay', shutdown.preStopDelay, DURATIONS.preStopDelay);
  const drainSeconds = p.duration('shutdown.drainTimeout', shutdown.drainTimeout, DURATIONS.drainTimeout) ?? DEFAULT_DRAIN_SECONDS;
  const marginSeconds = p.duration('shutdown.safetyMargin', shutdown.safetyMargin, DURATIONS.safetyMargin) ?? DEFAULT_SAFETY_MARGIN_SECONDS;
  const explicitGraceSeconds = p.duration('terminationGracePeriod', props.terminationGracePeriod, DURATIONS.terminationGracePeriod);
  if (explicitGraceSeconds !== undefined && explicitGraceSeconds > AUTOSCALER_GRACE_SECONDS) {
    p.warn(graceOverAutoscalerWarning(explicitGraceSeconds));
  }
  if (explicitGraceSeconds !== undefined) {
    // Known at once for the pod's own preStop and drain; containers and paths added later are checked at synth.
    p.errors.push(...resolveShutdownBudget({
      preStopDelay: Duration.seconds(preStopSeconds ?? DEFAULT_PRE_STOP_SECONDS),
      drainTimeout: Duration.seconds(drainSeconds),
      safetyMargin: Duration.seconds(marginSeconds),
    }, Duration.seconds(explicitGraceSeconds)).problems);
  }
  const version = p.instance('kubernetesVersion', props.kubernetesVersion, KubernetesVersion,
    'a KubernetesVersion, e.g. KubernetesVersion.of(\'1.31\')') ?? DEFAULT_KUBERNETES_VERSION;
  const defaultPreStop = p.instance('preStop', props.preStop, PreStop, PRE_STOP_EXAMPLE) ?? defaultPreStopFor(version);
  const containerPreStop: Record<string, PreStop> = {};
  if (p.struct('containerPreStop', props.containerPreStop, '{ proxy: PreStop.nativeSleep() }')) {
    for (const [name, h] of Object.entries(props.containerPreStop!)) {
      const hook = p.instance(`containerPreStop.${name}`, h, PreStop, PRE_STOP_EXAMPLE);
      if (hook) containerPreStop[name] = hook;
    }
  }
  const containerShutdown: Record<string, ContainerSettings> = {};
  if (p.struct('containerShutdown', props.containerShutdown, '{ proxy: { drainTimeout: Duration.seconds(30) } }')) {
    for (const [name, o] of Object.entries(props.containerShutdown!)) {
      containerShutdown[name] = containerSettings(p, `containerShutdown.${name}`, o, false);
    }
  }
  const sidecars = sidecarSettings(p, props.sidecars);
  const signals = [...Object.values(containerShutdown).map(c => c.stopSignal), ...sidecars.map(s => s.stopSignal)]
    .filter((s): s is StopSignal => s !== undefined);
  const handlers = [defaultPreStop, ...Object.values(containerPreStop), ...sidecars.flatMap(s => (s.preStop ? [s.preStop] : []))];
  versionProblems(p, version, handlers, sidecars, signals);
  const trafficPaths: TrafficPath[] = [];
  if (props.trafficPaths !== undefined && !Array.isArray(props.trafficPaths)) {
    p.add(`'trafficPaths' (${got(props.trafficPaths)}) must be a list of TrafficPath presets; e.g. trafficPaths: [TrafficPath.nodeLocal()]`);
  } else {
    (props.trafficPaths ?? []).forEach((t, i) => {
      const path = p.instance(`trafficPaths[${i}]`, t, TrafficPath, 'a TrafficPath, e.g. TrafficPath.nodeLocal()');
      if (path) trafficPaths.push(path);
    });
  }
  return {
    owner,
    version,
    preStopSeconds,
    drainSeconds,
    marginSeconds,
    explicitGraceSeconds,
    defaultPreStop,
    containerPreStop,
    containerShutdown,
    sidecars,
    startupTimeoutSeconds: p.duration('startupTimeout', props.startupTimeout, DURATIONS.startupTimeout),
    trafficPaths,
    allowCapacityDrop: p.reason('allowCapacityDrop', props.allowCapacityDrop),
  };
}

// ---------------------------------------------------------------------------------------------
// Replicated workloads: PodDisruptionBudget, spread, autoscaling.

/** Spread constraints, resolved. */
export interface SpreadSettings {
  readonly maxSkew: number;
  readonly topologyKeys: string[];
  readonly whenUnsatisfiable: 'ScheduleAnyway' | 'DoNotSchedule';
}

/** A replicated workload's PDB and spread, resolved. */
export interface ReplicaSettings {
  /** undefined: no PodDisruptionBudget. */
  readonly budget?: { readonly maxUnavailable?: number | string; readonly minAvailable?: number | string; readonly name?: string };
  /** undefined: no spread constraints. */
  readonly spread?: SpreadSettings;
}

/** The replica counts a budget must work at: the autoscaler's minimum and maximum, or the fixed replicas. */
export interface ReplicaRange {
  readonly smallest: number;
  readonly largest: number;
  /** How messages name where the smallest count comes from, e.g. `'replicas' (3)`. */
  readonly smallestFrom: string;
}

function spreadSettings(p: PropsProblems, props: GracefulReplicaOptions): SpreadSettings | undefined {
  if (props.spreadAcrossNodes !== undefined && typeof props.spreadAcrossNodes !== 'boolean') {
    p.add(`'spreadAcrossNodes' (${got(props.spreadAcrossNodes)}) must be true or false`);
  }
  const on = props.spreadAcrossNodes ?? true;
  const o = p.struct('topologySpread', props.topologySpread, '{ maxSkew: 1, acrossZones: true, acrossNodes: false }') ? props.topologySpread! : {};
  if (!on) {
    if (props.topologySpread !== undefined) {
      p.add('\'topologySpread\' is set but \'spreadAcrossNodes\' is false; remove one of them');
    }
    return undefined;
  }
  // topologySpreadConstraints.maxSkew must be greater than 0 (semantics 7.4).
  const maxSkew = p.count('topologySpread.maxSkew', o.maxSkew, { min: 1, max: 1000 }) ?? 1;
  const keys = [...(o.acrossNodes ?? true ? ['kubernetes.io/hostname'] : []), ...(o.acrossZones ?? true ? ['topology.kubernetes.io/zone'] : [])];
  if (keys.length === 0) {
    p.add('\'topologySpread\' spreads across neither nodes nor zones (acrossNodes and acrossZones are false); set \'spreadAcrossNodes: false\' to turn spreading off');
  }
  return { maxSkew, topologyKeys: keys, whenUnsatisfiable: o.required ? 'DoNotSchedule' : 'ScheduleAnyway' };
}

/** Checks the PDB and spread options; the budget must allow an eviction at every replica count in `range` (spec 6.2). */
export function resolveReplicaOptions(p: PropsProblems, props: GracefulReplicaOptions, range: ReplicaRange | undefined): ReplicaSettings {
  if (props.podDisruptionBudget !== undefined && typeof props.podDisruptionBudget !== 'boolean') {
    p.add(`'podDisruptionBudget' (${got(props.podDisruptionBudget)}) must be true or false; size the budget with 'disruptionBudget'`);
  }
  const spread = spreadSettings(p, props);
  const wanted = props.podDisruptionBudget ?? true;
  const o = p.struct('disruptionBudget', props.disruptionBudget, '{ maxUnavailable: PercentOrAbsolute.percent(10) }') ? props.disruptionBudget! : undefined;
  if (!wanted) {
    if (o) p.add('\'disruptionBudget\' is set but \'podDisruptionBudget\' is false; remove one of them');
    return { spread };
  }
  // Each 0-100 %, never both (semantics 7.8).
  const maxUnavailable = p.intOrPercent('disruptionBudget.maxUnavailable', o?.maxUnavailable, { maxPercent: 100 });
  const minAvailable = p.intOrPercent('disruptionBudget.minAvailable', o?.minAvailable, { maxPercent: 100 });
  if (o?.maxUnavailable !== undefined && o?.minAvailable !== undefined) {
    p.add(`'disruptionBudget' sets both maxUnavailable (${got(o.maxUnavailable)}) and minAvailable (${got(o.minAvailable)}); the API server accepts one. `
      + 'Keep maxUnavailable: it keeps working when the replica count changes');
  }
  const size = minAvailable !== undefined && maxUnavailable === undefined ? { minAvailable } : { maxUnavailable: maxUnavailable ?? 1 };
  if (range && (maxUnavailable !== undefined || minAvailable !== undefined)) {
    blockingBudgetProblems(p, size, range);
  }
  const name = p.objectName('disruptionBudget.name', o?.name, 'PodDisruptionBudget', 'api');
  return { budget: { ...size, name }, spread };
}

/** A budget that allows no eviction at some replica count blocks every node drain then (spec 6.2). */
function blockingBudgetProblems(
  p: PropsProblems, budget: { maxUnavailable?: number | string; minAvailable?: number | string }, range: ReplicaRange,
): void {
  const view = { object: {}, ...budget, problems: [] };
  for (const [replicas, from] of [[range.smallest, range.smallestFrom], [range.largest, `${range.largest} replicas`]] as const) {
    if (replicas > 0 && pdbAllowedDisruptions(view, replicas) === 0) {
      const set = budget.maxUnavailable !== undefined ? `maxUnavailable (${budget.maxUnavailable})` : `minAvailable (${budget.minAvailable})`;
      p.add(`'disruptionBudget.${budget.maxUnavailable !== undefined ? 'maxUnavailable' : 'minAvailable'}' ${set.replace(/^\w+ /, '')} allows 0 evictions at ${from}: `
        + `every node drain would block (spec 6.2); ${budget.maxUnavailable !== undefined ? 'use at least 1' : `use maxUnavailable: 1, or a minAvailable below ${replicas}`}`);
      return;
    }
  }
}

/**
 * HPA per-object tolerance (KEP-4951): alpha in 1.33-1.34 behind HPAConfigurableTolerance, beta and
 * on by default in 1.35, GA in 1.37 (KubernetesVersion.V1_35, V1_37).
 */
function toleranceProblems(p: PropsProblems, tolerance: unknown, version: KubernetesVersion): number | undefined {
  if (tolerance === undefined) {
    return undefined;
  }
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1) {
    p.add(`'autoscaling.tolerance' (${got(tolerance)}) must be a fraction from 0 up to (not including) 1, e.g. 0.05 for 5 %: the API server rejects a negative one, `
      + 'and from 1 on the HPA would never scale down');
    return undefined;
  }
  const on = version.isAtLeast(KubernetesVersion.V1_35) || (version.isAtLeast(KubernetesVersion.V1_33) && version.hasFeatureGate('HPAConfigurableTolerance'));
  if (!on) {
    p.add(`'autoscaling.tolerance' (${tolerance}) needs Kubernetes 1.35 or newer (beta, on by default; GA in 1.37), or 1.33-1.34 with the feature gate `
      + `HPAConfigurableTolerance, but 'kubernetesVersion' is ${version}: an API server without it drops the field. Set \`kubernetesVersion: KubernetesVersion.V1_35\` `
      + '(or newer) if your clusters run it, or remove \'autoscaling.tolerance\'');
    return undefined;
  }
  return tolerance;
}

/** Checks the autoscaling options (semantics 7.7). */
export function resolveAutoscaling(
  p: PropsProblems, a: GracefulAutoscalingOptions | undefined, replicas: unknown, version: KubernetesVersion,
): GracefulAutoscalingOptions | undefined {
  if (!p.struct('autoscaling', a, '{ maxReplicas: 10 }')) {
    return undefined;
  }
  if (replicas !== undefined) {
    p.add(`'replicas' (${got(replicas)}) must not be set with 'autoscaling': the HPA owns the replica count and GitOps syncs would reset it; `
      + 'remove \'replicas\' and use \'autoscaling.minReplicas\'');
  }
  // minReplicas ≥ 1 (HPAScaleToZero is alpha through 1.34), maxReplicas ≥ minReplicas.
  const min = p.count('autoscaling.minReplicas', a!.minReplicas, { min: 1, whyMin: 'the API server rejects 0: scaling to zero is an alpha feature' }) ?? 2;
  if (typeof a!.maxReplicas !== 'number' || !Number.isInteger(a!.maxReplicas) || a!.maxReplicas < min) {
    p.add(`'autoscaling.maxReplicas' (${got(a!.maxReplicas)}) must be a whole number of at least 'autoscaling.minReplicas' (${min}); raise maxReplicas`);
  }
  p.duration('autoscaling.scaleDownStabilization', a!.scaleDownStabilization, DURATIONS.stabilization);
  for (const direction of ['scaleUp', 'scaleDown'] as const) {
    const rules = a![direction];
    if (!p.struct(`autoscaling.${direction}`, rules, '{ stabilizationWindow: Duration.minutes(1) }')) continue;
    p.duration(`autoscaling.${direction}.stabilizationWindow`, rules!.stabilizationWindow, DURATIONS.stabilization);
    (rules!.policies ?? []).forEach((policy, i) => {
      p.duration(`autoscaling.${direction}.policies[${i}].duration`, policy.duration, DURATIONS.scalingPolicyPeriod);
      const value = (policy.replicas as any)?._toKube?.().value;
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
        p.add(`'autoscaling.${direction}.policies[${i}].replicas' (${got(value)}) must be a whole number greater than 0 (the API server rejects others); e.g. Replicas.absolute(4)`);
      }
    });
  }
  if (a!.scaleDown?.stabilizationWindow !== undefined && a!.scaleDownStabilization !== undefined) {
    p.add('\'autoscaling.scaleDownStabilization\' and \'autoscaling.scaleDown.stabilizationWindow\' are the same setting; set one');
  }
  toleranceProblems(p, a!.tolerance, version);
  p.objectName('autoscaling.name', a!.name, 'HorizontalPodAutoscaler', 'api');
  return a;
}
