// The checker over manifest texts, shared by the CLI and the cdk8s validation plugin:
// parse every file, check all objects together (a Service in one file selects a Deployment
// in another, as in a cluster), and give each finding its file and line.

import { ParseError, SourcedObject, lineOfPointer, loadManifests } from './_load';
import { CheckReport, checkObjects } from './check';
import { Finding, Severity } from './rules';
import { ContainerTimeline, shutdownTimeline } from './shutdown-timeline';

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

/** The checker's result over files. */
export interface FilesReport extends Omit<CheckReport, 'findings'> {
  readonly findings: LocatedFinding[];
  readonly parseErrors: ParseError[];
  readonly fileCount: number;
  /** Shutdown timelines of every workload, when asked for. */
  readonly timelines: ContainerTimeline[];
}

export function checkTexts(texts: SourceText[], options: { timelines?: boolean } = {}): FilesReport {
  const sources: SourcedObject[] = [];
  const parseErrors: ParseError[] = [];
  for (const { file, text } of texts) {
    const loaded = loadManifests(text, file);
    sources.push(...loaded.objects);
    parseErrors.push(...loaded.errors);
  }
  const byObject = new Map<any, SourcedObject>(sources.map(s => [s.object, s]));
  const { report, located } = checkObjects(sources.map(s => s.object));
  const objectLines = new Map<SourcedObject, number>();
  const findings: LocatedFinding[] = located.map(({ finding, object }) => {
    const source = byObject.get(object)!;
    let objectLine = objectLines.get(source);
    if (objectLine === undefined) {
      objectLine = lineOfPointer(source, '');
      objectLines.set(source, objectLine);
    }
    return { ...finding, file: source.file, line: lineOfPointer(source, finding.pointer), objectLine };
  });
  const timelines = options.timelines ? sources.flatMap(s => shutdownTimeline(s.object, report.findings)) : [];
  return { ...report, findings, parseErrors, fileCount: texts.length, timelines };
}

/** Errors (error findings plus problems with suppressions) and warnings of a report. */
export function severityCounts(report: FilesReport): { errors: number; warnings: number } {
  const errorFindings = report.findings.filter(f => f.severity === Severity.ERROR).length;
  return { errors: errorFindings + report.problems.length, warnings: report.findings.length - errorFindings };
}
