// Runs the rule pack over a set of objects: each object is checked by the rules scoped to
// its kind, with the cluster model (every other object) in view. One object's bad field, or
// a rule that cannot read it, is reported and never stops the other objects' checks.

import { CHECKED_KINDS, RULES, RULES_BY_ID } from './registry';
import { Finding, RawFinding, Rule, RuleContext, Severity, WorkloadContext, WorkloadRuleCheck } from './rule';
import { Suppression, declaresSuppressions, suppressionProblems, suppressionsOf } from './suppressions';
import { ClusterModel, WEBHOOK_CONFIGURATION_KINDS, WorkloadRelations } from '../manifest/cluster';
import { isRecord } from '../manifest/fields';
import { KubeObject, describeObject, nameOf, namespaceOf } from '../manifest/kube-object';
import { appendTo } from '../manifest/multimap';
import { WorkloadTraffic, trafficOf } from '../manifest/routing';
import { WorkloadView } from '../manifest/workload';

/**
 * Objects of the input that no rule checked, by reason (e.g. `ConfigMap`, or
 * `kind 'deployment' (did you mean Deployment?)`).
 */
export interface SkippedObjects {
  /** Why they were skipped: their kind, or what is wrong with them. */
  readonly reason: string;
  /** How many. */
  readonly count: number;
}

/**
 * The outcome of checking a set of objects.
 */
export interface CheckReport {
  /** Findings not suppressed, in object order then rule order. */
  readonly findings: Finding[];
  /** Findings that a suppression silenced, kept for the record, each with the suppression's reason. */
  readonly suppressed: SuppressedFinding[];
  /** Suppressions that were declared, used or not. */
  readonly suppressions: Suppression[];
  /** Problems with the input itself (bad suppressions, objects without a kind), as messages; they count as errors. */
  readonly problems: string[];
  /** Number of objects looked at. */
  readonly objectCount: number;
  /** Number of workloads (objects with a pod template) checked. */
  readonly workloadCount: number;
  /** Objects no rule checked, counted by reason. */
  readonly skipped: SkippedObjects[];
  /** Objects left out by an exclusion. */
  readonly excludedCount: number;
  /**
   * Remarks that do not fail a run: a suppression that silenced nothing (stale, or its rule
   * no longer fires), a configured suppression key that matches no object.
   */
  readonly notes: string[];
}

/** A finding a suppression silenced. */
export interface SuppressedFinding extends Finding {
  /** The suppression's reason. */
  readonly reason: string;
  /** Where the suppression was declared: the object's annotation, or the configuration. */
  readonly source: 'annotation' | 'config';
}

/**
 * Objects to leave out of a check, matched by kind, namespace and name; `*` matches any
 * run of characters. Unset fields match everything.
 */
export interface ObjectExclusion {
  /** @default - any kind */
  readonly kind?: string;
  /** @default - any namespace */
  readonly namespace?: string;
  /** @default - any name */
  readonly name?: string;
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

  /**
   * Rules not to run.
   *
   * @default - every rule runs
   */
  readonly disabledRules?: string[];

  /**
   * Run only these rules.
   *
   * @default - every rule runs
   */
  readonly enabledRules?: string[];

  /**
   * Objects not to check (they still count as routes and relations of the others).
   *
   * @default - every object is checked
   */
  readonly exclude?: ObjectExclusion[];

  /**
   * Severity per rule id, over the rule's own (a team that treats GS014 as an error).
   *
   * @default - each rule's severity
   */
  readonly severities?: { [ruleId: string]: Severity };

  /**
   * Whether every route to the workloads (Services, Ingresses) is in the input. When true,
   * a container that nothing routes to is not judged as serving; when false, a declared
   * port counts as serving unless its name says metrics.
   *
   * @default - per namespace: complete when the input has a Service in it
   */
  readonly routesComplete?: boolean;
}

/** A suppressed finding with the object it is about. @internal */
export interface SuppressedObjectFinding {
  readonly finding: SuppressedFinding;
  readonly object: KubeObject;
}

