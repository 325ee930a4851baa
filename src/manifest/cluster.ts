// The set of objects a check sees, indexed once: which Services, PodDisruptionBudgets,
// autoscalers, Ingresses and routes relate to which workload, matched as Kubernetes matches
// them (selectors within a namespace, scaleTargetRef by kind and name).

import { isRecord } from './fields';
import { KubeObject, namespaceOf, nameOf } from './kube-object';
import { appendTo } from './multimap';
import { SelectorIndex, selectorMatches, serviceSelectsPodsOf, templateSelectorPart } from './selectors';
import { WorkloadView, workloadOf } from './workload';
import { DEFAULT_HPA_MIN_REPLICAS, KEDA_DEFAULTS } from '../kubernetes/defaults';

/** Something that sets a workload's replica count: an HPA or a KEDA ScaledObject. */
export interface Scaler {
  readonly object: KubeObject;
  readonly kind: string;
  readonly name: string;
  /** Fewest replicas it scales to (a ScaledObject may scale to 0). */
  readonly minReplicas: number;
  /** Most replicas it scales to. */
  readonly maxReplicas: number;
}

/** Objects related to one workload. */
export interface WorkloadRelations {
  /** Services whose selector matches the pod template labels. */
  readonly services: KubeObject[];
  /** PodDisruptionBudgets whose selector matches the pod template labels. */
  readonly pdbs: KubeObject[];
  /** HorizontalPodAutoscalers that target the workload. */
  readonly hpas: KubeObject[];
  /** Every scaler of the workload: HPAs and KEDA ScaledObjects. */
  readonly scalers: Scaler[];
}

/** The objects of each kind, in input order, sorted in one pass (a large input has 150,000 objects). */
function groupByKind(objects: KubeObject[]): Map<string, KubeObject[]> {
  const groups = new Map<string, KubeObject[]>();
  for (const o of objects) {
    appendTo(groups, o.kind!, o);
  }
  return groups;
}

