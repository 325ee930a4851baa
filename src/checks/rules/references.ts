// References that point at nothing in the input: a Service or PodDisruptionBudget selector that
// matches no pod template, an autoscaler target, a StatefulSet's governing Service, an Ingress,
// route, APIService or webhook backend (kube-linter's dangling-service and its kin). A one-letter
// typo in a selector leaves a Service without endpoints and, before these rules, silenced every
// rule on the workload it was meant for (ClusterModel.routesVisible now treats that workload's
// routing as unknown, so it is judged as serving).
//
// Judged only where the input shows the namespace (it has workloads or Services), so that
// checking one file of an install is not a flood; a selector is not judged where custom
// resources in the namespace may have an operator create the pods it matches.

import { ClusterModel, WEBHOOK_CONFIGURATION_KINDS } from '../../manifest/cluster';
import { isRecord } from '../../manifest/fields';
import { KubeObject, nameOf, namespaceOf } from '../../manifest/kube-object';
import { selectorMatches } from '../../manifest/selectors';
import { REPLICATED_KINDS } from '../../manifest/workload';
import { RawFinding, RuleContext, Severity, TimelinePhase, area } from '../rule';

/** `{app: bookng, tier: api}`, as messages show a selector. */
function selectorText(labels: Record<string, unknown>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}: ${String(v)}`).join(', ')}}`;
}

/** Whether the input shows a namespace: it has workloads (selectors and targets are judged against them). */
function namespaceInView(model: ClusterModel, namespace: string): boolean {
  return model.workloadsIn(namespace).length > 0;
}

/** A workload whose labels carry every key of the selector and differ in one value: what a typo meant. */
function nearMiss(model: ClusterModel, namespace: string, labels: Record<string, unknown>): string {
  const keys = Object.keys(labels);
  const meant = model.workloadsIn(namespace).find(w => keys.every(k => k in w.templateLabels)
    && keys.filter(k => w.templateLabels[k] !== String(labels[k])).length === 1);
  if (!meant) return '';
  const key = keys.find(k => meant.templateLabels[k] !== String(labels[k]))!;
  return ` (${meant.kind} '${meant.name}' has ${key}: ${meant.templateLabels[key]})`;
}

function danglingServiceSelector({ object, model }: RuleContext): RawFinding[] {
  const namespace = namespaceOf(object);
  if (!model.unmatchedServices().has(object) || !namespaceInView(model, namespace) || model.mayHaveOperatorPods(namespace)) return [];
  const selector = object.spec.selector as Record<string, unknown>;
  return [{
    pointer: '/spec/selector',
    message: `selector ${selectorText(selector)} matches no pod template in the input${nearMiss(model, namespace, selector)}: `
      + 'the Service has no endpoints and every connection to it is refused',
    fix: 'correct the selector to the labels of the pod template it is meant for, or remove the Service',
  }];
}

function danglingPdbSelector({ object, model }: RuleContext): RawFinding[] {
  const namespace = namespaceOf(object);
  const selector = object.spec?.selector;
  if (!isRecord(selector) || !namespaceInView(model, namespace) || model.mayHaveOperatorPods(namespace)) return [];
  if (model.workloadsIn(namespace).some(w => selectorMatches(selector, w.templateLabels))) return [];
  const labels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  return [{
    pointer: '/spec/selector',
    message: `selector ${Object.keys(labels).length > 0 ? selectorText(labels) : 'with matchExpressions'} matches no pod template in the input`
      + `${nearMiss(model, namespace, labels)}: the budget protects nothing, and the pods it was meant for have no budget`,
    fix: 'correct the selector to the pod template\'s labels',
  }];
}

