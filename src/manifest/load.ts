// Reads multi-document YAML/JSON manifests for the checker. Documents are split on their
// `---` lines and parsed one by one with js-yaml, so a parse error names its file and line
// and does not lose the other documents. Line numbers of findings are found afterwards
// (locate.ts), only for the findings there are: no slow position-tracking parse.

import { load as loadYaml } from 'js-yaml';

/** One parsed object with where it came from. */
export interface SourcedObject {
  readonly object: any;
  readonly file: string;
  /** 1-based line of the document's first line in the file. */
  readonly line: number;
  /** Source text of the document (YAML only), for locating fields on demand. */
  readonly text?: string;
  /** Pointer prefix when the object is an item of a `kind: List`. */
  readonly listPointer?: string;
}

/** A document that could not be parsed. */
export interface ParseError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

// A document separator (`---`, optionally followed by content) or end marker (`...`).
const BOUNDARY = /^(?:---(?=[ \t]|\r?$)|\.\.\.[ \t]*\r?$)[^\n]*$/gm;

function pushObject(out: SourcedObject[], value: any, file: string, line: number, text?: string): void {
  if (value === null || value === undefined || typeof value !== 'object') {
    return;
  }
  if (Array.isArray(value)) {
    // A JSON array of objects: positions inside are not tracked (the document line is used).
    value.forEach(v => pushObject(out, v, file, line));
    return;
  }
  // `kubectl get -o yaml` wraps objects in a List.
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item: any, i: number) => {
      if (item && typeof item === 'object') {
        out.push({ object: item, file, line, text, listPointer: `/items/${i}` });
      }
    });
    return;
  }
  out.push({ object: value, file, line, text });
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
    n++;
  }
  return n;
}

/**
 * Parses every document of a manifest text.
 */
export function loadManifests(text: string, file: string): { objects: SourcedObject[]; errors: ParseError[] } {
  const objects: SourcedObject[] = [];
  const errors: ParseError[] = [];
  const trimmed = text.trimStart();
  if (file.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      pushObject(objects, JSON.parse(text), file, 1 + countNewlines(text, 0, text.length - trimmed.length));
      return { objects, errors };
    } catch {
      // Not JSON after all (YAML flow style, or broken JSON): js-yaml reports the line.
    }
  }
  let start = 0;
  let line = 1; // line number of `start`
  const flush = (end: number) => {
    const doc = text.slice(start, end);
    if (/^[ \t]*[^\s#]/m.test(doc)) {
      try {
        pushObject(objects, loadYaml(doc, { filename: file }), file, line, doc);
      } catch (e: any) {
        errors.push({ file, line: line + (e?.mark?.line ?? 0), message: String(e?.reason ?? e?.message ?? e).split('\n')[0] });
      }
    }
  };
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(text); m; m = BOUNDARY.exec(text)) {
    flush(m.index);
    line += countNewlines(text, start, m.index);
    const rest = m[0].startsWith('---') ? m[0].slice(3).trim() : '';
    if (rest !== '' && !rest.startsWith('#')) {
      // `--- {inline}` or `--- |`: the content starts on the separator line.
      start = m.index + 3;
    } else {
      start = Math.min(text.length, m.index + m[0].length + 1);
      line += 1;
    }
  }
  flush(text.length);
  return { objects, errors };
}
