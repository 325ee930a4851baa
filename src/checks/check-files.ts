// The checker over manifest texts, shared by the CLI and the cdk8s validation plugin:
// parse every file, check all objects together (a Service in one file selects a Deployment
// in another, as in a cluster), and give each finding its file and line.

import { CheckOptions, CheckReport, ObjectFinding, SuppressedFinding, checkObjects } from './engine';
import { Finding, Severity } from './rule';
import { ContainerTimeline, shutdownTimeline } from './shutdown-timeline';
import { ClusterModel } from '../manifest/cluster';
import { nameOf } from '../manifest/kube-object';
import { ParseError, SourcedObject, loadManifests } from '../manifest/load';
import { lineOfPointer } from '../manifest/locate';
import { appendTo } from '../manifest/multimap';
import { ServicePortRoute, Serving, trafficOf } from '../manifest/routing';
import { WorkloadView } from '../manifest/workload';

/** A manifest text and the name to report it under. */
export interface SourceText {
  readonly file: string;
  readonly text: string;
}

/** A finding with where it is. */
export interface LocatedFinding extends Finding {
  readonly file: string;
  /** 1-based line of the offending field (or of its nearest ancestor found). */
  readonly line: number;
  /** 1-based line where the object starts. */
  readonly objectLine: number;
}

/** What routes traffic to one workload, as text (the checker's `--routes` view). */
export interface WorkloadRoutes {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly routesVisible: boolean;
  readonly containers: Array<{ readonly container: string; readonly serving: Serving; readonly routes: string[] }>;
  readonly mesh?: string;
}

/** A suppressed finding with where it is. */
export interface LocatedSuppressedFinding extends SuppressedFinding {
  readonly file: string;
  readonly line: number;
  readonly objectLine: number;
}

/** The checker's result over files. */
export interface FilesReport extends Omit<CheckReport, 'findings' | 'suppressed'> {
  readonly findings: LocatedFinding[];
  /** Findings a suppression silenced, with their reason and where they are. */
  readonly suppressed: LocatedSuppressedFinding[];
  readonly parseErrors: ParseError[];
  readonly fileCount: number;
  /** Shutdown timelines of every workload, when asked for. */
  readonly timelines: ContainerTimeline[];
  /** Traffic routes of every workload, when asked for. */
  readonly routes: WorkloadRoutes[];
}

function routeText(r: ServicePortRoute): string {
  const port = `${r.servicePort.port}${r.servicePort.name ? ` '${r.servicePort.name}'` : ''}`;
  const via = r.via.map(d => (d.kind === 'kube-proxy' || d.kind === 'headless-dns' ? d.kind : `${d.through} [${d.kind}]`)).join(', ');
  return `port ${r.containerPort}${r.declared ? '' : ' (not declared)'} <- Service '${nameOf(r.service)}' port ${port} (${r.purpose}) via ${via}`;
}

function workloadRoutes(w: WorkloadView, model: ClusterModel): WorkloadRoutes {
  const traffic = trafficOf(w, model);
  return {
    kind: w.kind,
    name: w.name,
    namespace: w.namespace,
    routesVisible: traffic.routesVisible,
    containers: traffic.containers.map(t => ({
      container: t.container.name,
      serving: t.serving,
      routes: [...t.routes.map(routeText), ...t.dataPlanes.filter(d => d.kind === 'host-port').map(d => `${d.through} (node-local)`)],
    })),
    mesh: traffic.mesh && `${traffic.mesh.kind}${traffic.mesh.native ? ' (native sidecar)' : ''}, proxy drain ${traffic.mesh.drainSeconds}s`,
  };
}

/**
 * Every workload's shutdown timeline. Each is given only its own findings, grouped once by the
 * object they are on (handing every timeline all findings made the JSON output quadratic:
 * minutes at 150,000 objects; grouping by kind and name mixed two objects of one name).
 */
