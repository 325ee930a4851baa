// The shape of a workload object as the API server validates it, beyond single fields: the
// API version it is served under, a spec and a pod template that are maps, a selector that
// matches the template's labels, at least one container, container names present, unique and
// DNS labels, and the StatefulSet's own fields. Read for every workload, also one whose pod
// template cannot be read at all (then it is the only report: the other rules need a template).
// Sources: kubernetes/kubernetes `pkg/apis/apps/validation/validation.go`
// (`ValidateDeploymentSpec`, `ValidateStatefulSetSpec`, `ValidateDaemonSetSpec`),
// `pkg/apis/core/validation/validation.go` (`ValidatePodSpec`, `validateContainers`);
// docs/kubernetes-semantics.md 7.

import { FieldReader, IntegerOptions, isRecord, shown } from './fields';
import { KubeObject } from './kube-object';
import { labelProblems, metadataProblems } from './metadata-problems';
import { selectorMatches } from './selectors';
import { DNS1123_LABEL, POD_TEMPLATE_KINDS, STATEFUL_SET_POD_MANAGEMENT } from '../kubernetes/validation';

/** Where each workload kind keeps its pod template, and whether it has a selector (apps/v1, batch/v1 Job is generated). */
interface TemplateSpot {
  /** JSON pointer of the template. */
  readonly template: string;
  /** The same as field names, from the object down. */
  readonly path: readonly string[];
  /** The template's field path as a message names it (`spec.template`), and its pod spec's. */
  readonly templateField: string;
  readonly podSpecField: string;
  readonly labelsPointer: string;
  readonly podSpecPointer: string;
  readonly selectorRequired: boolean;
}

/** A spot with its pointers and names worked out once, not once per workload. */
function spot(template: string, selectorRequired: boolean): TemplateSpot {
  const path = template.split('/').slice(1);
  return {
    template,
    path,
    templateField: path.join('.'),
    podSpecField: `${path.join('.')}.spec`,
    labelsPointer: `${template}/metadata/labels`,
    podSpecPointer: `${template}/spec`,
    selectorRequired,
  };
}

const SPOTS: Record<string, TemplateSpot> = {
  Deployment: spot('/spec/template', true),
  StatefulSet: spot('/spec/template', true),
  DaemonSet: spot('/spec/template', true),
  ReplicaSet: spot('/spec/template', true),
  ReplicationController: spot('/spec/template', false),
  Job: spot('/spec/template', false),
  CronJob: spot('/spec/jobTemplate/spec/template', false),
};

/** The value at a path of field names. */
function at(obj: unknown, path: readonly string[]): unknown {
  let v: any = obj;
  for (let i = 0; i < path.length; i++) {
    if (!isRecord(v)) return undefined;
    v = v[path[i]];
  }
  return v;
}

/** A map that must be present: missing, null or of another type is reported. */
function requiredMap(value: unknown, pointer: string, what: string, reader: FieldReader): Record<string, any> | undefined {
  if (isRecord(value)) return value;
  reader.report(pointer, value === undefined || value === null
    ? `${what} is missing; the API server rejects the object`
    : `${what} is ${shown(value)}; it must be a map of fields`, `write ${what} as a map`);
  return undefined;
}

/** The template's labels, as the selector must match them. */
function templateLabels(template: Record<string, any>): Record<string, string> {
  const labels = template.metadata?.labels;
  return isRecord(labels) ? labels as Record<string, string> : {};
}

