// Reads multi-document YAML/JSON manifests for the checker. Documents are split on their
// `---` lines and parsed one by one with js-yaml, so a parse error names its file and line
// and does not lose the other documents. Line numbers of findings are found afterwards
// (locate.ts), only for the findings there are: no slow position-tracking parse.

import * as jsYaml from 'js-yaml';
import { FAILSAFE_SCHEMA, LoadOptions, Type, load as loadYaml, loadAll as loadAllYaml } from 'js-yaml';

// js-yaml exports its built-in types as `types`; @types/js-yaml does not declare it.
const yamlTypes = (jsYaml as unknown as { types: Record<'merge' | 'timestamp' | 'binary' | 'omap' | 'pairs' | 'set', Type> }).types;

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

/**
 * Most nodes a document may expand to through YAML aliases. An alias is a reference, so a
 * small text can describe an exponentially large value (a "billion laughs" bomb); well-kept
 * parsers cap alias expansion (the `yaml` package at 100 aliases), and so do we, by the size
 * the value would have once expanded. A large real manifest has tens of thousands of nodes.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

/** Nodes a value would have with every alias expanded, counted without expanding (memoized by identity). */
export function expandedNodeCount(root: unknown, limit = MAX_EXPANDED_NODES): number {
  type Frame = { node: object; children: unknown[]; i: number; total: number };
  const memo = new Map<object, number>();
  const onStack = new Set<object>();
  const stack: Frame[] = [];
  // The size of a leaf or a counted node, or undefined after pushing a node still to count.
  const sizeOrPush = (v: unknown): number | undefined => {
    if (v === null || typeof v !== 'object') return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    if (onStack.has(v)) return Infinity; // a cycle expands forever
    onStack.add(v);
    stack.push({ node: v, children: Array.isArray(v) ? v : Object.values(v), i: 0, total: 1 });
    return undefined;
  };
  const first = sizeOrPush(root);
  if (first !== undefined) return first;
  // Iterative, so a deeply nested value cannot overflow the stack here.
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.i < frame.children.length) {
      const size = sizeOrPush(frame.children[frame.i++]);
      if (size !== undefined && (frame.total += size) > limit) return frame.total;
      continue;
    }
    stack.pop();
    onStack.delete(frame.node);
    memo.set(frame.node, frame.total);
    const parent = stack[stack.length - 1];
    if (!parent) return frame.total;
    if ((parent.total += frame.total) > limit) return parent.total;
  }
  return 1;
}

/**
 * How kubectl and the API server read plain scalars: YAML 1.1 as go-yaml v2 resolves it
 * (sigs.k8s.io/yaml, `gopkg.in/yaml.v2` resolve.go), not js-yaml's YAML 1.2 core schema.
 * - booleans: y, Y, yes, Yes, YES, on, On, ON, true, True, TRUE, and their opposites n, no, off,
 *   false (so `publishNotReadyAddresses: yes` is true);
 * - nulls: ~, null, Null, NULL and the empty scalar;
 * - integers: underscores dropped, then Go's `strconv.ParseInt(s, 0, 64)`: `0x1A` hex, `0o32`
 *   and a leading `0` octal (`terminationGracePeriodSeconds: 032` is 26), `0b101` binary;
 * - floats: `1.5`, `1e3`, `.inf`, `-.Inf`, `.nan`; a decimal that is no valid integer (`08`) is
 *   a float. No sexagesimal numbers (go-yaml v2 dropped them) and no implicit timestamps: an
 *   unquoted `2024-05-01` stays the string kubectl sends.
 * Merge keys (`<<`) stay, as kubectl honours them; `!!timestamp`, `!!binary`, `!!set` and
 * friends still read when a document tags a value explicitly.
 */
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
const YAML11_NULL = new Set(['~', 'null', 'Null', 'NULL', '']);
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOATS: Record<string, number> = {
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
};

/**
 * Whether a plain scalar may be a number: it starts with a digit, a sign or a dot (go-yaml's
 * resolve table). Nearly every scalar of a manifest is a word, told apart by one character.
 */
function mayBeNumber(text: string): boolean {
  const c = text.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46; // 0-9 + - .
}

/**
 * Whether a plain scalar may be a null or a boolean of YAML11_NULL/TRUE/FALSE: empty, at most 5
 * characters, starting with one of ~ n N y Y o O t T f F. Most keys and words are told apart here,
 * without hashing the string for a set lookup.
 */
function mayBeNullOrBool(text: string): boolean {
  if (text.length === 0) return true;
  if (text.length > 5) return false;
  switch (text.charCodeAt(0)) {
    case 126: // ~
    case 110: case 78: // n N
    case 121: case 89: // y Y
    case 111: case 79: // o O
    case 116: case 84: // t T
    case 102: case 70: // f F
      return true;
    default:
      return false;
  }
}

