// Plain-JSON views of Kubernetes objects, as the rules read them. The rules see only
// manifests, so they judge a GracefulDeployment, Helm output and hand-written YAML alike.

import { DEFAULT_DRAIN_SECONDS } from './shutdown-budget';

/** Any Kubernetes object as JSON. */
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: any; spec?: any; [key: string]: any };

/** Annotation keys the rules read (and GracefulDeployment writes). */
export const ANNOTATION_PREFIX = 'graceful-k8s.io/';
/** Seconds the app needs after SIGTERM. Default: `DEFAULT_DRAIN_SECONDS`. */
export const DRAIN_ANNOTATION = `${ANNOTATION_PREFIX}drain-seconds`;
/** Seconds a preStop hook that is not a plain sleep (httpGet, a script) waits. */
export const PRE_STOP_ANNOTATION = `${ANNOTATION_PREFIX}prestop-seconds`;
/** JSON object of rule id → reason, e.g. `{"GS007":"batch job, downtime is fine"}`. */
export const SUPPRESS_ANNOTATION = `${ANNOTATION_PREFIX}suppress`;

/** Workload kinds that run a pod template. */
export const LONG_RUNNING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];
export const BATCH_KINDS = ['Job', 'CronJob'];

/** Probe fields after Kubernetes' defaults (spec 2.1). */
export interface ResolvedProbe {
  readonly handler: any;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export function resolveProbe(probe: any): ResolvedProbe | undefined {
  if (!probe || typeof probe !== 'object') {
    return undefined;
  }
  const { initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold, terminationGracePeriodSeconds: _ignored, ...handler } = probe;
  return {
    handler,
    initialDelaySeconds: initialDelaySeconds ?? 0,
    periodSeconds: periodSeconds ?? 10,
    timeoutSeconds: timeoutSeconds ?? 1,
    successThreshold: successThreshold ?? 1,
    failureThreshold: failureThreshold ?? 3,
  };
}

/**
 * The longest a probe lets a container take before it is declared failed:
 * initial delay + failureThreshold × period (spec 2.2).
 */
export function probeWindowSeconds(probe: ResolvedProbe): number {
  return probe.initialDelaySeconds + probe.failureThreshold * probe.periodSeconds;
}

/** What a preStop hook is and how long it keeps the container serving. */
export interface PreStopView {
  readonly kind: 'none' | 'sleep' | 'exec' | 'httpGet' | 'tcpSocket' | 'unknown';
  /** Seconds the hook waits, when known from the hook itself or declared by annotation. */
  readonly seconds?: number;
  /** True when the hook is nothing but a sleep (`sleep N`, `sh -c "sleep N"`, or the native action). */
  readonly plainSleep?: boolean;
  /** The exec command, for exec hooks. */
  readonly command?: string[];
}

const SLEEP_BINARY = /^(?:\/(?:usr\/)?bin\/)?sleep$/;
const SHELL_BINARY = /^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|ash|dash|zsh|busybox)$/;

/** Seconds of `sleep N` (N whole or decimal, optional `s`), else undefined. */
function sleepSecondsOf(words: string[]): number | undefined {
  if (words.length === 2 && SLEEP_BINARY.test(words[0])) {
    const m = /^(\d+(?:\.\d+)?)s?$/.exec(words[1]);
    return m ? Number(m[1]) : undefined;
  }
  return undefined;
}

