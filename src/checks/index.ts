// `graceful-k8s/checks`: the JS-only entry point of the rule engine (package.json "exports").
// Plain functions and constants that jsii cannot put into the construct API; TypeScript and
// JavaScript users import them from here. Which names stay here and which move into the jsii API
// ('graceful-k8s') is decided with the API reshape; `npx projen api:check` guards both entry points.
export { Finding, RuleInfo, Severity, TimelinePhase } from './rule';
export * from './registry';
export * from './engine';
export * from './check-files';
export * from './suppressions';
export * from './shutdown-timeline';
export { warningsOf } from './warnings';
