// Fields the API server would reject, for every kind the rules read. Workloads collect theirs
// while their view is read (workload.ts); the other kinds are read here.

import { pdbOf } from './disruption';
import { FieldProblem, FieldReader, PORT_NUMBER, isRecord, shown } from './fields';
import { KubeObject } from './kube-object';
import { workloadOf } from './workload';
import { serviceTargetPort } from '../kubernetes/defaults';

/** IANA service name, as a named container port or targetPort must be (docs/kubernetes-semantics.md 7.5). */
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

function serviceProblems(service: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
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
  if (spec.clusterIP === 'None' && (spec.type === 'LoadBalancer' || spec.type === 'NodePort')) {
    reader.report('/spec/clusterIP', `clusterIP None (headless) with type ${spec.type}; the API server rejects it`, 'drop clusterIP: None, or use type ClusterIP');
  }
  return reader.problems;
}

function hpaProblems(hpa: KubeObject): FieldProblem[] {
  const reader = new FieldReader();
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

/** Every problem with the fields of one object that the rules read. */
export function fieldProblemsOf(obj: KubeObject): FieldProblem[] {
  switch (obj.kind) {
    case 'Service': return serviceProblems(obj);
    case 'PodDisruptionBudget': return pdbOf(obj).problems;
    case 'HorizontalPodAutoscaler': return hpaProblems(obj);
    default: return workloadOf(obj)?.problems ?? [];
  }
}