/** A finding with the object it is about. @internal */
export interface ObjectFinding {
  readonly finding: Finding;
  readonly object: KubeObject;
}

/** Kinds the rules read to relate objects: used, not skipped. */
const RELATION_KINDS = new Set([
  'Ingress', 'IngressClass', 'HTTPRoute', 'GRPCRoute', 'Gateway', 'PersistentVolumeClaim', 'BackendConfig', 'ServiceMonitor', 'PodMonitor', 'ScaledObject',
  'Namespace', 'APIService', ...WEBHOOK_CONFIGURATION_KINDS,
]);

/**
 * Runs every rule over a set of Kubernetes objects (plain JSON, as in a manifest).
 *
 * Cross-object rules match as Kubernetes does: Services by their selector against the pod
 * template labels, PodDisruptionBudgets by label selector, autoscalers by scaleTargetRef,
 * Ingresses and routes by Service name and port, all within one namespace.
 */
export function checkManifests(objects: KubeObject[], options: CheckOptions = {}): CheckReport {
  return checkObjects(objects, options).report;
}

/** Rule ids that exist, or a problem naming the unknown ones. */
export function unknownRuleProblems(ids: string[] | undefined, option: string): string[] {
  const unknown = (ids ?? []).filter(id => !RULES_BY_ID.has(id));
  return unknown.length === 0 ? [] : [`${option}: unknown rule(s) ${unknown.join(', ')}; known rules are ${[...RULES_BY_ID.keys()].join(', ')}`];
}