function danglingScaleTarget({ object, model }: RuleContext): RawFinding[] {
  const namespace = namespaceOf(object);
  const ref = object.spec?.scaleTargetRef;
  // A ScaledObject's target kind defaults to Deployment; targets of other kinds (Argo Rollouts, custom resources) are not judged.
  const kind = isRecord(ref) ? String(ref.kind ?? (object.kind === 'ScaledObject' ? 'Deployment' : '')) : '';
  if (!isRecord(ref) || typeof ref.name !== 'string' || !REPLICATED_KINDS.includes(kind) || !namespaceInView(model, namespace)) return [];
  if (model.find(kind, namespace, ref.name)) return [];
  return [{
    pointer: '/spec/scaleTargetRef/name',
    message: `scaleTargetRef ${kind} '${ref.name}' is not in the input: nothing is autoscaled`,
    fix: `name the ${kind} the autoscaler is meant for (${model.workloadsIn(namespace).filter(w => w.kind === kind).map(w => `'${w.name}'`).slice(0, 3).join(', ') || 'none in this namespace'})`,
  }];
}

function danglingGoverningService({ object, model }: RuleContext): RawFinding[] {
  const serviceName = object.spec?.serviceName;
  const namespace = namespaceOf(object);
  if (typeof serviceName !== 'string' || serviceName === '' || !model.hasServicesIn(namespace)) return [];
  if (model.find('Service', namespace, serviceName)) return [];
  return [{
    pointer: '/spec/serviceName',
    message: `serviceName '${serviceName}' names no Service in the input: the pods' stable DNS names (${nameOf(object)}-0.${serviceName}) do not resolve`,
    fix: 'name the headless Service that governs the StatefulSet, or add it (clusterIP: None, selecting the pods)',
  }];
}

/** A backend reference of an Ingress, route, APIService or webhook configuration, with where it is. */
interface BackendRef {
  readonly namespace: string;
  readonly name: string;
  readonly pointer: string;
  readonly what: string;
  readonly consequence: string;
}