/** Reads a preStop hook; `declaredSeconds` comes from the prestop annotation. */
export function preStopOf(container: any, declaredSeconds?: number): PreStopView {
  const hook = container?.lifecycle?.preStop;
  if (!hook || typeof hook !== 'object' || Object.keys(hook).length === 0) {
    return { kind: 'none' };
  }
  if (hook.sleep) {
    return { kind: 'sleep', seconds: Number(hook.sleep.seconds ?? 0), plainSleep: true };
  }
  if (hook.tcpSocket) {
    return { kind: 'tcpSocket', seconds: 0 };
  }
  if (hook.exec) {
    const command: string[] = (hook.exec.command ?? []).map(String);
    let seconds = sleepSecondsOf(command);
    const script = shellScriptOf(command, []);
    if (seconds === undefined && script !== undefined) {
      seconds = sleepSecondsOf(script.trim().split(/\s+/));
    }
    return { kind: 'exec', seconds: seconds ?? declaredSeconds, command, plainSleep: seconds !== undefined };
  }
  if (hook.httpGet) {
    return { kind: 'httpGet', seconds: declaredSeconds };
  }
  return { kind: 'unknown', seconds: declaredSeconds };
}

/**
 * The script a container hands to a shell with `-c`, or undefined when it runs no shell.
 * Covers `command: [sh, -c, script]` and `command: [sh], args: [-c, script]`.
 */
export function shellScriptOf(command: string[] | undefined, args: string[] | undefined): string | undefined {
  const words = [...(command ?? []), ...(args ?? [])].map(String);
  if (words.length < 3 || !SHELL_BINARY.test(words[0])) {
    return undefined;
  }
  // busybox sh -c …
  const rest = /busybox$/.test(words[0]) ? words.slice(1) : words;
  if (/busybox$/.test(words[0]) && !SHELL_BINARY.test(rest[0] ?? '')) {
    return undefined;
  }
  const c = rest.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w));
  if (c < 0 || c + 1 >= rest.length) {
    return undefined;
  }
  return rest[c + 1];
}

/**
 * True when a `sh -c` script leaves the shell as PID 1: its last command is not run with
 * `exec` (or through an init that forwards signals), so SIGTERM never reaches the app.
 */
export function scriptSwallowsSigterm(script: string): boolean {
  const statements = script
    .split(/\n|;|&&|\|\|/)
    .map(s => s.trim())
    .filter(s => s.length > 0 && !s.startsWith('#'));
  const last = statements[statements.length - 1];
  if (last === undefined) {
    return false;
  }
  // `trap … TERM` scripts handle the signal themselves.
  if (/\btrap\b[^\n]*\b(TERM|SIGTERM|15)\b/.test(script)) {
    return false;
  }
  return !/^exec\s/.test(last) && !/^(?:exec\s+)?(?:\S*\/)?(?:tini|dumb-init|catatonit)\b/.test(last);
}

/** A container of a workload, with the facts the rules need. */
export interface ContainerView {
  readonly name: string;
  readonly index: number;
  readonly json: any;
  readonly image: string;
  readonly ports: any[];
  readonly readiness?: ResolvedProbe;
  readonly liveness?: ResolvedProbe;
  readonly startup?: ResolvedProbe;
  readonly preStop: PreStopView;
  /** JSON pointer of the container in the object. */
  readonly pointer: string;
}

/** A workload (anything with a pod template), normalized. */
export interface WorkloadView {
  readonly object: KubeObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly longRunning: boolean;
  readonly annotations: Record<string, string>;
  readonly templateLabels: Record<string, string>;
  readonly podSpec: any;
  /** JSON pointer of the pod spec in the object. */
  readonly podSpecPointer: string;
  readonly containers: ContainerView[];
  /** spec.replicas when set (undefined for DaemonSets, Jobs and when omitted). */
  readonly replicas?: number;
  /** terminationGracePeriodSeconds, default 30 (spec defaults table). */
  readonly graceSeconds: number;
  /** Declared drain, default DEFAULT_DRAIN_SECONDS. */
  readonly drainSeconds: number;
  /** Whether the drain came from the annotation. */
  readonly drainDeclared: boolean;
}

export function nameOf(obj: KubeObject): string {
  return String(obj?.metadata?.name ?? '<unnamed>');
}

export function namespaceOf(obj: KubeObject): string {
  return String(obj?.metadata?.namespace ?? '');
}

