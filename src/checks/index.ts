// `graceful-k8s/checks`: the JS-only entry point of the rule engine (package.json "exports").
// Plain functions and constants that jsii cannot put into the construct API; TypeScript and
// JavaScript users import them from here. The jsii API ('graceful-k8s') has the classes and the
// interfaces; `npx projen api:check` guards every entry point.
export { Finding, RuleInfo, Severity, TimelinePhase } from './rule';
export * from './registry';
export * from './engine';
export * from './check-files';
export * from './suppressions';
export * from './shutdown-timeline';
export { notesOf, warningsOf } from './warnings';