/** `*` globs, anchored. */
function globMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  const re = new RegExp(`^${pattern.split('*').map(p => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** The namespace an object lands in when applied: its own, or `default` (Helm output without --namespace). */
function appliedNamespace(obj: KubeObject): string {
  return namespaceOf(obj) || 'default';
}

function isExcluded(obj: KubeObject, exclude: ObjectExclusion[]): boolean {
  return exclude.some(e => globMatches(e.kind, String(obj.kind))
    && (globMatches(e.namespace, namespaceOf(obj)) || globMatches(e.namespace, appliedNamespace(obj)))
    && globMatches(e.name, nameOf(obj)));
}

/** Sorts the input into objects to check, objects used as relations, and what is skipped (with why). */
let knownKinds: Map<string, string> | undefined;
/** Every kind the rules read, by its lower-case spelling (to name a miscased kind). Built once. */
function knownKindsByLowerCase(): Map<string, string> {
  knownKinds ??= new Map([...CHECKED_KINDS, ...RELATION_KINDS].map(k => [k.toLowerCase(), k]));
  return knownKinds;
}

function triage(objects: KubeObject[], problems: string[]): { valid: KubeObject[]; others: KubeObject[]; skipped: Map<string, number> } {
  const skipped = new Map<string, number>();
  const skip = (reason: string) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  const known = knownKindsByLowerCase();
  const valid: KubeObject[] = [];
  const others: KubeObject[] = [];
  for (const o of objects) {
    if (!isRecord(o)) {
      skip('documents that are not objects');
      continue;
    }
    if (typeof o.kind !== 'string' || o.kind === '') {
      problems.push(`an object named '${nameOf(o)}' has no kind; the API server rejects it. Add kind: and apiVersion:`);
      skip('objects without kind');
      continue;
    }
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '') {
      problems.push(`${describeObject(o)} has no apiVersion; the API server rejects it. Add apiVersion: (e.g. apps/v1 for a Deployment)`);
      skip(`${o.kind} without apiVersion`);
      continue;
    }
    if (CHECKED_KINDS.has(o.kind) || RELATION_KINDS.has(o.kind)) {
      valid.push(o);
      continue;
    }
    const meant = known.get(o.kind.toLowerCase());
    if (meant) {
      problems.push(`${describeObject(o)}: kind '${o.kind}' is not a Kubernetes kind (kinds are case-sensitive); did you mean '${meant}'?`);
      skip(`kind '${o.kind}' (did you mean ${meant}?)`);
      continue;
    }
    skip(o.kind);
    others.push(o);
  }
  return { valid, others, skipped };
}

/**
 * A workload and its relations and traffic, each computed when a rule first asks. A class,
 * not an object literal with getters: the literal builds its accessors again for every object.
 */
class LazyWorkloadContext implements WorkloadContext {
  private relations?: WorkloadRelations;
  private routes?: WorkloadTraffic;

  constructor(public readonly w: WorkloadView, public readonly model: ClusterModel) {}

  public get rel(): WorkloadRelations {
    return (this.relations ??= this.model.relationsOf(this.w));
  }

  public get traffic(): WorkloadTraffic {
    return (this.routes ??= trafficOf(this.w, this.model));
  }
}

/** A rule as the engine runs it: a workload rule's own check at hand, so it is called without its wrapper. */
interface RunnableRule {
  readonly rule: Rule;
  readonly workloadCheck?: (ctx: WorkloadContext) => RawFinding[];
}

/** The rules to run, by the kind they look at, and what is wrong with the lists that chose them. */
interface Selection {
  readonly byKind: Map<string, RunnableRule[]>;
  readonly problems: string[];
}
/** Selections by their enabled and disabled lists: every rule (the CLI, GracefulChecks), or one of a few a graceful workload validates with at synth. */
const selections = new Map<string, Selection>();
/** The same, by a frozen options object (a workload's at synth, src/_synth-rules.ts): no key to build per check. */
const selectionsByOptions = new WeakMap<CheckOptions, Selection>();
function selectionFor(options: CheckOptions): Selection {
  let selection = selectionsByOptions.get(options);
  if (selection) return selection;
  const key = `${options.enabledRules?.join() ?? '*'}|${options.disabledRules?.join() ?? ''}`;
  selection = selections.get(key);
  if (!selection) {
    selection = {
      byKind: selectRulesByKind(options),
      problems: [...unknownRuleProblems(options.disabledRules, 'disabled rules'), ...unknownRuleProblems(options.enabledRules, 'enabled rules')],
    };
    selections.set(key, selection);
  }
  if (Object.isFrozen(options)) selectionsByOptions.set(options, selection);
  return selection;
}

function selectRulesByKind(options: CheckOptions): Map<string, RunnableRule[]> {
  const disabled = options.disabledRules ?? [];
  const byKind = new Map<string, RunnableRule[]>();
  for (const rule of RULES) {
    if (disabled.includes(rule.id) || (options.enabledRules !== undefined && !options.enabledRules.includes(rule.id))) continue;
    const runnable: RunnableRule = { rule, workloadCheck: (rule.check as Partial<WorkloadRuleCheck>).workloadCheck };
    for (const kind of rule.kinds) appendTo(byKind, kind, runnable);
  }
  return byKind;
}

const NO_SUPPRESSIONS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_FINDINGS: RawFinding[] = Object.freeze([]) as unknown as RawFinding[];
const NO_RULES: RunnableRule[] = [];

/** One check: the findings, suppressions and problems gathered object by object. */
class CheckRun {
  public readonly problems: string[] = [];
  public readonly findings: Finding[] = [];
  public readonly suppressed: SuppressedFinding[] = [];
  public readonly suppressedLocated: SuppressedObjectFinding[] = [];
  public readonly located: ObjectFinding[] = [];
  public readonly suppressionList: Suppression[] = [];
  public excludedCount = 0;
  private readonly suppressionCache = new Map<KubeObject, Record<string, string>>();
  /** Where each object's suppressions come from (rule id → annotation or config). */
  private readonly suppressionSource = new Map<KubeObject, Record<string, 'annotation' | 'config'>>();
  /** Suppressions that silenced a finding, as `ruleId\nKind\nnamespace\nname`. */
  private readonly usedSuppressions = new Set<string>();
  /** Configured suppression keys that matched an object. */
  public readonly matchedConfigKeys = new Set<string>();
  // A finding on another object (a PDB two workloads share) may come twice.
  private readonly seenElsewhere = new Set<string>();

  constructor(private readonly model: ClusterModel, private readonly rules: Map<string, RunnableRule[]>, private readonly options: CheckOptions) {}

  /** Runs the rules of an object's kind; a rule that throws is a problem, the others still run. */
  public checkObject(obj: KubeObject): void {
    if (this.options.exclude && isExcluded(obj, this.options.exclude)) {
      this.excludedCount++;
      return;
    }
    const model = this.model;
    const w = model.workloadOf(obj);
    const ctx: RuleContext = { object: obj, model, workload: w && new LazyWorkloadContext(w, model) };
    const own = this.suppressionsFor(obj);
    // A Helm test hook runs for seconds and is never drained: only its fields (GS000) are judged.
    const workload = w?.helmTest ? undefined : ctx.workload;
    const rules = this.rules.get(obj.kind!) ?? NO_RULES;
    // Indexed loops: this one runs for every rule of every object, mostly while the code is
    // cold, where an array iterator costs calls of its own.
    for (let i = 0; i < rules.length; i++) {
      const { rule, workloadCheck } = rules[i];
      let raws: RawFinding[];
      try {
        raws = workloadCheck === undefined ? rule.check(ctx) : workload === undefined ? NO_FINDINGS : workloadCheck(workload);
      } catch (e) {
        this.problems.push(`${describeObject(obj)}: rule ${rule.id} could not read this object (${(e as Error).message}); the other rules still ran`);
        continue;
      }
      for (let j = 0; j < raws.length; j++) {
        this.record(rule, obj, own, raws[j]);
      }
    }
  }

  private record(rule: Rule, obj: KubeObject, own: Record<string, string>, raw: RawFinding): void {
    const target = raw.on ?? obj;
    const finding: Finding = {
      ruleId: rule.id,
      severity: this.options.severities?.[rule.id] ?? raw.severity ?? rule.severity,
      title: rule.title,
      kind: String(target.kind),
      name: nameOf(target),
      namespace: namespaceOf(target),
      container: raw.container,
      message: raw.message,
      fix: raw.fix ?? rule.fix,
      pointer: raw.pointer,
    };
    if (raw.on) {
      const key = `${finding.ruleId}\n${finding.kind}\n${finding.namespace}\n${finding.name}\n${finding.container}\n${finding.pointer}\n${finding.message}`;
      if (this.seenElsewhere.has(key)) return;
      this.seenElsewhere.add(key);
    }
    const holder = own[rule.id] !== undefined ? obj : target !== obj && this.suppressionsFor(target)[rule.id] !== undefined ? target : undefined;
    if (holder) {
      const suppressed: SuppressedFinding = {
        ...finding, reason: this.suppressionsFor(holder)[rule.id], source: this.suppressionSource.get(holder)?.[rule.id] ?? 'annotation',
      };
      this.usedSuppressions.add(`${rule.id}\n${holder.kind}\n${namespaceOf(holder)}\n${nameOf(holder)}`);
      this.suppressed.push(suppressed);
      this.suppressedLocated.push({ finding: suppressed, object: target });
    } else {
      this.findings.push(finding);
      this.located.push({ finding, object: target });
    }
  }

  /**
   * The configured suppressions of an object: by `Kind/namespace/name` (an object without a
   * namespace is in `default`, where it lands when applied), or by `Kind/name`.
   */
  private configuredSuppressions(obj: KubeObject): Record<string, string> {
    const configured = this.options.suppressions;
    if (!configured) return {};
    for (const key of [`${obj.kind}/${namespaceOf(obj)}/${nameOf(obj)}`, `${obj.kind}/${appliedNamespace(obj)}/${nameOf(obj)}`, `${obj.kind}/${nameOf(obj)}`]) {
      if (configured[key] !== undefined) {
        this.matchedConfigKeys.add(key);
        return configured[key];
      }
    }
    return {};
  }

  /** Suppressions that silenced nothing, for rules that ran: stale, to be removed. */
  public unusedSuppressionNotes(ranRules: ReadonlySet<string>): string[] {
    return this.suppressionList
      .filter(s => ranRules.has(s.ruleId) && !this.usedSuppressions.has(`${s.ruleId}\n${s.kind}\n${s.namespace}\n${s.name}`))
      .map(s => `suppression of ${s.ruleId} on ${s.kind} '${s.namespace ? `${s.namespace}/` : ''}${s.name}' matched no finding: the rule does not fire there; remove it`);
  }

  /** An object's suppressions (annotation and options), validated once. */
  private suppressionsFor(obj: KubeObject): Record<string, string> {
    // Most objects have none: nothing to read, validate or remember.
    if (this.options.suppressions === undefined && !declaresSuppressions(obj)) {
      return NO_SUPPRESSIONS;
    }
    let found = this.suppressionCache.get(obj);
    if (!found) {
      const annotated = suppressionsOf(obj);
      if (annotated.problem) this.problems.push(`${describeObject(obj)}: ${annotated.problem}`);
      const extra = this.configuredSuppressions(obj);
      found = { ...annotated.suppressions, ...extra };
      const sources: Record<string, 'annotation' | 'config'> = {};
      for (const id of Object.keys(annotated.suppressions)) sources[id] = 'annotation';
      for (const id of Object.keys(extra)) sources[id] = 'config';
      this.suppressionSource.set(obj, sources);
      if (Object.keys(found).length > 0) this.problems.push(...suppressionProblems(describeObject(obj), found));
      for (const [ruleId, reason] of Object.entries(found)) {
        if (!RULES_BY_ID.has(ruleId)) continue; // a problem, reported above
        this.suppressionList.push({ ruleId, reason, kind: String(obj.kind), name: nameOf(obj), namespace: namespaceOf(obj) });
      }
      this.suppressionCache.set(obj, found);
    }
    return found;
  }
}

/**
 * `checkManifests`, also telling which object each finding is about.
 *
 * @internal
 */
export function checkObjects(
  objects: KubeObject[],
  options: CheckOptions = {},
): { report: CheckReport; located: ObjectFinding[]; suppressedLocated: SuppressedObjectFinding[]; model: ClusterModel } {
  const selection = selectionFor(options);
  const problems = [...selection.problems];
  const { valid, others, skipped } = triage(objects, problems);
  const model = new ClusterModel(valid, { routesComplete: options.routesComplete, others });
  const run = new CheckRun(model, selection.byKind, options);
  for (let i = 0; i < valid.length; i++) {
    if (CHECKED_KINDS.has(valid[i].kind!)) run.checkObject(valid[i]);
  }
  const ranRules = new Set([...selection.byKind.values()].flatMap(list => list.map(r => r.rule.id)));
  const unmatchedKeys = Object.keys(options.suppressions ?? {}).filter(k => !run.matchedConfigKeys.has(k))
    .map(k => `configured suppression '${k}' matches no object of the input (keys are Kind/namespace/name or Kind/name; an object without a namespace is in 'default')`);
  const report: CheckReport = {
    findings: run.findings,
    suppressed: run.suppressed,
    suppressions: run.suppressionList,
    problems: [...problems, ...run.problems],
    objectCount: objects.length,
    workloadCount: model.workloads.length,
    skipped: [...skipped].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    excludedCount: run.excludedCount,
    notes: [...run.unusedSuppressionNotes(ranRules), ...unmatchedKeys],
  };
  return { report, located: run.located, suppressedLocated: run.suppressedLocated, model };
}

/** One line per finding: `[GS005] Deployment 'shop/web' container 'main': message. Fix: …`. */
export function formatFinding(f: Finding): string {
  const where = `${f.kind} '${f.namespace ? f.namespace + '/' : ''}${f.name}'${f.container ? ` container '${f.container}'` : ''}`;
  return `[${f.ruleId}] ${where}: ${f.message}. Fix: ${f.fix}`;
}

/** Errors of a report, as messages (problems with the input count as errors). */
export function errorMessages(report: CheckReport): string[] {
  return [...report.problems, ...report.findings.filter(f => f.severity === Severity.ERROR).map(formatFinding)];
}

/** `ConfigMap ×3, Secret ×2, …`: what was skipped, for summaries. */
export function skippedSummary(report: CheckReport): string {
  return report.skipped.map(s => `${s.reason} ×${s.count}`).join(', ');
}