function byKind(objects: KubeObject[], groups: Map<string, KubeObject[]>, ...kinds: string[]): KubeObject[] {
  const present = kinds.filter(k => groups.has(k));
  if (present.length <= 1) return present.length === 1 ? groups.get(present[0])! : [];
  // Objects of several kinds stay in input order.
  return objects.filter(o => kinds.includes(o.kind!));
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}\n${name}`;
}

/** Options of a ClusterModel. */
export interface ClusterModelOptions {
  /** See `ClusterModel.routesComplete`. */
  readonly routesComplete?: boolean;
  /** The input's other objects (kinds no rule reads: custom resources among them), to tell where an operator may create pods. */
  readonly others?: KubeObject[];
}

/**
 * All objects of one check, with the lookups the rules need. Built once per check.
 */
export class ClusterModel {
  public readonly objects: KubeObject[];
  public readonly services: KubeObject[];
  public readonly pdbs: KubeObject[];
  public readonly hpas: KubeObject[];
  public readonly scaledObjects: KubeObject[];
  public readonly ingresses: KubeObject[];
  public readonly httpRoutes: KubeObject[];
  /** Prometheus Operator ServiceMonitors: the Service ports they name are scraped for metrics. */
  public readonly serviceMonitors: KubeObject[];
  public readonly workloads: WorkloadView[];
  /**
   * Whether the routes to pods of this namespace are all in view. When set by the caller it
   * holds everywhere; by default a namespace with at least one Service is taken as complete
   * (the checker on a whole install), one without as partial (a workload checked on its own,
   * its Service elsewhere): then declared ports count as serving.
   */
  public readonly routesComplete?: boolean;
  private readonly serviceIndex: SelectorIndex;
  private readonly pdbIndex: SelectorIndex;
  private readonly scalerIndex = new Map<string, KubeObject[]>();
  /** Objects of one kind by namespace and name, built for a kind on its first `find`. */
  private readonly byKindAndName = new Map<string, Map<string, KubeObject>>();
  private readonly objectsByKind: Map<string, KubeObject[]>;
  private readonly namespacesWithServices = new Set<string>();
  private readonly workloadByObject = new Map<KubeObject, WorkloadView>();
  private frontendIndex?: Map<string, FrontendRef[]>;
  private readonly servicesOf = new Map<WorkloadView, KubeObject[]>();
  /** Long-running workloads by the Services that select them. */
  private selectedBy?: Map<KubeObject, WorkloadView[]>;
  private readonly frontendsOfService = new Map<KubeObject, FrontendRef[]>();
  /** The default IngressClass: null once looked for and not found. */
  private defaultClass?: KubeObject | null;
  /** ServiceMonitors indexed by the namespaces and labels of the Services they select; those watching every namespace aside. */
  private monitorIndex?: { readonly index: SelectorIndex; readonly anyNamespace: KubeObject[] };
  private readonly monitorsOfService = new Map<KubeObject, KubeObject[]>();
  private unmatched?: Set<KubeObject>;
  private unmatchedNamespaces?: Set<string>;
  private workloadsByNamespace?: Map<string, WorkloadView[]>;
  private servicesByNamespace?: Map<string, KubeObject[]>;
  private configMaps?: Map<string, KubeObject>;
  private identities?: Map<string, KubeObject>;
  private duplicates?: Map<KubeObject, KubeObject>;
  private operatorNamespaces?: Set<string>;
  private readonly others: KubeObject[];

  constructor(objects: KubeObject[], options: ClusterModelOptions = {}) {
    this.objects = objects;
    this.others = options.others ?? [];
    const groups = groupByKind(objects);
    this.objectsByKind = groups;
    this.services = byKind(objects, groups, 'Service');
    this.pdbs = byKind(objects, groups, 'PodDisruptionBudget');
    this.hpas = byKind(objects, groups, 'HorizontalPodAutoscaler');
    this.scaledObjects = byKind(objects, groups, 'ScaledObject');
    this.ingresses = byKind(objects, groups, 'Ingress');
    this.httpRoutes = byKind(objects, groups, 'HTTPRoute', 'GRPCRoute');
    this.serviceMonitors = byKind(objects, groups, 'ServiceMonitor');
    this.routesComplete = options.routesComplete;
    // Filed under the labels a pod template can show; a selector of controller-set labels only (a
    // per-pod Service by pod name) is compared with every workload of its namespace.
    this.serviceIndex = new SelectorIndex(
      this.services,
      s => isRecord(s.spec?.selector) ? templateSelectorPart(s.spec.selector) as Record<string, string> : undefined,
      s => isRecord(s.spec?.selector) && Object.keys(s.spec.selector).length > 0 && Object.keys(templateSelectorPart(s.spec.selector)).length === 0,
    );
    // A PDB with expressions, or with an empty selector (which selects every pod), is scanned.
    const pdbScanned = (p: KubeObject) => (p.spec?.selector?.matchExpressions ?? []).length > 0
      || Object.keys(p.spec?.selector?.matchLabels ?? {}).length === 0;
    this.pdbIndex = new SelectorIndex(this.pdbs, p => p.spec?.selector?.matchLabels, pdbScanned);
    for (const s of [...this.hpas, ...this.scaledObjects]) {
      const ref = s.spec?.scaleTargetRef ?? {};
      // A ScaledObject's target kind defaults to Deployment.
      const k = `${namespaceOf(s)}\n${ref.kind ?? 'Deployment'}\n${ref.name}`;
      this.scalerIndex.set(k, [...(this.scalerIndex.get(k) ?? []), s]);
    }
    for (const s of this.services) {
      this.namespacesWithServices.add(namespaceOf(s));
    }
    this.workloads = [];
    // ConfigMaps are among the objects no rule checks (options.others): looked up there, indexed on first use.
    const others = { configMap: (namespace: string, name: string) => this.configMap(namespace, name) };
    for (const o of objects) {
      const w = workloadOf(o, others);
      if (w) {
        this.workloads.push(w);
        this.workloadByObject.set(o, w);
      }
    }
  }

  /**
   * Whether every route to pods of a namespace is in view: set by the caller, or a namespace with
   * Services none of which misses its pods. A Service whose selector matches no pod template (a
   * one-letter typo) was meant for some workload: which one is unknown, so none is taken as
   * unrouted.
   */
  public routesVisible(namespace: string): boolean {
    return this.routesComplete ?? (this.namespacesWithServices.has(namespace) && !this.namespacesWithUnmatchedServices().has(namespace));
  }

  /** Services with a selector that no pod template of the input matches, computed once. */
  public unmatchedServices(): ReadonlySet<KubeObject> {
    if (!this.unmatched) {
      const matched = new Set<KubeObject>();
      for (const w of this.workloads) {
        for (const s of this.servicesSelecting(w)) matched.add(s);
      }
      this.unmatched = new Set(this.services.filter(s => hasSelector(s) && !matched.has(s)));
    }
    return this.unmatched;
  }

  private namespacesWithUnmatchedServices(): ReadonlySet<string> {
    this.unmatchedNamespaces ??= new Set([...this.unmatchedServices()].map(namespaceOf));
    return this.unmatchedNamespaces;
  }

  /**
   * The first object of the input with the same API group, kind, namespace and name as this
   * one, when this one comes later: `kubectl apply` keeps only the last of them.
   */
  public earlierDuplicateOf(obj: KubeObject): KubeObject | undefined {
    if (!this.identities) {
      this.identities = new Map();
      this.duplicates = new Map();
      for (const o of this.objects) {
        const key = `${apiGroupOf(o)}\n${o.kind}\n${namespaceOf(o)}\n${nameOf(o)}`;
        const first = this.identities.get(key);
        if (first) this.duplicates.set(o, first);
        else this.identities.set(key, o);
      }
    }
    return this.duplicates!.get(obj);
  }

  /** A ConfigMap of the input, by namespace and name (from the objects no rule checks). */
  private configMap(namespace: string, name: string): KubeObject | undefined {
    if (!this.configMaps) {
      this.configMaps = new Map();
      for (const o of [...this.others, ...(this.objectsByKind.get('ConfigMap') ?? [])]) {
        if (o.kind === 'ConfigMap') this.configMaps.set(keyOf(namespaceOf(o), nameOf(o)), o);
      }
    }
    return this.configMaps.get(keyOf(namespace, name));
  }

  /** Whether the input has a Service in this namespace. */
  public hasServicesIn(namespace: string): boolean {
    return this.namespacesWithServices.has(namespace);
  }

  /** The Services of one namespace. */
  public servicesIn(namespace: string): KubeObject[] {
    if (!this.servicesByNamespace) {
      this.servicesByNamespace = new Map();
      for (const s of this.services) appendTo(this.servicesByNamespace, namespaceOf(s), s);
    }
    return this.servicesByNamespace.get(namespace) ?? [];
  }

  /** Workloads of one namespace. */
  public workloadsIn(namespace: string): WorkloadView[] {
    if (!this.workloadsByNamespace) {
      this.workloadsByNamespace = new Map();
      for (const w of this.workloads) appendTo(this.workloadsByNamespace, w.namespace, w);
    }
    return this.workloadsByNamespace.get(namespace) ?? [];
  }

  /**
   * Whether a namespace holds custom resources that an operator may turn into pods (a
   * Prometheus, a Kafka cluster): a selector that matches no pod template of the input may
   * then match the operator's pods.
   */
  public mayHaveOperatorPods(namespace: string): boolean {
    if (!this.operatorNamespaces) {
      this.operatorNamespaces = new Set(this.others.filter(o => mayCreatePods(o)).map(namespaceOf));
    }
    return this.operatorNamespaces.has(namespace);
  }

  /** The workload view of an object of this set, if it has a pod template. */
  public workloadOf(obj: KubeObject): WorkloadView | undefined {
    return this.workloadByObject.get(obj);
  }

  /** An object by kind, namespace and name. */
  public find(kind: string, namespace: string, name: string): KubeObject | undefined {
    let ofKind = this.byKindAndName.get(kind);
    if (!ofKind) {
      // Only the kinds rules look up (IngressClass, Gateway, BackendConfig, PVC, Namespace) are indexed.
      ofKind = new Map();
      for (const o of this.objectsByKind.get(kind) ?? []) {
        const k = keyOf(namespaceOf(o), nameOf(o));
        if (!ofKind.has(k)) ofKind.set(k, o);
      }
      this.byKindAndName.set(kind, ofKind);
    }
    return ofKind.get(keyOf(namespace, name));
  }

  /** The IngressClass marked default, which serves Ingresses that name no class; looked up once. */
  public defaultIngressClass(): KubeObject | undefined {
    if (this.defaultClass === undefined) {
      this.defaultClass = (this.objectsByKind.get('IngressClass') ?? [])
        .find(o => o.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true') ?? null;
    }
    return this.defaultClass ?? undefined;
  }

  /**
   * ServiceMonitors whose selector picks this Service. A monitor watches its own namespace,
   * those of `namespaceSelector.matchNames`, or all with `namespaceSelector.any`; monitors are
   * indexed by namespace and label like Services, so a Service is compared with the few that
   * may match, not with every monitor of the input.
   */
  public serviceMonitorsSelecting(service: KubeObject): KubeObject[] {
    if (!this.monitorIndex) {
      const anyNamespace = this.serviceMonitors.filter(m => m.spec?.namespaceSelector?.any === true);
      const scoped = this.serviceMonitors.filter(m => m.spec?.namespaceSelector?.any !== true);
      const matchLabelsOf = (m: KubeObject) => (isRecord(m.spec?.selector?.matchLabels) ? m.spec.selector.matchLabels : undefined);
      const index = new SelectorIndex(
        scoped,
        matchLabelsOf,
        // Expressions only, or an empty selector (every Service): compared with each Service.
        m => (Array.isArray(m.spec?.selector?.matchExpressions) && m.spec.selector.matchExpressions.length > 0)
          || Object.keys(matchLabelsOf(m) ?? {}).length === 0,
        m => {
          const names = m.spec?.namespaceSelector?.matchNames;
          return Array.isArray(names) ? [...new Set(names.filter((n: unknown): n is string => typeof n === 'string'))] : [namespaceOf(m)];
        },
      );
      this.monitorIndex = { index, anyNamespace };
    }
    let found = this.monitorsOfService.get(service);
    if (!found) {
      const labels: Record<string, string> = isRecord(service.metadata?.labels) ? service.metadata.labels : {};
      const candidates = this.monitorIndex.index.candidates(namespaceOf(service), labels);
      const all = this.monitorIndex.anyNamespace.length === 0 ? candidates : [...candidates, ...this.monitorIndex.anyNamespace];
      found = all.filter(m => selectorMatches(m.spec?.selector, labels));
      this.monitorsOfService.set(service, found);
    }
    return found;
  }

  /** Ingress paths, Gateway API route rules, APIServices and admission webhooks that send traffic to a Service. */
  public frontendRefsOf(service: KubeObject): FrontendRef[] {
    if (!this.frontendIndex) {
      this.frontendIndex = new Map();
      const index = this.frontendIndex;
      const add = (namespace: string, name: unknown, ref: FrontendRef) => {
        if (typeof name === 'string') appendTo(index, keyOf(namespace, name), ref);
      };
      for (const ingress of this.ingresses) {
        const ns = namespaceOf(ingress);
        const backends: any[] = [ingress.spec?.defaultBackend];
        for (const rule of Array.isArray(ingress.spec?.rules) ? ingress.spec.rules : []) {
          for (const path of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
            backends.push(path?.backend);
          }
        }
        for (const b of backends) {
          const svc = b?.service;
          if (isRecord(svc)) add(ns, svc.name, { object: ingress, port: svc.port?.number ?? svc.port?.name });
        }
      }
      // The kube-apiserver sends aggregated API calls (APIService) and admission reviews
      // (webhook configurations) to a Service port, 443 unless `port` says otherwise.
      for (const api of this.objectsByKind.get('APIService') ?? []) {
        const svc = api.spec?.service;
        if (isRecord(svc) && typeof svc.namespace === 'string') add(svc.namespace, svc.name, { object: api, port: typeof svc.port === 'number' ? svc.port : 443 });
      }
      for (const kind of WEBHOOK_CONFIGURATION_KINDS) {
        for (const config of this.objectsByKind.get(kind) ?? []) {
          for (const hook of Array.isArray(config.webhooks) ? config.webhooks : []) {
            const svc = hook?.clientConfig?.service;
            if (isRecord(svc) && typeof svc.namespace === 'string') add(svc.namespace, svc.name, { object: config, port: typeof svc.port === 'number' ? svc.port : 443 });
          }
        }
      }
      for (const route of this.httpRoutes) {
        for (const rule of Array.isArray(route.spec?.rules) ? route.spec.rules : []) {
          for (const ref of Array.isArray(rule?.backendRefs) ? rule.backendRefs : []) {
            if (!isRecord(ref) || (ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '') continue;
            add(typeof ref.namespace === 'string' ? ref.namespace : namespaceOf(route), ref.name, { object: route, port: ref.port });
          }
        }
      }
    }
    let refs = this.frontendsOfService.get(service);
    if (!refs) {
      refs = this.frontendIndex.get(keyOf(namespaceOf(service), nameOf(service))) ?? [];
      this.frontendsOfService.set(service, refs);
    }
    return refs;
  }

  public relationsOf(w: WorkloadView): WorkloadRelations {
    const hpas: KubeObject[] = [];
    const scalers: Scaler[] = [];
    for (const s of this.scalerIndex.get(`${w.namespace}\n${w.kind}\n${w.name}`) ?? []) {
      if (s.kind === 'HorizontalPodAutoscaler') {
        hpas.push(s);
      }
      scalers.push(scalerOf(s));
    }
    return {
      services: this.servicesSelecting(w),
      pdbs: this.pdbIndex.candidates(w.namespace, w.templateLabels).filter(p => selectorMatches(p.spec?.selector, w.templateLabels)),
      hpas,
      scalers,
    };
  }

  /** Services whose selector matches the workload's pod template labels (computed once per workload). */
  public servicesSelecting(w: WorkloadView): KubeObject[] {
    let found = this.servicesOf.get(w);
    if (!found) {
      found = this.serviceIndex.candidates(w.namespace, w.templateLabels).filter(s => serviceSelectsPodsOf(s, w.templateLabels, w));
      this.servicesOf.set(w, found);
    }
    return found;
  }

  /**
   * Workloads whose pods a Service selects: the reverse of `servicesSelecting`, which every
   * workload needs anyway, computed for all of them once (N Services against M workloads is
   * not N × M).
   */
  public workloadsSelectedBy(service: KubeObject): WorkloadView[] {
    if (!this.selectedBy) {
      this.selectedBy = new Map();
      for (const w of this.workloads) {
        if (!w.longRunning) continue;
        for (const s of this.servicesSelecting(w)) appendTo(this.selectedBy, s, w);
      }
    }
    return this.selectedBy.get(service) ?? [];
  }
}

/** The API group of an object (`apps` of `apps/v1`, '' for the core group). */
function apiGroupOf(o: KubeObject): string {
  const v = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  return v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : '';
}

/** A Service whose plain selector names at least one label (one without has manual endpoints). */
function hasSelector(service: KubeObject): boolean {
  const selector = service.spec?.selector;
  return isRecord(selector) && Object.keys(selector).length > 0;
}

/** API groups of Kubernetes itself, and of custom resources known not to create pods. */
const NO_POD_GROUPS = new Set([
  '', 'v1', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'apiregistration.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'certificates.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'gateway.networking.k8s.io', 'cert-manager.io', 'keda.sh', 'cloud.google.com', 'networking.gke.io',
  'elbv2.k8s.aws', 'security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'policy.linkerd.io', 'split.smi-spec.io',
]);
/** Kinds of the monitoring.coreos.com group that only configure (the operator's pods come from Prometheus and Alertmanager). */
const MONITORING_CONFIG_KINDS = new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'ScrapeConfig', 'AlertmanagerConfig']);

/** A custom resource an operator may turn into pods. */
function mayCreatePods(o: KubeObject): boolean {
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  if (NO_POD_GROUPS.has(group)) return false;
  return !(group === 'monitoring.coreos.com' && MONITORING_CONFIG_KINDS.has(String(o.kind)));
}

/** Admission webhook configurations: the kube-apiserver calls their Services. */
export const WEBHOOK_CONFIGURATION_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'];

/** An Ingress, route, APIService or webhook that sends traffic to a Service port (by number or name; any port when absent). */
export interface FrontendRef {
  readonly object: KubeObject;
  readonly port?: number | string;
}

/** A scaler's bounds: HPA minReplicas defaults to 1, a ScaledObject's to 0. */
export function scalerOf(s: KubeObject): Scaler {
  const spec = s.spec ?? {};
  const isHpa = s.kind === 'HorizontalPodAutoscaler';
  const min = isHpa ? spec.minReplicas : spec.minReplicaCount;
  const max = isHpa ? spec.maxReplicas : spec.maxReplicaCount;
  const minReplicas = typeof min === 'number' ? min : isHpa ? DEFAULT_HPA_MIN_REPLICAS : KEDA_DEFAULTS.minReplicaCount;
  return {
    object: s,
    kind: String(s.kind),
    name: nameOf(s),
    minReplicas,
    // An HPA's maxReplicas is required (refused when missing: GS000); a ScaledObject's defaults to 100.
    maxReplicas: typeof max === 'number' ? max : isHpa ? minReplicas : KEDA_DEFAULTS.maxReplicaCount,
  };
}
