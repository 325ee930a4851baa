// A workload (anything that runs a pod template) as the rules and the drill read it: its
// containers with their ports, probes and preStop hooks after Kubernetes' defaults, its
// shutdown numbers, and every field that the API server would reject.

import { FieldProblem, FieldReader, HOST_PORT_NUMBER, PORT_NUMBER, isRecord, shown } from './fields';
import {
  CONTAINER_DRAIN_ANNOTATION, CONTAINER_PRE_STOP_ANNOTATION, DRAIN_ANNOTATION, KubeObject, PRE_STOP_ANNOTATION, SERVES_AFTER_SIGTERM_ANNOTATION,
  nameOf, namespaceOf,
} from './kube-object';
import { PreStopView, preStopOf } from './pre-stop-hook';
import { ResolvedProbe, resolveProbe } from './probe';
import { selfDrainSeconds } from './self-drain';
import { ResolvedStrategy, strategyDefaults, strategyOf } from './strategy';
import { workloadShapeProblems } from './workload-shape';
import { DEFAULT_GRACE_SECONDS, DEPLOYMENT_DEFAULTS } from '../kubernetes/defaults';
import { IANA_SVC_NAME } from '../kubernetes/validation';
import { DEFAULT_DRAIN_SECONDS } from '../timing/shutdown-budget';

/** Kinds whose pods are meant to run until deleted. */
export const LONG_RUNNING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Pod'];
/** Kinds whose pods run to completion. */
export const BATCH_KINDS = ['Job', 'CronJob'];
/** Every kind with a pod template (or, for a bare Pod, a pod spec). */
export const WORKLOAD_KINDS = [...LONG_RUNNING_KINDS, ...BATCH_KINDS];
/** Kinds whose replicas a controller keeps and replaces. */
export const REPLICATED_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

/** A declared container port. */
export interface ContainerPortView {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostPort?: number;
}

/** Which part a container plays in its pod. */
export type ContainerRole = 'main' | 'native-sidecar' | 'mesh-proxy';

/** A container of a workload, with the facts the rules need. */
export interface ContainerView {
  readonly name: string;
  readonly index: number;
  readonly json: any;
  readonly image: string;
  readonly ports: ContainerPortView[];
  readonly readiness?: ResolvedProbe;
  readonly liveness?: ResolvedProbe;
  readonly startup?: ResolvedProbe;
  readonly preStop: PreStopView;
  /**
   * Seconds it needs after SIGTERM: its entry in the container-drain-seconds annotation, else the
   * pod's drain (drain-seconds), else DEFAULT_DRAIN_SECONDS.
   */
  readonly drainSeconds: number;
  /** Whether `drainSeconds` was declared (for this container or the pod). */
  readonly drainDeclared: boolean;
  /** Whether this container's own drain was declared (container-drain-seconds), not the pod's. */
  readonly ownDrainDeclared: boolean;
  /**
   * `main` for `containers`, `native-sidecar` for an init container with
   * `restartPolicy: Always` (spec 1.9), `mesh-proxy` for an injected proxy (istio-proxy,
   * linkerd-proxy) among `containers`.
   */
  readonly role: ContainerRole;
  /** JSON pointer of the container in the object. */
  readonly pointer: string;
}

