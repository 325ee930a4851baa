import { KubeObject, nameOf, namespaceOf, selectorMatches, serviceSelects, suppressionsOf, workloadOf } from './_manifest';
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

function key(obj: KubeObject): string {
  return `${obj.kind}/${namespaceOf(obj)}/${nameOf(obj)}`;
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
  const valid = objects.filter(o => o && typeof o === 'object' && typeof o.kind === 'string');
  const services = valid.filter(o => o.kind === 'Service');
  const pdbs = valid.filter(o => o.kind === 'PodDisruptionBudget');
  const hpas = valid.filter(o => o.kind === 'HorizontalPodAutoscaler');
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const suppressionList: Suppression[] = [];
  const problems: string[] = [];
  let workloadCount = 0;

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
      services: services.filter(s => namespaceOf(s) === w.namespace && serviceSelects(s, w.templateLabels)),
      pdbs: pdbs.filter(p => namespaceOf(p) === w.namespace && selectorMatches(p.spec?.selector, w.templateLabels)),
      hpas: hpas.filter(h => namespaceOf(h) === w.namespace && h.spec?.scaleTargetRef?.kind === w.kind && h.spec?.scaleTargetRef?.name === w.name),
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
        (suppressions[rule.id] !== undefined ? suppressed : findings).push(finding);
      }
    }
  }
  return { findings, suppressed, suppressions: suppressionList, problems, objectCount: valid.length, workloadCount };
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

export { key as objectKey };
