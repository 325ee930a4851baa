export * from './shutdown-budget';
export * from './rollout-plan';
export * from './kubernetes-version';
export * from './pre-stop';
export * from './rules';
export * from './check';
export * from './graceful-deployment';
export * from './graceful-service';
export { warningsOf } from './_warnings';