function timelinesOf(sources: SourcedObject[], located: ObjectFinding[], model: ClusterModel): ContainerTimeline[] {
  const byObject = new Map<unknown, Finding[]>();
  for (const { finding, object } of located) appendTo(byObject, object, finding);
  const out: ContainerTimeline[] = [];
  for (const { object } of sources) {
    for (const t of shutdownTimeline(object, byObject.get(object) ?? [], model)) out.push(t);
  }
  return out;
}

/** Options of `checkTexts`: the engine's, and which views to build. */
export interface CheckTextsOptions extends CheckOptions {
  readonly timelines?: boolean;
  readonly routes?: boolean;
}

/** Manifest texts read into objects, each with where it came from: the first half of `checkTexts`. */
export interface LoadedTexts {
  readonly sources: SourcedObject[];
  readonly parseErrors: ParseError[];
  /** How many texts were read. */
  readonly fileCount: number;
}

/** Parses every text; a document that does not parse is a parse error, the others are kept. */
export function loadTexts(texts: SourceText[]): LoadedTexts {
  const sources: SourcedObject[] = [];
  const parseErrors: ParseError[] = [];
  for (const { file, text } of texts) {
    const loaded = loadManifests(text, file);
    // Loops, not push(...spread): 150,000 documents must not overflow the stack.
    for (const o of loaded.objects) sources.push(o);
    for (const e of loaded.errors) parseErrors.push(e);
  }
  return { sources, parseErrors, fileCount: texts.length };
}

/** Checks manifest texts: every object of every text together, each finding with its file and line. */
export function checkTexts(texts: SourceText[], options: CheckTextsOptions = {}): FilesReport {
  return checkLoaded(loadTexts(texts), options);
}

/** Checks what `loadTexts` read: `checkTexts` in two steps, for a caller with work between them. */
export function checkLoaded(loaded: LoadedTexts, options: CheckTextsOptions = {}): FilesReport {
  const { sources, parseErrors } = loaded;
  const byObject = new Map<any, SourcedObject>();
  const objects: any[] = [];
  for (const s of sources) {
    byObject.set(s.object, s);
    objects.push(s.object);
  }
  const { report, located, suppressedLocated, model } = checkObjects(objects, options);
  // Findings come object by object: the last object's source and line are nearly always the next one's.
  let lastObject: unknown;
  let source: SourcedObject | undefined;
  let objectLine = 0;
  const findings: LocatedFinding[] = located.map(({ finding, object }) => {
    if (object !== lastObject || source === undefined) {
      lastObject = object;
      source = byObject.get(object)!;
      objectLine = lineOfPointer(source, '');
    }
    // Spelled out, not spread: a spread copies through a slow generic path, 68,000 times at 150,000 objects.
    return {
      ruleId: finding.ruleId,
      severity: finding.severity,
      title: finding.title,
      kind: finding.kind,
      name: finding.name,
      namespace: finding.namespace,
      container: finding.container,
      message: finding.message,
      fix: finding.fix,
      pointer: finding.pointer,
      file: source.file,
      line: lineOfPointer(source, finding.pointer),
      objectLine,
    };
  });
  const suppressed = suppressedLocated.map(({ finding, object }) => {
    const s = byObject.get(object)!;
    return { ...finding, file: s.file, line: lineOfPointer(s, finding.pointer), objectLine: lineOfPointer(s, '') };
  });
  const timelines = options.timelines ? timelinesOf(sources, located, model) : [];
  const routes = options.routes ? model.workloads.filter(w => w.longRunning).map(w => workloadRoutes(w, model)) : [];
  return { ...report, findings, suppressed, parseErrors, fileCount: loaded.fileCount, timelines, routes };
}

/** Errors (error findings plus problems with suppressions) and warnings of a report. */
export function severityCounts(report: FilesReport): { errors: number; warnings: number } {
  const errorFindings = report.findings.filter(f => f.severity === Severity.ERROR).length;
  return { errors: errorFindings + report.problems.length, warnings: report.findings.length - errorFindings };
}