function selectorProblems(
  kind: string, spec: Record<string, any>, template: Record<string, any>, templatePointer: string, reader: FieldReader,
): void {
  const selector = spec.selector;
  if (kind === 'ReplicationController') {
    // v1 ReplicationController: a plain map, defaulted from the template's labels when left out.
    if (selector !== undefined && selector !== null && !isRecord(selector)) reader.record(selector, '/spec/selector');
    return;
  }
  if (selector === undefined || selector === null) {
    reader.report('/spec/selector', `spec.selector is missing; apps/v1 ${kind}s need one that matches the template's labels`,
      `add selector: { matchLabels: ${shown(templateLabels(template))} }`);
    return;
  }
  if (!isRecord(selector)) {
    reader.record(selector, '/spec/selector');
    return;
  }
  const hasLabels = isRecord(selector.matchLabels) && Object.keys(selector.matchLabels).length > 0;
  const hasExpressions = Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0;
  if (!hasLabels && !hasExpressions) {
    reader.report('/spec/selector', `spec.selector is empty; the API server rejects a ${kind} whose selector would select every pod`,
      `select the template's labels: matchLabels: ${shown(templateLabels(template))}`);
    return;
  }
  const labels = templateLabels(template);
  if (!selectorMatches(selector, labels)) {
    reader.report('/spec/selector', `spec.selector ${shown(selector.matchLabels ?? selector)} does not match the template's labels ${shown(labels)}; `
      + 'the API server rejects it ("selector does not match template labels")', `make the selector a subset of ${templatePointer}/metadata/labels`);
  }
}

const INT32: IntegerOptions = { min: 0 };

/** The pod spec's container lists, in the order the API server validates them. */
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

/**
 * Container names already found to be DNS labels: an install repeats a few (`app`, `proxy`,
 * a chart's name) on many workloads, so each is tested once. Bounded.
 */
const validContainerNames = new Set<string>();

function containerProblems(podSpec: Record<string, any>, podSpecPointer: string, reader: FieldReader): void {
  const containers = podSpec.containers;
  if (containers === undefined || containers === null || (Array.isArray(containers) && containers.length === 0)) {
    reader.report(`${podSpecPointer}/containers`, `containers is ${containers === undefined || containers === null ? 'missing' : 'empty'}; a pod needs at least one container`,
      'add a container with a name and an image');
    return;
  }
  const seen = new Map<string, string>();
  for (const list of CONTAINER_LISTS) {
    const entries = podSpec[list];
    if (!Array.isArray(entries)) continue; // reported as "must be a list" by the view's reader
    for (let i = 0; i < entries.length; i++) {
      const c = entries[i];
      if (!isRecord(c)) continue;
      const pointer = `${podSpecPointer}/${list}/${i}`;
      const name = c.name;
      if (name === undefined || name === null || name === '') {
        reader.report(pointer, `${list}[${i}] has no name; the API server rejects a container without one`, 'give it a name (a DNS label such as "app")');
        continue;
      }
      if (typeof name !== 'string') continue; // reported by the view's reader
      if (!validContainerNames.has(name)) {
        if (DNS1123_LABEL.test(name)) {
          if (validContainerNames.size < 10_000) validContainerNames.add(name);
        } else {
          reader.report(`${pointer}/name`, `container name ${shown(name)} is not a DNS label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)`,
            `rename it, e.g. ${shown(name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'app')}`);
        }
      }
      mountPathProblems(c, pointer, reader);
      const first = seen.get(name);
      if (first) {
        reader.report(`${pointer}/name`, `container name '${name}' is used twice (${first} and ${list}[${i}]); names must be unique across containers and initContainers`,
          'give each container its own name');
      } else {
        seen.set(name, `${list}[${i}]`);
      }
    }
  }
}

/** Two volumes (or claims) mounted at one path of one container: the API server rejects it (`validateVolumeMounts`). */
function mountPathProblems(c: Record<string, any>, pointer: string, reader: FieldReader): void {
  const mounts = c.volumeMounts;
  if (!Array.isArray(mounts) || mounts.length < 2) return;
  const mounted = new Map<string, string>();
  for (let j = 0; j < mounts.length; j++) {
    const m = mounts[j];
    if (!isRecord(m) || typeof m.mountPath !== 'string') continue;
    const other = mounted.get(m.mountPath);
    if (other !== undefined) {
      reader.report(`${pointer}/volumeMounts/${j}/mountPath`, `'${other}' and '${String(m.name)}' are both mounted at ${m.mountPath}; the API server rejects two mounts at one path`,
        'mount each volume at its own path');
    }
    mounted.set(m.mountPath, String(m.name));
  }
}

