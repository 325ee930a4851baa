// The checker over manifest texts, shared by the CLI and the cdk8s validation plugin:
// parse every file, check all objects together (a Service in one file selects a Deployment
// in another, as in a cluster), and give each finding its file and line.

import { ParseError, SourcedObject, loadManifests } from '../manifest/load';
import { lineOfPointer } from '../manifest/locate';
import { ContainerTimeline, shutdownTimeline } from './shutdown-timeline';
import { CheckOptions, CheckReport, checkObjects } from './engine';
import { Finding, Severity } from './rule';

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

/** Options of `checkTexts`: the engine's, and whether to build timelines. */
export interface CheckTextsOptions extends CheckOptions {
  readonly timelines?: boolean;
}

export function checkTexts(texts: SourceText[], options: CheckTextsOptions = {}): FilesReport {
  const sources: SourcedObject[] = [];
  const parseErrors: ParseError[] = [];
  for (const { file, text } of texts) {
    const loaded = loadManifests(text, file);
    // Loops, not push(...spread): 150,000 documents must not overflow the stack.
    for (const o of loaded.objects) sources.push(o);
    for (const e of loaded.errors) parseErrors.push(e);
  }
  const byObject = new Map<any, SourcedObject>(sources.map(s => [s.object, s]));
  const { report, located, model } = checkObjects(sources.map(s => s.object), options);
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
  const timelines = options.timelines ? sources.flatMap(s => shutdownTimeline(s.object, report.findings, model)) : [];
  return { ...report, findings, parseErrors, fileCount: texts.length, timelines };
}

/** Errors (error findings plus problems with suppressions) and warnings of a report. */
export function severityCounts(report: FilesReport): { errors: number; warnings: number } {
  const errorFindings = report.findings.filter(f => f.severity === Severity.ERROR).length;
  return { errors: errorFindings + report.problems.length, warnings: report.findings.length - errorFindings };
}
