// One table of flags generates everything the drill's options need: the defaults, the parsing of
// `graceful-drill`'s arguments, the checks every value goes through before anything starts, and
// the lines of `--help`. A flag is declared once; the library's options mirror the flags, so
// messages name the flag either way.

import { parseArgs } from 'util';

/** How a flag's value is written and read. */
export type FlagKind =
  /** A number, checked against `limit`. */
  | 'number'
  /** Any text. */
  | 'string'
  /** One of `choices`. */
  | 'choice'
  /** Present or not. */
  | 'boolean'
  /** Seconds or a range of seconds: `2`, `0-5`. */
  | 'range'
  /** `KEY=VALUE`, repeatable, read into a record. */
  | 'pairs'
  /** Repeatable words, read into a list of `choices`. */
  | 'list';

/** The bounds of a number flag. */
export interface FlagLimit {
  readonly min: number;
  readonly max: number;
  /** `min` itself is not allowed. */
  readonly above?: boolean;
  readonly integer?: boolean;
  /** How to fix a value out of bounds, e.g. `give requests per second, e.g. 200`. */
  readonly fix: string;
}

/** One flag of `graceful-drill`, and the option of `runDrill` it sets. */
export interface Flag {
  /** The flag without its dashes: `rate` is `--rate`. */
  readonly name: string;
  /**
   * The option it sets: `rate`, or `longLived.kind` for a field of an option object (set only
   * when the flag that creates the object, `needs`, is given too). No option: a CLI flag only.
   */
  readonly option?: string;
  readonly kind: FlagKind;
  /** The placeholder `--help` shows: `<n>`, `<s>|<min>-<max>`. */
  readonly arg?: string;
  /** What it does, for `--help` (one line; longer texts wrap at the table's margin). */
  readonly help: string;
  /** The value when the flag is absent; `--help` shows it. */
  readonly default?: unknown;
  /** How `--help` states a default that is not a plain value (`the HPA's minReplicas, else half`). */
  readonly defaultText?: string;
  readonly limit?: FlagLimit;
  /** Allowed values of a `choice` or `list` flag. */
  readonly choices?: readonly string[];
  /** An example of a valid value, for messages: `--env LOG_LEVEL=debug`. */
  readonly example?: string;
  /** For `range` flags: the largest second allowed, and how to fix a bad range. */
  readonly rangeMax?: number;
  /** The flag this one needs: `long-lived-kind` needs `long-lived`. */
  readonly needs?: string;
  /** What its value is, when another flag needs it: `the number of connections to hold open`. */
  readonly means?: string;
  /** The short form: `h` for `-h`. */
  readonly short?: string;
}

/** What `parseFlags` read. */
export interface ParsedFlags {
  /** The options the flags set (nested for `a.b` options). */
  readonly options: Record<string, any>;
  /** Flags without an option (`--json`, `--help`), by name. */
  readonly cli: Record<string, unknown>;
  readonly positionals: string[];
}

const flagText = (f: Flag) => `'--${f.name}'`;

/** The value at an option path: `longLived.kind`. */
export function optionAt(options: Record<string, any>, path: string): unknown {
  let value: any = options;
  for (const key of path.split('.')) {
    if (value === undefined || value === null) return undefined;
    value = value[key];
  }
  return value;
}

function setOption(options: Record<string, any>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = options;
  for (const key of keys.slice(0, -1)) {
    target[key] ??= {};
    target = target[key];
  }
  target[keys[keys.length - 1]] = value;
}

/** The defaults of the flags that set a top-level option. */
export function defaultsOf(flags: readonly Flag[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of flags) {
    if (f.option && !f.option.includes('.') && f.default !== undefined) out[f.option] = f.default;
  }
  return out;
}

/** Seconds or a range of seconds, as `--lag 0-5` writes it. */
function rangeOf(text: string, f: Flag): { min: number; max: number } {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text);
  if (!m) throw new Error(`${flagText(f)} takes seconds or a range such as 0-5 (got '${text}')`);
  return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
}

function pairsOf(list: string[], f: Flag): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`${flagText(f)} takes ${f.arg?.replace(/[<>]/g, '') ?? 'KEY=VALUE'} (got '${kv}'); e.g. ${f.example}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** A flag's text as its option: throws, naming the flag, on a value of the wrong form. */
function valueOf(f: Flag, raw: unknown): unknown {
  switch (f.kind) {
    case 'boolean':
      return raw === true;
    case 'number': {
      const text = String(raw);
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${flagText(f)} takes a number (got '${text}')`);
      return n;
    }
    case 'range':
      return rangeOf(String(raw), f);
    case 'pairs':
      return pairsOf(raw as string[], f);
    case 'list':
      return raw as string[];
    default:
      return raw;
  }
}

