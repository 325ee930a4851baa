import { ClusterModel, WorkloadRelations } from '../manifest/cluster';
import { KubeObject } from '../manifest/kube-object';
import { WorkloadTraffic } from '../manifest/routing';
import { WorkloadView } from '../manifest/workload';

/**
 * How bad a finding is.
 */
export enum Severity {
  /** Drops requests, blocks operations, or is rejected by the API server: fails synth and the CLI. */
  ERROR = 'error',
  /** Risky; reported without failing (unless asked to). */
  WARNING = 'warning',
}

/**
 * Where on a pod's life a rule's problem strikes; the shutdown timeline shows each rule at
 * its phase.
 */
export enum TimelinePhase {
  /** The object as written: the API server rejects it. */
  MANIFEST = 'manifest',
  /** Before the pod takes traffic: probes. */
  STARTUP = 'startup',
  /** Which pods a Service, Ingress or load balancer sends traffic to. */
  ROUTING = 'routing',
  /** t=0: the pod is deleted, its endpoint removal and its preStop hook start (spec 1.3). */
  DELETION = 'deletion',
  /** The preStop hook ends and the containers get SIGTERM (spec 1.4). */
  SIGTERM = 'sigterm',
  /** The grace period runs out: SIGKILL (spec 1.4, 1.5). */
  SIGKILL = 'sigkill',
  /** A rolling update replaces pods (spec 3). */
  ROLLOUT = 'rollout',
  /** Node drains and evictions (spec 6). */
  DISRUPTION = 'disruption',
  /** Autoscalers add and remove pods. */
  SCALING = 'scaling',
}

/**
 * A rule of the graceful-shutdown pack, as documented.
 */
export interface RuleInfo {
  /** Stable id, never renumbered (e.g. `GS001`). */
  readonly id: string;
  /** Severity of its findings. */
  readonly severity: Severity;
  /** One-line title. */
  readonly title: string;
  /** Why it matters, with the points of docs/kubernetes-semantics.md it rests on. */
  readonly rationale: string;
  /** The usual fix. */
  readonly fix: string;
  /** Where on the pod's life the problem strikes. */
  readonly phase: TimelinePhase;
  /** The area the rule belongs to (probes, prestop, rollout, disruption, service, traffic, manifest). */
  readonly area: string;
  /** Object kinds the rule looks at. */
  readonly kinds: string[];
}

/**
 * One problem found in one object.
 */
export interface Finding {
  /** Rule id. */
  readonly ruleId: string;
  /** Severity. */
  readonly severity: Severity;
  /** Rule title. */
  readonly title: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object ('' when unset). */
  readonly namespace: string;
  /** Container the finding is about, when it is about one. */
  readonly container?: string;
  /** What is wrong, with the numbers. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** JSON pointer of the offending field in the object. */
  readonly pointer: string;
}

/** What a rule reports before the engine adds the object's identity. */
export interface RawFinding {
  readonly message: string;
  /**
   * A severity below the rule's, for a finding that is less certain or does less harm than the
   * rule's usual case (a Job's swallowed SIGTERM loses work, not requests).
   */
  readonly severity?: Severity;
  readonly fix?: string;
  readonly container?: string;
  readonly pointer: string;
  /** The object the finding is on, when it is not the one checked (e.g. the Ingress in front). */
  readonly on?: KubeObject;
}

/** A workload and what relates to it, computed once per check. */
export interface WorkloadContext {
  readonly w: WorkloadView;
  readonly rel: WorkloadRelations;
  readonly traffic: WorkloadTraffic;
  readonly model: ClusterModel;
}

/** What a rule sees: the object, its workload view when it has a pod template, and every other object. */
export interface RuleContext {
  readonly object: KubeObject;
  readonly model: ClusterModel;
  readonly workload?: WorkloadContext;
}

/** A rule: its documentation and its check. @internal */
export interface Rule extends RuleInfo {
  readonly check: (ctx: RuleContext) => RawFinding[];
}

/** Rule fields as written in a rules file; `area` comes from the file. @internal */
export type RuleSpec = Omit<Rule, 'area' | 'check' | 'kinds'> & {
  readonly kinds: readonly string[];
  readonly check: (ctx: RuleContext) => RawFinding[];
};

/** A rule check written for workloads, with the workload check itself for the engine to call directly. @internal */
export interface WorkloadRuleCheck {
  (ctx: RuleContext): RawFinding[];
  readonly workloadCheck: (ctx: WorkloadContext) => RawFinding[];
}

/**
 * A check over workloads: skips objects without a pod template. The engine calls
 * `workloadCheck` itself, one call less per rule and workload (tens of thousands on a large
 * input, most of them while the code is cold). @internal
 */
export function onWorkload(check: (ctx: WorkloadContext) => RawFinding[]): WorkloadRuleCheck {
  return Object.assign((ctx: RuleContext) => (ctx.workload ? check(ctx.workload) : []), { workloadCheck: check });
}

/** Rules of one area. @internal */
export function area(name: string, rules: RuleSpec[]): Rule[] {
  return rules.map(r => ({ ...r, kinds: [...r.kinds], area: name }));
}
