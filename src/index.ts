// `graceful-k8s`: the jsii API, the same in every language jsii publishes to. Only constructs,
// classes, enums and the interfaces they take or return are exported here, so `jsii-diff` sees
// everything a user of this entry point calls (`npx projen api:check`). The plain functions and
// constants behind them are JavaScript/TypeScript only, in their own entry points:
// `graceful-k8s/checks` (the rule engine), `graceful-k8s/timing` (the arithmetic) and
// `graceful-k8s/drill` (the rollout drill). test/package.test.ts keeps it that way.
export * from './kubernetes-version';
export * from './pre-stop';
export * from './grpc-probe';
export * from './graceful-options';
export * from './graceful-deployment';
export * from './graceful-statefulset';
export * from './graceful-daemonset';
export * from './graceful-service';
export * from './traffic-path';
export * from './gke-backend-config';
export * from './keda-scaled-object';
export * from './rainbow-release';
export * from './rainbow-deployment';
export * from './checks/graceful-checks';
export * from './checks/validation-plugin';
// Interfaces only: what the constructs and GracefulChecks take and return.
export { ShutdownBudget, ShutdownOptions } from './timing/shutdown-budget';
export { Fenceposts, RolloutPlan, RolloutPlanInput } from './timing/rollout-plan';
export { StatefulSetRolloutInput, StatefulSetRolloutPlan } from './timing/stateful-set-rollout';
export { Finding, RuleInfo, Severity, TimelinePhase } from './checks/rule';
export { CheckOptions, CheckReport, ObjectExclusion, SkippedObjects, SuppressedFinding } from './checks/engine';
export { Suppression } from './checks/suppressions';
export { ContainerTimeline, TimelineEvent } from './checks/shutdown-timeline';