/** The StatefulSet's own fields (`ValidateStatefulSetSpec`, docs/kubernetes-semantics.md 7.2). */
function statefulSetProblems(spec: Record<string, any>, reader: FieldReader): void {
  if (spec.serviceName !== undefined && spec.serviceName !== null) {
    const name = reader.string(spec.serviceName, '/spec/serviceName');
    if (name !== undefined && name !== '' && !DNS1123_LABEL.test(name)) {
      reader.report('/spec/serviceName', `serviceName ${shown(name)} is not a DNS label; the API server rejects it`, 'name the governing headless Service, e.g. "db-headless"');
    }
  }
  if (spec.podManagementPolicy !== undefined && !STATEFUL_SET_POD_MANAGEMENT.includes(spec.podManagementPolicy)) {
    reader.report('/spec/podManagementPolicy', `podManagementPolicy is ${shown(spec.podManagementPolicy)}; it must be ${STATEFUL_SET_POD_MANAGEMENT.join(' or ')}`,
      'use OrderedReady (one pod at a time) or Parallel');
  }
  const rolling = isRecord(spec.updateStrategy) ? spec.updateStrategy.rollingUpdate : undefined;
  if (isRecord(rolling)) {
    reader.integer(rolling.partition, '/spec/updateStrategy/rollingUpdate/partition', INT32);
    const maxUnavailable = reader.intOrPercent(rolling.maxUnavailable, '/spec/updateStrategy/rollingUpdate/maxUnavailable', { maxPercent: 100 });
    if (maxUnavailable === 0 || maxUnavailable === '0%') {
      reader.report('/spec/updateStrategy/rollingUpdate/maxUnavailable', `maxUnavailable is ${shown(maxUnavailable)}; a StatefulSet's must be at least 1 (the API server rejects 0)`,
        'set maxUnavailable: 1, or leave it out');
    }
  } else if (rolling !== undefined && rolling !== null) {
    reader.record(rolling, '/spec/updateStrategy/rollingUpdate');
  }
  const claims = reader.list(spec.volumeClaimTemplates, '/spec/volumeClaimTemplates');
  const names = new Set<string>();
  claims.forEach((claim: unknown, i: number) => {
    const pointer = `/spec/volumeClaimTemplates/${i}`;
    const c = reader.record(claim, pointer);
    if (!c) return;
    const name = c.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      reader.report(`${pointer}/metadata`, `volumeClaimTemplates[${i}] has no metadata.name; the API server rejects it`, 'name the claim; containers mount it by that name');
      return;
    }
    if (names.has(name)) {
      reader.report(`${pointer}/metadata/name`, `claim name '${name}' is used twice in volumeClaimTemplates; the second replaces the first`, 'give each claim its own name');
    }
    names.add(name);
    const storage = c.spec?.resources?.requests?.storage;
    if (storage === 0 || storage === '0' || (typeof storage === 'string' && /^0+(\.0+)?[KMGTPE]?i?$/.test(storage))) {
      reader.report(`${pointer}/spec/resources/requests/storage`, `claim '${name}' requests ${shown(storage)} of storage; the API server requires more than 0`, 'request the size the pod needs, e.g. 10Gi');
    }
  });
}

/**
 * The problems of a workload's shape, written to `reader`. Returns whether the pod template can
 * be read (a map with a map `spec`), so the caller knows whether a view of it can be built.
 */
export function workloadShapeProblems(obj: KubeObject, reader: FieldReader): boolean {
  const kind = String(obj.kind);
  metadataProblems(obj, reader);
  if (kind === 'Pod') {
    const spec = requiredMap(obj.spec, '/spec', 'spec', reader);
    if (spec) containerProblems(spec, '/spec', reader);
    return spec !== undefined;
  }
  const where = SPOTS[kind];
  if (!where || !POD_TEMPLATE_KINDS.includes(kind)) return false;
  const spec = requiredMap(obj.spec, '/spec', 'spec', reader);
  if (!spec) return false;
  const template = requiredMap(at(obj, where.path), where.template, where.templateField, reader);
  if (kind === 'StatefulSet') statefulSetProblems(spec, reader);
  if (!template) return false;
  labelProblems(template.metadata?.labels, where.labelsPointer, reader);
  if (where.selectorRequired) selectorProblems(kind, spec, template, where.template, reader);
  const podSpec = requiredMap(template.spec, where.podSpecPointer, where.podSpecField, reader);
  if (podSpec) containerProblems(podSpec, where.podSpecPointer, reader);
  return podSpec !== undefined;
}