/** A plain scalar as Go's ParseInt with base 0 reads it, after dropping underscores; undefined when it is no integer. */
export function goInteger(text: string): number | undefined {
  if (!mayBeNumber(text)) return undefined;
  const decimal = plainDecimal(text);
  if (decimal !== undefined) return decimal;
  const plain = text.indexOf('_') < 0 ? text : text.replace(/_/g, '');
  if (!GO_INT.test(plain)) return undefined;
  const negative = plain.startsWith('-');
  const digits = plain.replace(/^[-+]/, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^0[oO]/.test(digits)) value = parseInt(digits.slice(2), 8);
  else if (/^0[bB]/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (digits.length > 1 && digits.startsWith('0')) value = parseInt(digits, 8);
  else value = parseInt(digits, 10);
  return negative ? -value : value;
}

/**
 * The common case read without a pattern: a port, a count, a number of seconds (`8080`, `0`,
 * `-1`); undefined for anything else (leading zeros, signs other than '-', underscores, other
 * bases), which the full reading takes.
 */
function plainDecimal(text: string): number | undefined {
  const start = text.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const length = text.length;
  if (length === start || length - start > 15) return undefined; // 15 digits stay exact in a double
  if (text.charCodeAt(start) === 48 && length - start > 1) return undefined; // 0-prefixed: octal and friends
  let value = 0;
  for (let i = start; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return start === 1 ? -value : value;
}

function goFloat(text: string): number | undefined {
  if (!mayBeNumber(text)) return undefined;
  if (text.charCodeAt(text.length - 1) > 64 && SPECIAL_FLOATS[text] !== undefined) return SPECIAL_FLOATS[text];
  const plain = text.indexOf('_') < 0 ? text : text.replace(/_/g, '');
  return GO_FLOAT.test(plain) ? parseFloat(plain) : undefined;
}

const yaml11Null = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  // Every plain scalar is asked first whether it is a null: told by its first character before any lookup.
  resolve: (data: string | null) => data === null || (mayBeNullOrBool(data) && YAML11_NULL.has(data)),
  construct: () => null,
  predicate: (v: unknown) => v === null,
  represent: { canonical: () => '~' },
  defaultStyle: 'canonical',
});
const yaml11Bool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && mayBeNullOrBool(data) && (YAML11_TRUE.has(data) || YAML11_FALSE.has(data)),
  construct: (data: string) => YAML11_TRUE.has(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: { lowercase: (v: unknown) => (v ? 'true' : 'false') },
  defaultStyle: 'lowercase',
});
const yaml11Int = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && goInteger(data) !== undefined,
  construct: (data: string) => goInteger(data),
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  represent: { decimal: (v: unknown) => String(v) },
  defaultStyle: 'decimal',
});
const yaml11Float = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && goFloat(data) !== undefined,
  construct: (data: string) => goFloat(data),
  predicate: (v: unknown) => typeof v === 'number' && !Number.isInteger(v),
  represent: { lowercase: (v: unknown) => String(v) },
  defaultStyle: 'lowercase',
});

export const MANIFEST_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [yaml11Null, yaml11Bool, yaml11Int, yaml11Float, yamlTypes.merge],
  explicit: [yamlTypes.timestamp, yamlTypes.binary, yamlTypes.omap, yamlTypes.pairs, yamlTypes.set],
});

// A document separator (`---`, optionally followed by content) or end marker (`...`).
const BOUNDARY = /^(?:---(?=[ \t]|\r?$)|\.\.\.[ \t]*\r?$)[^\n]*$/gm;

/**
 * What may be an alias (`*` and a name character) and an anchor (`&` and one), each at a line
 * start or after a space or flow indicator. An alias needs an anchor in its own document, so a
 * document without both expands to nothing beyond its text: a CronJob whose quoted schedule
 * has stars need not have its nodes counted. Anything the patterns let through is counted.
 */
const ALIAS = /(?:^|[\s[{,])\*[^\s,[\]{}]/m;
const ANCHOR = /(?:^|[\s[{,])&[^\s,[\]{}]/m;

function pushObject(out: SourcedObject[], value: any, file: string, line: number, text?: string): void {
  if (value === null || value === undefined) {
    return; // an empty document
  }
  if (typeof value !== 'object') {
    // A scalar document is not a Kubernetes object: kept, so the summary names it.
    out.push({ object: value, file, line, text });
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

function yamlOptions(file: string): LoadOptions {
  return { filename: file, schema: MANIFEST_SCHEMA };
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
  const documents = splitDocuments(text);
  // Fast path: one parse of the whole text, paired with the documents split above. When the
  // parse fails, or the two disagree on the documents, each document is parsed on its own so
  // that an error names its line and spares the others.
  let values: unknown[] | undefined;
  try {
    values = loadAllYaml(text, undefined, yamlOptions(file)).filter(v => v !== null && v !== undefined);
  } catch {
    values = undefined;
  }
  documents.forEach((doc, i) => {
    try {
      const value = values && values.length === documents.length ? values[i] : loadYaml(doc.text, yamlOptions(file));
      // Only a document with an alias can expand beyond its text.
      if (doc.text.includes('*') && ALIAS.test(doc.text) && ANCHOR.test(doc.text)) {
        const nodes = expandedNodeCount(value);
        if (nodes > MAX_EXPANDED_NODES) {
          throw new Error(`the document expands to more than ${MAX_EXPANDED_NODES} nodes through YAML aliases (an alias bomb?); refused`);
        }
      }
      pushObject(objects, value, file, doc.line, doc.text);
    } catch (e: any) {
      const message = e instanceof RangeError ? 'the document is nested too deeply to read' : String(e?.reason ?? e?.message ?? e).split('\n')[0];
      errors.push({ file, line: doc.line + (e?.mark?.line ?? 0), message });
    }
  });
  return { objects, errors };
}

/** The documents of a YAML text that hold more than comments, with their first line. */
function splitDocuments(text: string): Array<{ text: string; line: number }> {
  const documents: Array<{ text: string; line: number }> = [];
  let start = 0;
  let line = 1; // line number of `start`
  const flush = (end: number) => {
    const doc = text.slice(start, end);
    if (/^[ \t]*[^\s#]/m.test(doc)) {
      documents.push({ text: doc, line });
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
  return documents;
}
