// `graceful-k8s/timing`: the JavaScript/TypeScript entry point of the arithmetic the constructs
// and rules share (package.json "exports"): the shutdown budget, the kubelet's kill timeline, the
// RollingUpdate fenceposts and rollout plans, Kubernetes quantities. Pure functions, testable and
// usable without synthesis; the jsii API reaches them through `GracefulDeployment.shutdownBudget`
// and `rolloutPlan()`.
export * from './shutdown-budget';
export * from './rollout-plan';
export * from './stateful-set-rollout';
export * from './quantity';
