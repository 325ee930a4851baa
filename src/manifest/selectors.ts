// Label selectors as the API server applies them, and an index that matches many workloads
// against many selectors without comparing every pair.

import { KubeObject, namespaceOf } from './kube-object';
import { appendTo } from './multimap';

/** Label selector semantics (matchLabels + matchExpressions), as the API server applies them. */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  const matchLabels = selector.matchLabels ?? {};
  const expressions: any[] = selector.matchExpressions ?? [];
  let anyLabel = false;
  for (const k in matchLabels) {
    anyLabel = true;
    if (labels[k] !== matchLabels[k]) {
      return false;
    }
  }
  if (!anyLabel && expressions.length === 0) {
    // An empty PDB selector selects every pod in the namespace (policy/v1).
    return true;
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
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  let any = false;
  for (const k in selector) {
    if (labels[k] !== selector[k]) return false;
    any = true;
  }
  return any;
}

/**
 * Labels a controller sets on each pod, not in the pod template: the StatefulSet controller's
 * pod name and index, the revision hashes of StatefulSets, DaemonSets and Deployments.
 */
export const CONTROLLER_POD_LABELS = new Set([
  'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'controller-revision-hash', 'pod-template-hash',
]);

/** The part of a selector a pod template can show: without the labels controllers set per pod. */
export function templateSelectorPart(selector: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k in selector) {
    if (CONTROLLER_POD_LABELS.has(k)) {
      out ??= { ...selector };
      delete out[k];
    }
  }
  return out ?? selector;
}

/**
 * Whether a Service's selector picks pods of a workload, controller-set labels included: a
 * per-pod Service (`statefulset.kubernetes.io/pod-name: redis-0`) picks one pod of StatefulSet
 * `redis`; a revision hash is taken to match (it names a template revision of the same workload).
 */
export function serviceSelectsPodsOf(
  service: KubeObject, labels: Record<string, string>, owner: { readonly kind: string; readonly name: string },
): boolean {
  const selector = service.spec?.selector;
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  let any = false;
  for (const k in selector) {
    any = true;
    const value = String(selector[k]);
    if (k === 'statefulset.kubernetes.io/pod-name') {
      if (owner.kind !== 'StatefulSet' || !value.startsWith(`${owner.name}-`) || !/^\d+$/.test(value.slice(owner.name.length + 1))) return false;
    } else if (k === 'apps.kubernetes.io/pod-index') {
      if (owner.kind !== 'StatefulSet' || !/^\d+$/.test(value)) return false;
    } else if (!CONTROLLER_POD_LABELS.has(k) && labels[k] !== value) {
      return false;
    }
  }
  return any;
}

/**
 * Objects that select pods by labels (Services, PDBs), indexed so that matching N workloads
 * against M selectors is not N × M. A selector matches only pods that carry every one of its
 * `key=value` pairs, so each selector is filed under one of its pairs — the one fewest
 * selectors share — and a workload looks up each of its own labels: every selector that may
 * match comes up exactly once, and a full match of the few candidates decides. Objects whose
 * selector cannot be filed that way (expressions, or an empty PDB selector that selects
 * everything) are scanned for every workload of their namespace.
 */
export class SelectorIndex {
  /** namespace → label key → label value → objects filed under that pair (their indexes, in input order). */
  private readonly byPair = new Map<string, Map<string, Map<string, number[]>>>();
  private readonly unindexed = new Map<string, number[]>();

  constructor(
    private readonly objects: KubeObject[],
    requiredLabels: (o: KubeObject) => Record<string, string> | undefined,
    scanAlways: (o: KubeObject) => boolean = () => false,
    /** The namespaces whose objects the selector applies to: its own, for Services and PDBs. */
    namespacesOf: (o: KubeObject) => string[] = o => [namespaceOf(o)],
  ) {
    const selectors: Array<{ index: number; namespace: string; pairs: LabelPair[] }> = [];
    const shared = new Map<string, number>();
    objects.forEach((o, index) => {
      const namespaces = namespacesOf(o);
      if (scanAlways(o)) {
        for (const namespace of namespaces) appendTo(this.unindexed, namespace, index);
        return;
      }
      const labels = requiredLabels(o);
      const pairs = labels ? Object.entries(labels).map(([key, v]) => labelPair(key, v)) : [];
      if (pairs.length === 0) {
        return; // selects nothing (a Service without selector)
      }
      for (const namespace of namespaces) selectors.push({ index, namespace, pairs });
      for (const { id } of pairs) shared.set(id, (shared.get(id) ?? 0) + 1);
    });
    for (const { index, namespace, pairs } of selectors) {
      const { key, value } = pairs.reduce((a, b) => (shared.get(b.id)! < shared.get(a.id)! ? b : a));
      let byKey = this.byPair.get(namespace);
      if (!byKey) {
        byKey = new Map();
        this.byPair.set(namespace, byKey);
      }
      let byValue = byKey.get(key);
      if (!byValue) {
        byValue = new Map();
        byKey.set(key, byValue);
      }
      appendTo(byValue, value, index);
    }
  }

  /** Objects that may select pods with these labels, in input order. */
  candidates(namespace: string, labels: Record<string, string>): KubeObject[] {
    const byPair = this.byPair.get(namespace);
    const unindexed = this.unindexed.get(namespace);
    if (!byPair && !unindexed) {
      return [];
    }
    const found: number[] = unindexed ? [...unindexed] : [];
    if (byPair) {
      // Looked up by key, then value: no `key=value` string built (and hashed) per label.
      for (const key in labels) {
        const hits = byPair.get(key)?.get(String(labels[key]));
        if (hits) {
          for (const h of hits) found.push(h);
        }
      }
    }
    // Each filed object comes up once; only several lists need putting back in input order.
    return (found.length > 1 ? found.sort((a, b) => a - b) : found).map(i => this.objects[i]);
  }
}

/** A selector's `key: value` pair, with one string for it to count how many selectors share it (a NUL never occurs in a label key). */
interface LabelPair {
  readonly key: string;
  readonly value: string;
  readonly id: string;
}

function labelPair(key: string, value: unknown): LabelPair {
  return { key, value: String(value), id: `${key}\u0000${String(value)}` };
}