function numberAnnotation(annotations: Record<string, string>, key: string): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) {
    return undefined;
  }
  const n = Number(String(raw).replace(/s$/, ''));
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Where the pod template lives, per kind. */
function templateOf(obj: KubeObject): { template: any; pointer: string } | undefined {
  switch (obj.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return obj.spec?.template ? { template: obj.spec.template, pointer: '/spec/template' } : undefined;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template
        ? { template: obj.spec.jobTemplate.spec.template, pointer: '/spec/jobTemplate/spec/template' }
        : undefined;
    default:
      return undefined;
  }
}

/** Normalizes a workload, or returns undefined for objects without a pod template. */
export function workloadOf(obj: KubeObject): WorkloadView | undefined {
  if (!obj || typeof obj !== 'object') {
    return undefined;
  }
  const found = templateOf(obj);
  if (!found || typeof found.template.spec !== 'object' || found.template.spec === null) {
    return undefined;
  }
  const podSpec = found.template.spec;
  const annotations: Record<string, string> = { ...(found.template.metadata?.annotations ?? {}), ...(obj.metadata?.annotations ?? {}) };
  const declaredPreStop = numberAnnotation(annotations, PRE_STOP_ANNOTATION);
  const declaredDrain = numberAnnotation(annotations, DRAIN_ANNOTATION);
  const podSpecPointer = `${found.pointer}/spec`;
  const containers: ContainerView[] = (Array.isArray(podSpec.containers) ? podSpec.containers : []).map((c: any, index: number) => ({
    name: String(c?.name ?? `#${index}`),
    index,
    json: c ?? {},
    image: String(c?.image ?? ''),
    ports: Array.isArray(c?.ports) ? c.ports : [],
    readiness: resolveProbe(c?.readinessProbe),
    liveness: resolveProbe(c?.livenessProbe),
    startup: resolveProbe(c?.startupProbe),
    preStop: preStopOf(c, declaredPreStop),
    pointer: `${podSpecPointer}/containers/${index}`,
  }));
  return {
    object: obj,
    kind: String(obj.kind),
    name: nameOf(obj),
    namespace: namespaceOf(obj),
    longRunning: LONG_RUNNING_KINDS.includes(String(obj.kind)),
    annotations,
    templateLabels: found.template.metadata?.labels ?? {},
    podSpec,
    podSpecPointer,
    containers,
    replicas: typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : undefined,
    graceSeconds: typeof podSpec.terminationGracePeriodSeconds === 'number' ? podSpec.terminationGracePeriodSeconds : 30,
    drainSeconds: declaredDrain ?? DEFAULT_DRAIN_SECONDS,
    drainDeclared: declaredDrain !== undefined,
  };
}

/** Label selector semantics (matchLabels + matchExpressions), as the API server applies them. */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  const matchLabels = selector.matchLabels ?? {};
  const expressions: any[] = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) {
    // An empty PDB selector selects every pod in the namespace (policy/v1).
    return true;
  }
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) {
      return false;
    }
  }
  for (const e of expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service's plain `selector` map (empty selects nothing: such Services have manual endpoints). */
export function serviceSelects(service: KubeObject, labels: Record<string, string>): boolean {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) {
    return false;
  }
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Suppressions declared on an object: rule id → reason. Bad JSON yields a problem string. */
export function suppressionsOf(obj: KubeObject): { suppressions: Record<string, string>; problem?: string } {
  const raw = obj?.metadata?.annotations?.[SUPPRESS_ANNOTATION];
  if (raw === undefined) {
    return { suppressions: {} };
  }
  try {
    const parsed = JSON.parse(String(raw));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return { suppressions: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])) };
  } catch (e) {
    return { suppressions: {}, problem: `annotation '${SUPPRESS_ANNOTATION}' must be a JSON object of rule id to reason, e.g. {"GS009":"singleton by design: leader election"}; got ${JSON.stringify(raw)}` };
  }
}