/** A workload (anything with a pod template), normalized. */
export interface WorkloadView {
  readonly object: KubeObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Pods meant to run until deleted (not Jobs). */
  readonly longRunning: boolean;
  /**
   * A Helm test hook (`helm.sh/hook: test`): a pod `helm test` runs for seconds and deletes; it is
   * never drained, rolled or scaled, so no shutdown rule applies to it.
   */
  readonly helmTest: boolean;
  /** Object and pod template annotations (the template's win). */
  readonly annotations: Record<string, string>;
  readonly templateLabels: Record<string, string>;
  readonly podSpec: any;
  /** JSON pointer of the pod spec in the object. */
  readonly podSpecPointer: string;
  /** `containers`, including injected mesh proxies. */
  readonly containers: ContainerView[];
  /** Native sidecars: init containers with `restartPolicy: Always`. */
  readonly sidecars: ContainerView[];
  /** Every container that runs for the pod's life: `containers`, then native sidecars. */
  readonly running: ContainerView[];
  /** spec.replicas when set (undefined for DaemonSets, Jobs, Pods and when omitted). */
  readonly replicas?: number;
  /** terminationGracePeriodSeconds, default 30 (spec defaults table). */
  readonly graceSeconds: number;
  /** The pod's declared drain, default DEFAULT_DRAIN_SECONDS; a container may declare its own (`ContainerView.drainSeconds`). */
  readonly drainSeconds: number;
  /** Whether the drain came from the annotation. */
  readonly drainDeclared: boolean;
  /** Update strategy with the kind's defaults (Deployments, DaemonSets, StatefulSets). */
  readonly strategy?: ResolvedStrategy;
  readonly minReadySeconds: number;
  readonly progressDeadlineSeconds: number;
  readonly hostNetwork: boolean;
  /** Fields of the object that the API server would reject. */
  readonly problems: FieldProblem[];
}

/** Names and images of injected mesh proxies. */
const MESH_PROXY = /^(istio-proxy|linkerd-proxy)$/;

/** Where the pod template lives, per kind. */
function templateOf(obj: KubeObject, reader: FieldReader): { template: any; pointer: string; podSpecPointer: string } | undefined {
  const spec = reader.record(obj.spec, '/spec');
  if (!spec) {
    return undefined;
  }
  switch (obj.kind) {
    case 'Pod':
      return { template: { metadata: obj.metadata, spec }, pointer: '', podSpecPointer: '/spec' };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job': {
      const template = reader.record(spec.template, '/spec/template');
      return template ? { template, pointer: '/spec/template', podSpecPointer: '/spec/template/spec' } : undefined;
    }
    case 'CronJob': {
      const jobTemplate = reader.record(spec.jobTemplate, '/spec/jobTemplate');
      const jobSpec = jobTemplate ? reader.record(jobTemplate.spec, '/spec/jobTemplate/spec') : undefined;
      const template = jobSpec ? reader.record(jobSpec.template, '/spec/jobTemplate/spec/template') : undefined;
      return template ? { template, pointer: '/spec/jobTemplate/spec/template', podSpecPointer: '/spec/jobTemplate/spec/template/spec' } : undefined;
    }
    default:
      return undefined;
  }
}

function numberAnnotation(annotations: Record<string, string>, key: string, pointer: string, reader: FieldReader): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) {
    return undefined;
  }
  const text = String(raw).trim().replace(/s$/, '');
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) {
    reader.report(pointer, `annotation '${key}' is ${shown(raw)}, not a number of seconds; it is ignored`, `write the seconds as a number, e.g. '${key}: "30"'`);
    return undefined;
  }
  return Math.ceil(n);
}

