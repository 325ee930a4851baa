// Fields the API server would reject, for every kind the rules read. Workloads collect theirs
// while their view is read (workload.ts); the other kinds are read here.

import { pdbOf } from './disruption';
import { FieldProblem, FieldReader, PORT_NUMBER, isRecord, shown } from './fields';
import { KubeObject } from './kube-object';
import { metadataProblems } from './metadata-problems';
import { workloadOf, workloadShapeOf } from './workload';
import { serviceTargetPort } from '../kubernetes/defaults';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, IANA_SVC_NAME, SERVICE_TYPES } from '../kubernetes/validation';


/** An IPv4 or IPv6 CIDR (`net.ParseCIDR`). */
export function isCidr(text: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return false;
  const bits = Number(m[2]);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(m[1]);
  if (v4) return v4.slice(1).every(o => Number(o) <= 255 && !/^0\d/.test(o)) && bits <= 32;
  return /^[0-9a-fA-F:.]+$/.test(m[1]) && m[1].includes(':') && (m[1].match(/::/g) ?? []).length <= 1 && bits <= 128
    && m[1].split(':').every(part => part.length <= 4 || part.includes('.'));
}

/** An Ingress rule's host: a DNS subdomain, optionally a wildcard's `*.` first (`ValidateIngressSpec`). */
function ingressProblems(ingress: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
  metadataProblems(ingress, reader);
  const rules = reader.list(ingress.spec?.rules, '/spec/rules');
  rules.forEach((rule: any, i: number) => {
    const host = isRecord(rule) ? rule.host : undefined;
    if (host === undefined) return;
    if (typeof host !== 'string' || !DNS1123_SUBDOMAIN.test(host.replace(/^\*\./, ''))) {
      reader.report(`/spec/rules/${i}/host`, `host ${shown(host)} is not a DNS name (lowercase letters, digits, '-' and '.', optionally '*.' first); the API server rejects it`,
        'write the host name, e.g. shop.example.com');
    }
  });
  return reader.problems;
}

function serviceProblems(service: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
  metadataProblems(service, reader);
  const spec = reader.recordAt(service, 'spec', '') ?? {};
  reader.stringMap(spec.selector, '/spec/selector');
  const ports = reader.listAt(spec, 'ports', '/spec');
  ports.forEach((p: any, i: number) => {
    const at = `/spec/ports/${i}`;
    const port = reader.record(p, at);
    if (!port) return;
    reader.integerAt(port, 'port', at, PORT_NUMBER);
    // Left out, 0 or "": the API server stores `port` (SetDefaults_Service): nothing to refuse.
    const target = serviceTargetPort(port.port, port.targetPort);
    if (typeof target === 'string' && target !== port.port) {
      if (/^\d+$/.test(target)) {
        reader.report(`${at}/targetPort`, `targetPort is the string ${shown(target)}; the API server reads a quoted number as a port name and rejects it`, `write ${target} without quotes`);
      } else if (!IANA_SVC_NAME.test(target)) {
        reader.report(`${at}/targetPort`, `targetPort ${shown(target)} is not a valid port name (at most 15 lowercase letters, digits and single hyphens, with a letter)`, 'use the container port\'s name or its number');
      }
    } else if (target !== port.port) {
      reader.integerAt(port, 'targetPort', at, PORT_NUMBER);
    }
    if (ports.length > 1 && port.name === undefined) {
      reader.report(`${at}`, `port ${shown(port.port)} has no name; a Service with several ports must name each`, 'add name: <protocol-ish name> to every port');
    }
  });
  const names = new Set<string>();
  const portProtocols = new Set<string>();
  ports.forEach((p: any, i: number) => {
    if (!isRecord(p)) return;
    if (typeof p.name === 'string') {
      if (!DNS1123_LABEL.test(p.name)) reader.report(`/spec/ports/${i}/name`, `port name ${shown(p.name)} is not a DNS label (lowercase letters, digits and '-')`, 'rename the port');
      if (names.has(p.name)) reader.report(`/spec/ports/${i}/name`, `port name '${p.name}' is used twice; Service port names must be unique`, 'give each port its own name');
      names.add(p.name);
    }
    const key = `${String(p.port)}/${String(p.protocol ?? 'TCP')}`;
    if (portProtocols.has(key)) reader.report(`/spec/ports/${i}/port`, `port ${key} is listed twice; the API server rejects a duplicate port and protocol`, 'remove the duplicate');
    portProtocols.add(key);
  });
  if (spec.type !== undefined && !SERVICE_TYPES.includes(spec.type)) {
    reader.report('/spec/type', `type is ${shown(spec.type)}; it must be one of ${SERVICE_TYPES.join(', ')}`, 'use ClusterIP (the default), NodePort or LoadBalancer');
  }
  reader.list(spec.loadBalancerSourceRanges, '/spec/loadBalancerSourceRanges').forEach((range: unknown, i: number) => {
    if (typeof range !== 'string' || !isCidr(range)) {
      reader.report(`/spec/loadBalancerSourceRanges/${i}`, `loadBalancerSourceRanges entry ${shown(range)} is not a CIDR; the API server rejects it`, 'write an address range such as 10.0.0.0/8 or 2001:db8::/32');
    }
  });
  if (spec.clusterIP === 'None' && (spec.type === 'LoadBalancer' || spec.type === 'NodePort')) {
    reader.report('/spec/clusterIP', `clusterIP None (headless) with type ${spec.type}; the API server rejects it`, 'drop clusterIP: None, or use type ClusterIP');
  }
  return reader.problems;
}

function hpaProblems(hpa: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
  metadataProblems(hpa, reader);
  const spec = reader.record(hpa.spec, '/spec') ?? {};
  const min = reader.integer(spec.minReplicas, '/spec/minReplicas');
  const max = reader.integer(spec.maxReplicas, '/spec/maxReplicas', { min: 1 });
  if (min !== undefined && min < 1) {
    reader.report('/spec/minReplicas', `minReplicas is ${min}; the API server requires at least 1 (0 only with the alpha HPAScaleToZero feature gate)`,
      'set minReplicas to 2 (one replica leaves nothing serving during a drain), or scale to zero with KEDA');
  }
  if (min !== undefined && max !== undefined && max < min) {
    reader.report('/spec/maxReplicas', `maxReplicas (${max}) is less than minReplicas (${min}); the API server rejects it`, `raise maxReplicas to at least ${min}`);
  }
  if (!isRecord(spec.scaleTargetRef)) {
    reader.report('/spec/scaleTargetRef', 'scaleTargetRef is missing; the autoscaler targets nothing', 'set scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: … }');
  }
  return reader.problems;
}

function pdbProblems(pdb: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
  metadataProblems(pdb, reader);
  return [...reader.problems, ...pdbOf(pdb).problems];
}

/** Every problem with the fields of one object that the rules read. */
export function fieldProblemsOf(obj: KubeObject): FieldProblem[] {
  switch (obj.kind) {
    case 'Service': return serviceProblems(obj);
    case 'PodDisruptionBudget': return pdbProblems(obj);
    case 'Ingress': return ingressProblems(obj);
    case 'HorizontalPodAutoscaler': return hpaProblems(obj);
    default: return workloadOf(obj)?.problems ?? workloadShapeOf(obj);
  }
}
