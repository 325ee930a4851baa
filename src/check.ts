import { KubeObject, namespaceOf, selectorMatches, serviceSelects, suppressionsOf, workloadOf } from './_manifest';
import { Finding, RULES, RULES_BY_ID, RuleInfo, Severity, WorkloadRelations } from './rules';

/** Shortest reason a suppression may carry, as cdk-nag requires. */
export const MIN_SUPPRESSION_REASON_LENGTH = 10;

/**
 * A rule switched off for one object, with the reason.
 */
export interface Suppression {
  /** Rule id. */
  readonly ruleId: string;
  /** Why the rule does not apply. */
  readonly reason: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object. */
  readonly namespace: string;
}

/**
 * The outcome of checking a set of objects.
 */
export interface CheckReport {
  /** Findings not suppressed, in object order then rule order. */
  readonly findings: Finding[];
  /** Findings that a suppression silenced, kept for the record. */
  readonly suppressed: Finding[];
  /** Suppressions that were declared, used or not. */
  readonly suppressions: Suppression[];
  /** Problems with the input itself (bad suppressions), as messages. */
  readonly problems: string[];
  /** Number of objects looked at. */
  readonly objectCount: number;
  /** Number of workloads (objects with a pod template) checked. */
  readonly workloadCount: number;
}

/**
 * Options for `checkManifests`.
 */
export interface CheckOptions {
  /**
   * Extra suppressions by object (`Kind/namespace/name` or `Kind/name`) → rule id → reason.
   *
   * @default - only the suppressions annotated on the objects
   */
  readonly suppressions?: { [object: string]: { [ruleId: string]: string } };
}

/** The documented rules, in id order. */
export function ruleInfos(): RuleInfo[] {
  return RULES.map(({ id, severity, title, rationale, fix }) => ({ id, severity, title, rationale, fix }));
}

/** Validates a suppression map; returns problems (unknown rule, reason too short). */
export function suppressionProblems(owner: string, suppressions: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [ruleId, reason] of Object.entries(suppressions)) {
    if (!RULES_BY_ID.has(ruleId)) {
      problems.push(`${owner}: suppression of unknown rule '${ruleId}'; known rules are ${[...RULES_BY_ID.keys()].join(', ')}`);
    } else if (reason.trim().length < MIN_SUPPRESSION_REASON_LENGTH) {
      problems.push(`${owner}: suppression of ${ruleId} needs a reason of at least ${MIN_SUPPRESSION_REASON_LENGTH} characters (got ${JSON.stringify(reason)}); say why the rule does not apply`);
    }
  }
  return problems;
}

/**
 * Runs every rule over a set of Kubernetes objects (plain JSON, as in a manifest).
 *
 * Cross-object rules match as Kubernetes does: Services by their selector against the pod
 * template labels, PodDisruptionBudgets by label selector, HPAs by scaleTargetRef, all
 * within one namespace.
 */
export function checkManifests(objects: KubeObject[], options: CheckOptions = {}): CheckReport {
  const { report } = checkObjects(objects, options);
  return report;
}

/** A finding with the object it is about. @internal */
export interface ObjectFinding {
  readonly finding: Finding;
  readonly object: KubeObject;
}

/**
 * `checkManifests`, also telling which object each finding is about.
 *
 * @internal
 */