/**
 * Reads `graceful-drill`'s arguments. Throws on an unknown flag or a value of the wrong form;
 * values are checked against their bounds by `flagProblems`, with the library's options.
 */
export function parseFlags(flags: readonly Flag[], argv: string[]): ParsedFlags {
  // util.parseArgs is the parser; the table says what it parses.
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const f of flags) {
    spec[f.name] = { type: f.kind === 'boolean' ? 'boolean' : 'string' };
    if (f.kind === 'pairs' || f.kind === 'list') spec[f.name].multiple = true;
    if (f.short) spec[f.name].short = f.short;
  }
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: spec });
  const options: Record<string, any> = {};
  const cli: Record<string, unknown> = {};
  for (const f of flags) {
    const raw = (values as Record<string, unknown>)[f.name];
    if (raw === undefined) continue;
    if (f.needs && (values as Record<string, unknown>)[f.needs] === undefined) {
      const needed = flags.find(n => n.name === f.needs)!;
      throw new Error(`${flagText(f)} needs '--${needed.name}${needed.arg ? ` ${needed.arg}` : ''}', ${needed.means ?? needed.help}; e.g. ${needed.example}`);
    }
    if (f.option) setOption(options, f.option, valueOf(f, raw)); else cli[f.name] = valueOf(f, raw);
  }
  return { options, cli, positionals };
}

/** `'--rate' (0) must be a number above 0 and at most 20000; give requests per second, e.g. 200`, or undefined. */
export function limitProblem(flag: string, value: unknown, limit: FlagLimit): string | undefined {
  if (value === undefined) return undefined;
  const { min, max, integer, above, fix } = limit;
  const n = value as number;
  const kind = integer ? 'a whole number' : 'a number';
  const range = above ? `above ${min} and at most ${max}` : `from ${min} to ${max}`;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n > max || (above ? n <= min : n < min)) {
    return `'--${flag}' (${value}) must be ${kind} ${range}; ${fix}`;
  }
  return undefined;
}

/** Every value out of bounds, of the wrong kind, or not among a flag's choices. */
export function flagProblems(flags: readonly Flag[], options: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const f of flags) {
    if (!f.option) continue;
    const value = optionAt(options, f.option);
    if (value === undefined) continue;
    if (f.limit) {
      const p = limitProblem(f.name, value, f.limit);
      if (p) problems.push(p);
    } else if (f.kind === 'range') {
      const r = value as { min: number; max: number };
      if (!(r.min >= 0 && r.max >= r.min && r.max <= (f.rangeMax ?? Infinity))) {
        problems.push(`${flagText(f)} (${r.min}-${r.max}) must be a range of seconds from 0 to ${f.rangeMax}, min <= max; e.g. ${f.example}`);
      }
    } else if (f.choices) {
      const list = f.kind === 'list' ? (value as unknown[]) : [value];
      for (const v of list) {
        if (!f.choices.includes(v as string)) {
          problems.push(`${flagText(f)} (${v}) must be one of ${f.choices.join(', ')}${f.example ? `; e.g. ${f.example}` : ''}`);
        }
      }
    }
  }
  return problems;
}

/** `left`, then `text` wrapped at 100 columns with its lines indented to `column`. */
export function wrapped(left: string, text: string, column = 30): string[] {
  const out: string[] = [];
  let line = left.length + 2 > column ? `${left}  ` : left.padEnd(column);
  let first = true;
  for (const word of text.split(' ')) {
    if (!first && line.length + word.length + 1 > 100) {
      out.push(line.trimEnd());
      line = ' '.repeat(column);
      first = true;
    }
    line += first ? word : ` ${word}`;
    first = false;
  }
  out.push(line.trimEnd());
  return out;
}

/** The `--help` lines of the flags: name and placeholder, then what it does and its default. */
export function helpLines(flags: readonly Flag[]): string[] {
  return flags.flatMap(f => {
    const left = `  ${f.short ? `-${f.short}, ` : ''}--${f.name}${f.arg ? ` ${f.arg}` : ''}`;
    const shown = f.defaultText ?? (f.default === undefined || f.kind === 'boolean' ? undefined : defaultText(f.default));
    return wrapped(left, `${f.help}${shown !== undefined ? ` (default ${shown})` : ''}`);
  });
}

function defaultText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'min' in value && 'max' in value) {
    const r = value as { min: number; max: number };
    return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
  }
  return String(value);
}