function backendRefsOf(object: KubeObject): BackendRef[] {
  const ns = namespaceOf(object);
  const out: BackendRef[] = [];
  switch (object.kind) {
    case 'Ingress': {
      const svc = object.spec?.defaultBackend?.service;
      if (isRecord(svc) && typeof svc.name === 'string') {
        out.push({ namespace: ns, name: svc.name, pointer: '/spec/defaultBackend/service/name', what: 'the default backend', consequence: 'the ingress controller answers 503' });
      }
      (Array.isArray(object.spec?.rules) ? object.spec.rules : []).forEach((rule: any, i: number) => {
        (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((path: any, j: number) => {
          const s = path?.backend?.service;
          if (isRecord(s) && typeof s.name === 'string') {
            out.push({
              namespace: ns,
              name: s.name,
              pointer: `/spec/rules/${i}/http/paths/${j}/backend/service/name`,
              what: `path ${typeof path.path === 'string' ? path.path : '/'}`,
              consequence: 'the ingress controller answers 503 for it',
            });
          }
        });
      });
      break;
    }
    case 'HTTPRoute':
    case 'GRPCRoute':
      (Array.isArray(object.spec?.rules) ? object.spec.rules : []).forEach((rule: any, i: number) => {
        (Array.isArray(rule?.backendRefs) ? rule.backendRefs : []).forEach((ref: any, j: number) => {
          if (isRecord(ref) && typeof ref.name === 'string' && (ref.kind ?? 'Service') === 'Service' && (ref.group ?? '') === '') {
            out.push({
              namespace: typeof ref.namespace === 'string' ? ref.namespace : ns,
              name: ref.name,
              pointer: `/spec/rules/${i}/backendRefs/${j}/name`,
              what: `rule ${i}'s backendRef`,
              consequence: 'the Gateway answers 500 for the rule',
            });
          }
        });
      });
      break;
    case 'APIService': {
      const s = object.spec?.service;
      if (isRecord(s) && typeof s.name === 'string' && typeof s.namespace === 'string') {
        out.push({ namespace: s.namespace, name: s.name, pointer: '/spec/service/name', what: 'the API service', consequence: `the kube-apiserver answers 503 for ${String(object.spec?.group ?? 'its group')}` });
      }
      break;
    }
    default:
      (Array.isArray(object.webhooks) ? object.webhooks : []).forEach((hook: any, i: number) => {
        const s = hook?.clientConfig?.service;
        if (isRecord(s) && typeof s.name === 'string' && typeof s.namespace === 'string') {
          out.push({
            namespace: s.namespace,
            name: s.name,
            pointer: `/webhooks/${i}/clientConfig/service/name`,
            what: `webhook '${String(hook.name)}'`,
            consequence: hook.failurePolicy === 'Ignore' ? 'the kube-apiserver skips the webhook' : 'the kube-apiserver refuses every request the webhook covers (failurePolicy Fail)',
          });
        }
      });
  }
  return out;
}

function danglingBackends({ object, model }: RuleContext): RawFinding[] {
  return backendRefsOf(object)
    .filter(ref => model.hasServicesIn(ref.namespace) || namespaceInView(model, ref.namespace))
    .filter(ref => !model.find('Service', ref.namespace, ref.name))
    .map(ref => ({
      pointer: ref.pointer,
      message: `${ref.what} sends to Service '${ref.namespace && ref.namespace !== namespaceOf(object) ? `${ref.namespace}/` : ''}${ref.name}', which is not in the input: ${ref.consequence}`,
      fix: `name the Service as it is in the input${closestService(model, ref)}, or add it`,
    }));
}

/** The Service of the namespace whose name is one edit away, as a hint. */
function closestService(model: ClusterModel, ref: BackendRef): string {
  const candidates = model.servicesIn(ref.namespace).map(nameOf);
  const close = candidates.find(n => editDistanceAtMost1(n, ref.name));
  return close ? ` (did you mean '${close}'?)` : '';
}

function editDistanceAtMost1(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) {i++;} else if (b.length > a.length) {j++;} else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

export const REFERENCE_RULES = area('references', [
  {
    id: 'GS041',
    severity: Severity.ERROR,
    title: 'Backend Service not in the input',
    rationale: 'An Ingress path, a Gateway API route rule, an APIService or an admission webhook names a Service that is not in the input (a typo or a '
      + 'rename): its traffic goes nowhere (ingress controllers answer 503, Gateways 500, the kube-apiserver 503 for an aggregated API, and a '
      + 'webhook with failurePolicy Fail blocks the requests it covers). Judged where the input holds the namespace\'s Services or workloads.',
    fix: 'name the Service as it is in the input, or add it',
    phase: TimelinePhase.ROUTING,
    kinds: ['Ingress', 'HTTPRoute', 'GRPCRoute', 'APIService', ...WEBHOOK_CONFIGURATION_KINDS],
    check: danglingBackends,
  },
  {
    id: 'GS042',
    severity: Severity.WARNING,
    title: 'Selector or reference that matches nothing in the input',
    rationale: 'A Service or PodDisruptionBudget selector that matches no pod template, an autoscaler whose scaleTargetRef is not in the input, or a '
      + 'StatefulSet whose serviceName names no Service: the Service has no endpoints (connections are refused), the budget protects nothing, '
      + 'nothing is autoscaled, the pods\' DNS names do not resolve. Usually a one-letter typo. The workload the selector was meant for is then '
      + 'judged as serving, since what routes to it is unknown. Not judged where custom resources of the namespace may have an operator create the '
      + 'matching pods, nor where the input holds none of the namespace\'s workloads (kube-linter: dangling-service).',
    fix: 'correct the selector or name to the object it is meant for',
    phase: TimelinePhase.ROUTING,
    kinds: ['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject', 'StatefulSet'],
    check: ctx => {
      switch (ctx.object.kind) {
        case 'Service': return danglingServiceSelector(ctx);
        case 'PodDisruptionBudget': return danglingPdbSelector(ctx);
        case 'StatefulSet': return danglingGoverningService(ctx);
        default: return danglingScaleTarget(ctx);
      }
    },
  },
]);