/** No per-container seconds (shared, so frozen). */
const NO_SECONDS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** A JSON object of container name → seconds, from a per-container annotation. */
function secondsMapAnnotation(annotations: Record<string, string>, key: string, pointer: string, reader: FieldReader): Record<string, number> {
  const raw = annotations[key];
  if (raw === undefined) {
    return NO_SECONDS;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const out: Record<string, number> = {};
  if (!isRecord(parsed) || Object.values(parsed).some(v => typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
    reader.report(pointer, `annotation '${key}' is ${shown(raw)}, not a JSON object of container names to seconds; it is ignored`,
      `write it as JSON, e.g. '${key}: {"proxy": 30}'`);
    return out;
  }
  for (const [name, seconds] of Object.entries(parsed)) {
    out[name] = Math.ceil(seconds as number);
  }
  return out;
}

function portsOf(c: any, pointer: string, reader: FieldReader): ContainerPortView[] {
  const out: ContainerPortView[] = [];
  const ports = reader.listAt(c, 'ports', pointer);
  for (let i = 0; i < ports.length; i++) {
    const at = `${pointer}/ports/${i}`;
    const port = reader.record(ports[i], at);
    const number = port ? reader.integerAt(port, 'containerPort', at, PORT_NUMBER) : undefined;
    if (!port || number === undefined) {
      continue;
    }
    out.push({
      name: reader.stringAt(port, 'name', at),
      containerPort: number,
      protocol: reader.stringAt(port, 'protocol', at) ?? 'TCP',
      hostPort: reader.integerAt(port, 'hostPort', at, HOST_PORT_NUMBER) || undefined,
    });
  }
  return out;
}

const PROBE_INTEGER_FIELDS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold'];
const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

/** A port of a probe handler: a number 1-65535 or an IANA port name (`validatePortNumOrName`); required. */
function portOrName(value: unknown, pointer: string, reader: FieldReader): void {
  if (value === undefined || value === null) {
    reader.report(pointer, 'the probe\'s port is missing; the API server rejects it', 'name the container port or give its number');
  } else if (typeof value === 'string') {
    if (/^\d+$/.test(value)) {
      reader.report(pointer, `port is the string ${shown(value)}; the API server reads it as a port name and rejects it`, `write ${value} without quotes`);
    } else if (!IANA_SVC_NAME.test(value)) {
      reader.report(pointer, `port ${shown(value)} is not a valid port name (at most 15 lowercase letters, digits and single hyphens, with a letter)`, 'use the container port\'s name or its number');
    }
  } else {
    reader.integer(value, pointer, PORT_NUMBER);
  }
}
const NOT_NEGATIVE = { min: 0 };

/** A probe, or undefined with a problem when it has no handler (`{}` is not a probe). */
function probeOf(c: any, field: string, pointer: string, reader: FieldReader): ResolvedProbe | undefined {
  const probe = reader.recordAt(c, field, pointer);
  if (!probe) {
    return undefined;
  }
  const at = `${pointer}/${field}`;
  const handlers = PROBE_HANDLERS.filter(h => probe[h] !== undefined && probe[h] !== null);
  if (handlers.length === 0) {
    reader.report(at, `${field} has no handler (httpGet, tcpSocket, exec or grpc); it is not a probe and the API server rejects it`, `give ${field} a handler, e.g. httpGet: { path: /ready, port: 8080 }, or remove it`);
    return undefined;
  }
  if (handlers.length > 1) {
    reader.report(at, `${field} has ${handlers.length} handlers (${handlers.join(', ')}); the API server rejects a probe with more than one ("may not specify more than 1 handler type")`,
      `keep one of ${handlers.join(' or ')}`);
  }
  const exec = reader.recordAt(probe, 'exec', at);
  if (exec) reader.stringListAt(exec, 'command', `${at}/exec`);
  const grpc = reader.recordAt(probe, 'grpc', at);
  if (grpc) reader.integerAt(grpc, 'port', `${at}/grpc`, PORT_NUMBER);
  for (const h of ['httpGet', 'tcpSocket'] as const) {
    const handler = reader.recordAt(probe, h, at);
    if (handler) portOrName(handler.port, `${at}/${h}/port`, reader);
  }
  // Only negatives are rejected: 0 means the default (spec 2.1).
  for (const f of PROBE_INTEGER_FIELDS) {
    reader.integerAt(probe, f, at, NOT_NEGATIVE);
  }
  if (field !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1 && probe.successThreshold !== 0) {
    reader.report(`${at}/successThreshold`, `${field}.successThreshold is ${shown(probe.successThreshold)}; it must be 1 for liveness and startup probes`, 'set successThreshold: 1 or remove it');
  }
  return resolveProbe(probe);
}

/** The pod's declared shutdown timings, from its annotations. */
interface Declared {
  readonly preStop?: number;
  readonly servesAfterSigterm?: number;
  readonly drain?: number;
  /** Per container name, where a container differs from the pod. */
  readonly containerPreStop: Record<string, number>;
  readonly containerDrain: Record<string, number>;
}

function containerOf(
  c: any, index: number, pointer: string, role: ContainerRole, declared: Declared, reader: FieldReader,
  selfDrain?: (container: any) => number | undefined,
): ContainerView | undefined {
  const json = reader.record(c, pointer);
  if (!json) {
    return undefined;
  }
  const name = reader.stringAt(json, 'name', pointer) ?? `#${index}`;
  const image = reader.stringAt(json, 'image', pointer) ?? '';
  const drain = declared.containerDrain[name] ?? declared.drain;
  reader.stringListAt(json, 'command', pointer);
  reader.stringListAt(json, 'args', pointer);
  return {
    name,
    index,
    json,
    image,
    ports: portsOf(json, pointer, reader),
    readiness: probeOf(json, 'readinessProbe', pointer, reader),
    liveness: probeOf(json, 'livenessProbe', pointer, reader),
    startup: probeOf(json, 'startupProbe', pointer, reader),
    preStop: preStopOf(json, declared.containerPreStop[name] ?? declared.preStop, reader, pointer, declared.servesAfterSigterm ?? selfDrain?.(json)),
    drainSeconds: drain ?? DEFAULT_DRAIN_SECONDS,
    drainDeclared: drain !== undefined,
    ownDrainDeclared: declared.containerDrain[name] !== undefined,
    role: role === 'main' && (MESH_PROXY.test(name) || /\/(proxyv2|proxy|linkerd2?-proxy)(:|@|$)/.test(image)) ? 'mesh-proxy' : role,
    pointer,
  };
}

/** The shutdown annotations (seconds), read from the object's and the pod template's metadata. */
function declaredOf(annotations: Record<string, string>, annotationsAt: string, reader: FieldReader): Declared {
  return {
    preStop: numberAnnotation(annotations, PRE_STOP_ANNOTATION, annotationsAt, reader),
    drain: numberAnnotation(annotations, DRAIN_ANNOTATION, annotationsAt, reader),
    servesAfterSigterm: numberAnnotation(annotations, SERVES_AFTER_SIGTERM_ANNOTATION, annotationsAt, reader),
    containerPreStop: secondsMapAnnotation(annotations, CONTAINER_PRE_STOP_ANNOTATION, annotationsAt, reader),
    containerDrain: secondsMapAnnotation(annotations, CONTAINER_DRAIN_ANNOTATION, annotationsAt, reader),
  };
}

/** The grace period the kubelet runs: the field, its default, or 1 s for a negative value. */
function graceSecondsOf(podSpec: any, podSpecPointer: string, reader: FieldReader): number {
  const written = podSpec.terminationGracePeriodSeconds;
  if (typeof written === 'number' && written < 0) {
    // Kubernetes 1.27+ runs a negative grace as 1 s (docs/kubernetes-semantics.md 7.4).
    reader.problems.push({
      pointer: `${podSpecPointer}/terminationGracePeriodSeconds`,
      message: `terminationGracePeriodSeconds is ${written}; Kubernetes runs a negative grace period as 1s, so every container is killed at once`,
      fix: 'set it to preStop + drain + a few seconds',
    });
    return 1;
  }
  return reader.integer(written, `${podSpecPointer}/terminationGracePeriodSeconds`, { min: 0 }) ?? DEFAULT_GRACE_SECONDS;
}

/** Normalizes a workload, or returns undefined for objects without a pod template. */
/** What a workload's view may read from the rest of the input. */
export interface WorkloadContextObjects {
  /** A ConfigMap of the workload's namespace, by name (an app's own lame-duck setting may be in one). */
  readonly configMap?: (namespace: string, name: string) => KubeObject | undefined;
}

export function workloadOf(obj: KubeObject, others: WorkloadContextObjects = {}): WorkloadView | undefined {
  if (!isRecord(obj) || !WORKLOAD_KINDS.includes(String(obj.kind))) {
    return undefined;
  }
  const reader = new FieldReader();
  // The object's shape first: without a readable pod template there is no view (GS000 reports
  // the shape through `workloadShapeOf`).
  if (!workloadShapeProblems(obj, reader)) {
    return undefined;
  }
  const found = templateOf(obj, reader);
  if (!found) {
    return undefined;
  }
  const podSpec = reader.record(found.template.spec, found.podSpecPointer);
  if (!podSpec) {
    return undefined;
  }
  const templateMeta = reader.record(found.template.metadata, `${found.pointer}/metadata`) ?? {};
  const objectMeta = reader.record(obj.metadata, '/metadata') ?? {};
  const objectAnnotations = reader.stringMap(objectMeta.annotations, '/metadata/annotations');
  const templateAnnotations = found.pointer === '' ? undefined : reader.stringMap(templateMeta.annotations, `${found.pointer}/metadata/annotations`);
  // Merged only when both have some: most workloads annotate one of the two, or neither.
  const annotations: Record<string, string> = !templateAnnotations || isEmpty(templateAnnotations) ? objectAnnotations
    : isEmpty(objectAnnotations) ? templateAnnotations : { ...objectAnnotations, ...templateAnnotations };
  const declared = declaredOf(annotations, `${found.pointer}/metadata/annotations`, reader);
  const declaredDrain = declared.drain;
  const podSpecPointer = found.podSpecPointer;
  const containers: ContainerView[] = [];
  const listed = reader.listAt(podSpec, 'containers', podSpecPointer);
  const namespace = namespaceOf(obj);
  const configMap = others.configMap;
  const selfDrain = (c: any) => selfDrainSeconds(c, podSpec, name => configMap?.(namespace, name));
  for (let i = 0; i < listed.length; i++) {
    const c = containerOf(listed[i], i, `${podSpecPointer}/containers/${i}`, 'main', declared, reader, selfDrain);
    if (c) containers.push(c);
  }
  const sidecars: ContainerView[] = [];
  const init = reader.listAt(podSpec, 'initContainers', podSpecPointer);
  for (let i = 0; i < init.length; i++) {
    const c = isRecord(init[i]) && init[i].restartPolicy === 'Always'
      ? containerOf(init[i], i, `${podSpecPointer}/initContainers/${i}`, 'native-sidecar', declared, reader) : undefined;
    if (c) sidecars.push(c);
  }
  const spec = obj.spec;
  const kind = String(obj.kind);
  const replicas = kind === 'Pod' || kind === 'DaemonSet' || BATCH_KINDS.includes(kind) ? undefined : reader.integer(spec.replicas, '/spec/replicas', { min: 0 });
  const graceSeconds = graceSecondsOf(podSpec, podSpecPointer, reader);
  const strategy = strategyOf(obj);
  if (strategy) {
    readStrategy(strategy, reader);
  }
  const minReadySeconds = reader.integer(spec.minReadySeconds, '/spec/minReadySeconds', { min: 0 }) ?? DEPLOYMENT_DEFAULTS.minReadySeconds;
  const progressDeadlineSeconds = reader.integer(spec.progressDeadlineSeconds, '/spec/progressDeadlineSeconds', { min: 1 }) ?? DEPLOYMENT_DEFAULTS.progressDeadlineSeconds;
  return {
    object: obj,
    kind,
    name: nameOf(obj),
    namespace: namespaceOf(obj),
    longRunning: LONG_RUNNING_KINDS.includes(kind) && !(kind === 'Pod' && podSpec.restartPolicy !== undefined && podSpec.restartPolicy !== 'Always'),
    annotations,
    helmTest: isHelmTestHook(objectAnnotations),
    templateLabels: reader.stringMap(templateMeta.labels, `${found.pointer}/metadata/labels`),
    podSpec,
    podSpecPointer,
    containers,
    sidecars,
    running: sidecars.length > 0 ? [...containers, ...sidecars] : containers,
    replicas,
    graceSeconds,
    drainSeconds: declaredDrain ?? DEFAULT_DRAIN_SECONDS,
    drainDeclared: declaredDrain !== undefined,
    strategy: strategy && {
      ...strategy,
      // A value the API server would reject is reported; the kind's default stands in for it.
      maxSurge: reader.intOrPercent(strategy.maxSurge, `${strategy.pointer}/rollingUpdate/maxSurge`, kind === 'DaemonSet' ? { maxPercent: 100 } : {}) ?? strategyDefaults(kind).maxSurge,
      maxUnavailable: reader.intOrPercent(strategy.maxUnavailable, `${strategy.pointer}/rollingUpdate/maxUnavailable`, { maxPercent: 100 }) ?? strategyDefaults(kind).maxUnavailable,
    },
    minReadySeconds,
    progressDeadlineSeconds,
    hostNetwork: podSpec.hostNetwork === true,
    problems: dedupe(reader.problems),
  };
}

/** Helm's test hooks: `test`, and the older `test-success` / `test-failure`. */
function isHelmTestHook(annotations: Record<string, string>): boolean {
  const hook = annotations['helm.sh/hook'];
  return hook !== undefined && hook.split(',').some(h => /^\s*test(-success|-failure)?\s*$/.test(h));
}

function isEmpty(map: Record<string, unknown>): boolean {
  for (const _ in map) return false;
  return true;
}

/** Checks the strategy fields' types (their values are read by `intOrPercent` above). */
function readStrategy(strategy: ResolvedStrategy, reader: FieldReader): void {
  const field = strategy.pointer.endsWith('updateStrategy') ? 'updateStrategy' : 'strategy';
  if (!['RollingUpdate', 'Recreate', 'OnDelete'].includes(strategy.type)) {
    reader.report(`${strategy.pointer}/type`, `${field}.type is ${shown(strategy.type)}; it must be RollingUpdate, Recreate (Deployments) or OnDelete (StatefulSets, DaemonSets)`, 'use RollingUpdate');
  }
  if (strategy.type !== 'RollingUpdate') {
    return;
  }
  const zero = (v: unknown) => v === 0 || v === '0%' || v === '0';
  const at = `${strategy.pointer}/rollingUpdate`;
  if (strategy.pointer === '/spec/strategy' && zero(strategy.maxSurge) && zero(strategy.maxUnavailable)) {
    reader.report(`${at}/maxUnavailable`, 'maxSurge and maxUnavailable are both 0; the API server rejects it (a rollout could never proceed)', 'set maxSurge to 1 (or 25%) and keep maxUnavailable: 0');
  }
  if (field === 'updateStrategy' && strategy.declared.maxSurge) {
    // DaemonSets: exactly one of the two is non-zero (docs/kubernetes-semantics.md 7.3).
    if (!zero(strategy.maxSurge) && !zero(strategy.maxUnavailable)) {
      reader.report(`${at}/maxSurge`, `maxSurge ${shown(strategy.maxSurge)} with maxUnavailable ${shown(strategy.maxUnavailable)}${strategy.declared.maxUnavailable ? '' : ' (the default)'}; `
        + 'the API server accepts only one of them non-zero on a DaemonSet', 'set maxUnavailable: 0 next to maxSurge');
    }
  }
}

/** The same problem read twice (e.g. a field shared by two views) is reported once. */
function dedupe(problems: FieldProblem[]): FieldProblem[] {
  if (problems.length < 2) return problems;
  const seen = new Set<string>();
  return problems.filter(p => {
    const key = `${p.pointer}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The shape problems of a workload whose pod template cannot be read (no view can be built). */
export function workloadShapeOf(obj: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
  workloadShapeProblems(obj, reader);
  return dedupe(reader.problems);
}

/** Every container that runs for the pod's life: main containers and native sidecars. */
export function runningContainers(w: WorkloadView): ContainerView[] {
  return w.running;
}