export function checkObjects(objects: KubeObject[], options: CheckOptions = {}): { report: CheckReport; located: ObjectFinding[] } {
  const valid = objects.filter(o => o && typeof o === 'object' && typeof o.kind === 'string');
  const services = valid.filter(o => o.kind === 'Service');
  const pdbs = valid.filter(o => o.kind === 'PodDisruptionBudget');
  const hpas = valid.filter(o => o.kind === 'HorizontalPodAutoscaler');
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const located: ObjectFinding[] = [];
  const suppressionList: Suppression[] = [];
  const problems: string[] = [];
  let workloadCount = 0;
  const serviceIndex = new SelectorIndex(services, s => s.spec?.selector);
  // A PDB with expressions, or with an empty selector (which selects every pod), is scanned.
  const pdbScanned = (p: KubeObject) => (p.spec?.selector?.matchExpressions ?? []).length > 0 || Object.keys(p.spec?.selector?.matchLabels ?? {}).length === 0;
  const pdbIndex = new SelectorIndex(pdbs, p => p.spec?.selector?.matchLabels, pdbScanned);
  const hpaIndex = new Map<string, KubeObject[]>();
  for (const h of hpas) {
    const k = `${namespaceOf(h)}\n${h.spec?.scaleTargetRef?.kind}\n${h.spec?.scaleTargetRef?.name}`;
    hpaIndex.set(k, [...(hpaIndex.get(k) ?? []), h]);
  }

  for (const obj of valid) {
    const w = workloadOf(obj);
    if (!w) {
      continue;
    }
    workloadCount++;
    const owner = `${w.kind} '${w.namespace ? w.namespace + '/' : ''}${w.name}'`;
    const annotated = suppressionsOf(obj);
    if (annotated.problem) {
      problems.push(`${owner}: ${annotated.problem}`);
    }
    const extra = options.suppressions?.[`${w.kind}/${w.namespace}/${w.name}`] ?? options.suppressions?.[`${w.kind}/${w.name}`] ?? {};
    const suppressions = { ...annotated.suppressions, ...extra };
    problems.push(...suppressionProblems(owner, suppressions));
    for (const [ruleId, reason] of Object.entries(suppressions)) {
      suppressionList.push({ ruleId, reason, kind: w.kind, name: w.name, namespace: w.namespace });
    }

    const rel: WorkloadRelations = {
      services: serviceIndex.candidates(w.namespace, w.templateLabels).filter(s => serviceSelects(s, w.templateLabels)),
      pdbs: pdbIndex.candidates(w.namespace, w.templateLabels).filter(p => selectorMatches(p.spec?.selector, w.templateLabels)),
      hpas: hpaIndex.get(`${w.namespace}\n${w.kind}\n${w.name}`) ?? [],
    };
    for (const rule of RULES) {
      if (!rule.kinds.includes(w.kind)) {
        continue;
      }
      for (const raw of rule.check(w, rel)) {
        const finding: Finding = {
          ruleId: rule.id,
          severity: rule.severity,
          title: rule.title,
          kind: w.kind,
          name: w.name,
          namespace: w.namespace,
          container: raw.container,
          message: raw.message,
          fix: raw.fix ?? rule.fix,
          pointer: raw.pointer,
        };
        if (suppressions[rule.id] !== undefined) {
          suppressed.push(finding);
        } else {
          findings.push(finding);
          located.push({ finding, object: obj });
        }
      }
    }
  }
  return { report: { findings, suppressed, suppressions: suppressionList, problems, objectCount: valid.length, workloadCount }, located };
}

/**
 * Objects that select pods by labels (Services, PDBs), indexed by namespace and their whole
 * required-label set, so matching N workloads against M selectors is not N × M: a selector
 * matches when it is a subset of the pod labels, so each workload looks up the subsets of
 * its own labels (2^k lookups for k labels). Objects whose selector cannot be indexed that way
 * (expressions, or an empty PDB selector that selects everything) are scanned for every
 * workload of their namespace.
 */
class SelectorIndex {
  /** Subset enumeration stays cheap up to this many pod labels; beyond, scan the namespace. */
  private static readonly MAX_LABELS = 12;
  private readonly byKey = new Map<string, number[]>();
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
      push(this.byKey, `${ns}\n${labelKey(Object.entries(labels))}`, i);
      push(this.byNamespace, ns, i);
    });
  }

  /** Objects that may select pods with these labels, in input order. */
  candidates(namespace: string, labels: Record<string, string>): KubeObject[] {
    const found = new Set<number>(this.unindexed.get(namespace) ?? []);
    const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length > SelectorIndex.MAX_LABELS) {
      (this.byNamespace.get(namespace) ?? []).forEach(i => found.add(i));
    } else {
      let subsets: Array<Array<[string, string]>> = [[]];
      for (const entry of entries) {
        subsets = subsets.concat(subsets.map(subset => [...subset, entry]));
      }
      for (const subset of subsets.slice(1)) {
        for (const i of this.byKey.get(`${namespace}\n${labelKey(subset)}`) ?? []) {
          found.add(i);
        }
      }
    }
    return [...found].sort((a, b) => a - b).map(i => this.objects[i]);
  }
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

/** One line per finding: `[GS005] error Deployment 'web' (container 'main'): message. Fix: …`. */
export function formatFinding(f: Finding): string {
  const where = `${f.kind} '${f.namespace ? f.namespace + '/' : ''}${f.name}'${f.container ? ` container '${f.container}'` : ''}`;
  return `[${f.ruleId}] ${where}: ${f.message}. Fix: ${f.fix}`;
}

/** Errors of a report, as messages (bad suppressions count as errors). */
export function errorMessages(report: CheckReport): string[] {
  return [...report.problems, ...report.findings.filter(f => f.severity === Severity.ERROR).map(formatFinding)];
}
