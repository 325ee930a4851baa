// Label selectors as the API server applies them, and an index that matches many workloads
// against many selectors without comparing every pair.

import { KubeObject, namespaceOf } from './kube-object';

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

/**
 * Objects that select pods by labels (Services, PDBs), indexed by namespace and their whole
 * required-label set, so matching N workloads against M selectors is not N × M: a selector
 * matches when it is a subset of the pod labels, so each workload looks up the subsets of
 * its own labels (2^k lookups for k labels). Objects whose selector cannot be indexed that way
 * (expressions, or an empty PDB selector that selects everything) are scanned for every
 * workload of their namespace.
 */
export class SelectorIndex {
  /** namespace → selector key → objects (their indexes, in input order). */
  private readonly byKey = new Map<string, Map<string, number[]>>();
  private readonly byNamespace = new Map<string, number[]>();
  private readonly unindexed = new Map<string, number[]>();

  constructor(
    private readonly objects: KubeObject[],
    requiredLabels: (o: KubeObject) => Record<string, string> | undefined,
    scanAlways: (o: KubeObject) => boolean = () => false,
  ) {
    objects.forEach((o, i) => {
      const ns = namespaceOf(o);
      if (scanAlways(o)) {
        push(this.unindexed, ns, i);
        return;
      }
      const labels = requiredLabels(o);
      if (!labels || Object.keys(labels).length === 0) {
        return; // selects nothing (a Service without selector)
      }
      let keys = this.byKey.get(ns);
      if (!keys) {
        keys = new Map();
        this.byKey.set(ns, keys);
      }
      push(keys, labelKey(Object.entries(labels)), i);
      push(this.byNamespace, ns, i);
    });
  }

  /** Objects that may select pods with these labels, in input order. */
  candidates(namespace: string, labels: Record<string, string>): KubeObject[] {
    const keysOfNamespace = this.byKey.get(namespace);
    const unindexed = this.unindexed.get(namespace);
    if (!keysOfNamespace && !unindexed) {
      return [];
    }
    const keys = subsetKeys(labels);
    let found: number[] = unindexed ?? [];
    let copied = false;
    const add = (hits: number[]) => {
      if (found.length === 0) {
        found = hits; // the common case: one selector matches, nothing to merge
        return;
      }
      if (!copied) {
        found = [...found];
        copied = true;
      }
      for (const h of hits) found.push(h);
    };
    if (keys === undefined) {
      add(this.byNamespace.get(namespace) ?? []);
    } else if (keysOfNamespace) {
      for (const key of keys) {
        const hits = keysOfNamespace.get(key);
        if (hits) add(hits);
      }
    }
    if (found.length === 1) {
      return [this.objects[found[0]]];
    }
    // Input order; an object scanned and also indexed may be found twice.
    return [...new Set(found)].sort((a, b) => a - b).map(i => this.objects[i]);
  }
}

/** Subset enumeration stays cheap up to this many pod labels; beyond, the namespace is scanned. */
const MAX_INDEXED_LABELS = 12;
// The keys of a pod template's label subsets, computed once per labels object (a workload is
// matched against Services and PodDisruptionBudgets alike).
const subsetKeyCache = new WeakMap<Record<string, string>, string[] | undefined>();

/**
 * The key of every non-empty subset of the labels, each its `k=v` pairs sorted and joined
 * (as `labelKey` writes a selector's key), or undefined past MAX_INDEXED_LABELS.
 */
function subsetKeys(labels: Record<string, string>): string[] | undefined {
  if (subsetKeyCache.has(labels)) {
    return subsetKeyCache.get(labels);
  }
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort();
  let keys: string[] | undefined;
  if (pairs.length <= MAX_INDEXED_LABELS) {
    // Pairs are added in sorted order, so every subset's key comes out sorted too.
    keys = [''];
    for (const pair of pairs) {
      const n = keys.length;
      for (let i = 0; i < n; i++) {
        keys.push(keys[i] === '' ? pair : `${keys[i]},${pair}`);
      }
    }
    keys.shift();
  }
  subsetKeyCache.set(labels, keys);
  return keys;
}

function labelKey(entries: Array<[string, string]>): string {
  return entries.map(([k, v]) => `${k}=${v}`).sort().join(',');
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}
