// Reading manifest fields as the API server reads them. Every field a rule or the drill uses
// is read through here: a value of the wrong type or out of range becomes a problem with its
// JSON pointer (reported as a finding with file:line), never an exception and never a silent
// "absent". The API server's rules are in docs/kubernetes-semantics.md, section 7.

import { INT32_MAX } from '../kubernetes/validation';

/** A field the API server would reject, or that no cluster could run as meant. */
export interface FieldProblem {
  /** JSON pointer of the field in its object. */
  readonly pointer: string;
  /** What is wrong, with the value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** The map read for an absent one: shared, so frozen. */
const EMPTY_STRING_MAP: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Longest value shown in a message. */
const SHOWN_CHARACTERS = 60;

/** A value as a message shows it: JSON, cut short (and never serialized whole: it may be huge). */
export function shown(value: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const add = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const visit = (v: unknown, depth: number): void => {
    if (length > SHOWN_CHARACTERS) return;
    if (v === null || typeof v !== 'object') {
      add(v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v));
    } else if (depth > 3) {
      add(Array.isArray(v) ? '[...]' : '{...}');
    } else if (Array.isArray(v)) {
      add('[');
      v.slice(0, 10).forEach((x, i) => { if (i > 0) add(','); visit(x, depth + 1); });
      add(v.length > 10 ? ',...]' : ']');
    } else {
      const entries = Object.entries(v);
      add('{');
      entries.slice(0, 10).forEach(([k, x], i) => { if (i > 0) add(','); add(`${JSON.stringify(k)}:`); visit(x, depth + 1); });
      add(entries.length > 10 ? ',...}' : '}');
    }
  };
  visit(value, 0);
  const text = parts.join('');
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS - 3)}...` : text;
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A port number (container, Service and target ports), as the API server bounds it. */
export const PORT_NUMBER: IntegerOptions = { min: 1, max: 65535 };
/** A hostPort: 0 (or absent) binds none. */
export const HOST_PORT_NUMBER: IntegerOptions = { min: 0, max: 65535 };

/** Options of `FieldReader.integer`. */
export interface IntegerOptions {
  readonly min?: number;
  readonly max?: number;
}

/**
 * Reads fields of one object and collects what is wrong with them.
 */
export class FieldReader {
  public readonly problems: FieldProblem[] = [];

  /**
   * An integer field (int32/int64 in the API). A number written as a string (`"3"`) is
   * rejected by the API server: reported, and its number used so that other rules still
   * judge what was meant. Anything else that is not an integer is reported and read as absent.
   */
  public integer(value: unknown, pointer: string, options: IntegerOptions = {}): number | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    let n: number | undefined;
    if (typeof value === 'number') {
      n = value;
    } else if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
      n = Number(value);
      this.report(pointer, `${fieldName(pointer)} is the string ${shown(value)}; the API server accepts only a number here and rejects the object`,
        `write ${value.trim()} without quotes`);
    } else {
      this.report(pointer, `${fieldName(pointer)} is ${shown(value)}, not a whole number; the API server rejects the object`, 'write a whole number');
      return undefined;
    }
    if (!Number.isInteger(n)) {
      this.report(pointer, `${fieldName(pointer)} is ${n}, not a whole number; the API server rejects the object`, `write ${Math.ceil(n)}`);
      return Math.ceil(n);
    }
    if (options.min !== undefined && n < options.min) {
      this.report(pointer, `${fieldName(pointer)} is ${n}; it must be at least ${options.min}`, `set it to ${options.min} or more`);
      return undefined;
    }
    // Integers of the API are int32 unless a field says otherwise: a larger one does not decode.
    const max = options.max ?? INT32_MAX;
    if (n > max) {
      this.report(pointer, `${fieldName(pointer)} is ${n}; it must be at most ${max}${options.max === undefined ? ' (an int32)' : ''}`, `set it to ${max} or less`);
      return undefined;
    }
    return n;
  }

  /**
   * An IntOrString field such as maxSurge (spec 3.2): a non-negative whole number, or a
   * percentage string `'N%'`. The API server rejects negative numbers, fractions, `'abc'`
   * and digit strings without `%`.
   */
  public intOrPercent(value: unknown, pointer: string, options: { maxPercent?: number } = {}): number | string | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0 && value <= INT32_MAX) {
        return value;
      }
      this.report(pointer, `${fieldName(pointer)} is ${value}; it must be a whole number of zero or more, or a percentage such as '25%'`, 'use e.g. 1 or \'25%\'');
      return undefined;
    }
    if (typeof value === 'string') {
      const m = /^(\d+)%$/.exec(value);
      if (m) {
        const pct = Number(m[1]);
        if (options.maxPercent !== undefined && pct > options.maxPercent) {
          this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; a percentage here must be at most ${options.maxPercent}%`, `use at most '${options.maxPercent}%'`);
          return undefined;
        }
        return value;
      }
      const hint = /^\d+$/.test(value) ? `write ${value} without quotes, or '${value}%'` : 'use e.g. 1 or \'25%\'';
      this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a whole number or a percentage such as '25%'`, hint);
      return undefined;
    }
    this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a whole number or a percentage such as '25%'`, 'use e.g. 1 or \'25%\'');
    return undefined;
  }

  /** A list; anything else is reported and read as empty. */
  public list(value: unknown, pointer: string): any[] {
    if (value === undefined || value === null) {
      return [];
    }
    if (Array.isArray(value)) {
      return value;
    }
    this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a list`, `write ${fieldName(pointer)} as a YAML list (one '- ' item per entry)`);
    return [];
  }

  /** An object (map); anything else is reported and read as absent. */
  public record(value: unknown, pointer: string): Record<string, any> | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (isRecord(value)) {
      return value;
    }
    this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a map of fields`, `write ${fieldName(pointer)} as a map (key: value lines)`);
    return undefined;
  }

  /** A map of string values (labels, annotations, selectors); other values are reported. */
  public stringMap(value: unknown, pointer: string): Record<string, string> {
    const map = this.record(value, pointer);
    if (!map) {
      return EMPTY_STRING_MAP;
    }
    // The common case, every value a string, is the map itself (read only, never copied).
    let out: Record<string, string> | undefined;
    for (const k in map) {
      if (typeof map[k] !== 'string') {
        out = {};
        break;
      }
    }
    if (!out) {
      return map;
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === 'string') {
        out[k] = v;
      } else {
        this.report(`${pointer}/${escapePointer(k)}`, `${k} is ${shown(v)}; label, annotation and selector values must be strings`, `quote it: "${String(v)}"`);
        out[k] = String(v);
      }
    }
    return out;
  }

  /** A string; other values are reported and read as absent. */
  public string(value: unknown, pointer: string): string | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === 'string') {
      return value;
    }
    this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a string`, 'quote the value');
    return undefined;
  }

  /** A list of strings (command, args); a plain string is the usual mistake and is named. */
  public stringList(value: unknown, pointer: string): string[] | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === 'string') {
      this.report(pointer, `${fieldName(pointer)} is the string ${shown(value)}; it must be a list of words, and the API server rejects a string`,
        `write it as a list, e.g. ${shown(value.trim().split(/\s+/))}`);
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.report(pointer, `${fieldName(pointer)} is ${shown(value)}; it must be a list of strings`, 'write it as a list of words');
      return undefined;
    }
    return value.every(v => typeof v === 'string') ? value : value.map(String);
  }

  // The `…At` readers take the field's parent and key: the field's pointer is built only when
  // there is something to report (a workload reads some fifty fields, nearly all well formed).

  /** `parent[key]` as `integer` reads it. */
  public integerAt(parent: Record<string, any>, key: string, parentPointer: string, options: IntegerOptions = {}): number | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value)
      && (options.min === undefined || value >= options.min) && value <= (options.max ?? INT32_MAX)) {
      return value;
    }
    return this.integer(value, `${parentPointer}/${key}`, options);
  }

  /** `parent[key]` as `string` reads it. */
  public stringAt(parent: Record<string, any>, key: string, parentPointer: string): string | undefined {
    const value = parent[key];
    if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
    return this.string(value, `${parentPointer}/${key}`);
  }

  /** `parent[key]` as `record` reads it. */
  public recordAt(parent: Record<string, any>, key: string, parentPointer: string): Record<string, any> | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (isRecord(value)) return value;
    return this.record(value, `${parentPointer}/${key}`);
  }

  /** `parent[key]` as `list` reads it. */
  public listAt(parent: Record<string, any>, key: string, parentPointer: string): any[] {
    const value = parent[key];
    if (Array.isArray(value)) return value;
    if (value === undefined || value === null) return [];
    return this.list(value, `${parentPointer}/${key}`);
  }

  /** `parent[key]` as `stringList` reads it. */
  public stringListAt(parent: Record<string, any>, key: string, parentPointer: string): string[] | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    return this.stringList(value, `${parentPointer}/${key}`);
  }

  public report(pointer: string, message: string, fix: string): void {
    this.problems.push({ pointer, message, fix });
  }
}

/** The last segment of a pointer, as a message names the field. */
export function fieldName(pointer: string): string {
  const segments = pointer.split('/').filter(s => s !== '' && !/^\d+$/.test(s));
  return (segments[segments.length - 1] ?? 'the field').replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Escapes a key for a JSON pointer. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
