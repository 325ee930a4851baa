// The line of a field in a manifest's text, found by a scan of the document's block-style
// YAML, only for the findings there are (a position-tracking parse costs 6-8x).

import { SourcedObject } from './load';

/**
 * A YAML key at a given offset of the document (sticky), quoted or plain, on one line: no
 * part of the pattern crosses a newline.
 */
const KEY = /("([^"\n]*)"|'([^'\n]*)'|[^:#\s][^:#\n]*?)[^\S\n]*:(?:\s|$)/y;

const SPACE = 32;
const TAB = 9;
const CR = 13;
const NEWLINE = 10;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/** What `\s` matches in a JavaScript pattern (ECMAScript WhiteSpace and LineTerminator). */
function isWhitespace(code: number): boolean {
  return code === SPACE || (code >= TAB && code <= CR) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a)
    || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** The key KEY reads at offset `at` of a text, unquoted; undefined when there is none. @internal */
export function keyAt(text: string, at: number): string | undefined {
  KEY.lastIndex = at;
  const m = KEY.exec(text);
  return m ? m[2] ?? m[3] ?? m[1] : undefined;
}

/**
 * Whether the key at offset `at` is the plain name `name` (`isPlainName`; the text at `at` not a
 * quote), as `keyAt(text, at) === name` but without a match: the name, blanks other than a
 * newline, a colon, then whitespace or the end of the text. @internal
 */
export function isPlainKeyAt(text: string, at: number, name: string): boolean {
  if (!text.startsWith(name, at)) return false;
  let end = at + name.length;
  while (end < text.length && text.charCodeAt(end) !== NEWLINE && isWhitespace(text.charCodeAt(end))) end++;
  return text.charCodeAt(end) === COLON && (end + 1 === text.length || isWhitespace(text.charCodeAt(end + 1)));
}

/**
 * Whether a name can only be matched as a plain key: not empty, no colon, hash or newline, no
 * whitespace at either end (KEY's plain form can hold none of these, so such a name takes the
 * pattern). @internal
 */
export function isPlainName(name: string): boolean {
  return name.length > 0 && !isWhitespace(name.charCodeAt(0)) && !isWhitespace(name.charCodeAt(name.length - 1)) && !/[:#\n]/.test(name);
}

/**
 * What the scan needs of each line of a document, read once per document and only as far
 * as a scan goes: a document with findings usually has several, and each would otherwise
 * match the same lines again, while a finding near the top needs none of the rest. Lines
 * are read in place, by character codes: no line is cut out of the text (at 68,000 findings
 * the cut-out and trimmed copies were most of the time). A CR of a CRLF line ending reads
 * as space.
 */
class LineIndex {
  /** Column of the first character, or -1 for a blank or comment line. */
  public readonly indent: number[] = [];
  /** Whether the line is a list item (`- ...` or a lone `-`). */
  public readonly dash: boolean[] = [];
  /** Whether the line starts with `- ` (an item whose first key is on the dash line). */
  public readonly dashWithContent: boolean[] = [];
  /** Column of the line's content after any list dashes (where its key would be). */
  public readonly keyColumn: number[] = [];
  /** Offset of each line's first character in the text. */
  private readonly starts: number[] = [];
  private readonly keys: Array<string | null | undefined> = [];
  /** Where the next line to read starts, or -1 after the last. */
  private next = 0;

  constructor(private readonly text: string) {}

  /** Whether the document has a line i (reading lines up to it). */
  public has(i: number): boolean {
    while (this.starts.length <= i && this.next >= 0) this.readLine();
    return i < this.starts.length;
  }

  /** The first line with content, or -1. */
  public firstContent(): number {
    for (let i = 0; this.has(i); i++) if (this.indent[i] >= 0) return i;
    return -1;
  }

  /**
   * Whether the key on line i is `seg`. A plain key is compared in place, without the pattern:
   * its match and captured text were most of what locating allocated (6 MiB at 10,000
   * objects). A quoted key, or a name no plain key can equal, takes the pattern.
   */
  public keyIs(i: number, seg: string, plainName: boolean): boolean {
    const at = this.starts[i] + this.keyColumn[i];
    const first = this.text.charCodeAt(at);
    if (!plainName || first === DOUBLE_QUOTE || first === SINGLE_QUOTE) return this.key(i) === seg;
    return isPlainKeyAt(this.text, at, seg);
  }

  /** The key on line i, unquoted, if the line holds one. */
  public key(i: number): string | undefined {
    let key = this.keys[i];
    if (key === undefined) {
      key = keyAt(this.text, this.starts[i] + this.keyColumn[i]) ?? null;
      this.keys[i] = key;
    }
    return key ?? undefined;
  }

  private readLine(): void {
    const text = this.text;
    const start = this.next;
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    this.next = newline < 0 ? -1 : newline + 1;
    this.starts.push(start);
    let at = start;
    while (at < end && isBlank(text.charCodeAt(at))) at++;
    if (at === end || text.charCodeAt(at) === HASH) {
      this.indent.push(-1);
      this.dash.push(false);
      this.dashWithContent.push(false);
      this.keyColumn.push(-1);
      return;
    }
    this.indent.push(at - start);
    const withContent = isDashThenBlank(text, at, end);
    this.dashWithContent.push(withContent);
    this.dash.push(withContent || (text.charCodeAt(at) === DASH && onlyBlanksFrom(text, at + 1, end)));
    // Past `- ` dashes (and the blanks after each) to the item's content.
    while (isDashThenBlank(text, at, end)) {
      at += 2;
      while (at < end && isBlank(text.charCodeAt(at))) at++;
    }
    this.keyColumn.push(at - start);
  }
}

/** Space, tab, or the CR of a CRLF line ending. */
function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === CR;
}

/** `- ` at `at`: a list item with content on its line (a dash then a space, as YAML wants). */
function isDashThenBlank(text: string, at: number, end: number): boolean {
  return at + 1 < end && text.charCodeAt(at) === DASH && text.charCodeAt(at + 1) === SPACE;
}

function onlyBlanksFrom(text: string, at: number, end: number): boolean {
  for (let i = at; i < end; i++) if (!isBlank(text.charCodeAt(i))) return false;
  return true;
}

// Documents are indexed only when a finding needs a line number, once each. Findings come
// object by object, so the last document indexed is nearly always the one asked for; a small
// cache holds the others still being located. Keyed by the source, not by its text: a Map
// keyed by a string hashes the whole document (a third of the time at 68,000 findings). The
// items of one List document share their text, and its index.
const indexed = new Map<SourcedObject | string, LineIndex>();
let last: { key: SourcedObject | string; index: LineIndex } | undefined;
function lineIndexOf(source: SourcedObject, text: string): LineIndex {
  const key = source.listPointer === undefined ? source : text;
  if (last?.key === key) {
    return last.index;
  }
  let index = indexed.get(key);
  if (!index) {
    if (indexed.size > 64) {
      indexed.clear();
    }
    index = new LineIndex(text);
    indexed.set(key, index);
  }
  last = { key, index };
  return index;
}

/** The line of the `wanted`-th item of the list under the node at (pos, column), or -1. */
function itemLine(ix: LineIndex, pos: number, column: number, wanted: number): number {
  let dashColumn = -1;
  let count = -1;
  for (let i = pos + 1; ix.has(i); i++) {
    const ind = ix.indent[i];
    if (ind < 0) continue;
    const isDash = ix.dash[i];
    if (ind < column || (ind === column && !isDash) || (dashColumn >= 0 && ind < dashColumn)) break;
    if (isDash && (dashColumn < 0 || ind === dashColumn)) {
      dashColumn = ind;
      count++;
      if (count === wanted) return i;
    }
  }
  return -1;
}

/**
 * The line of key `seg` in the mapping that is the node at (pos, column), or -1. The
 * mapping's keys sit at one column: after the dash when the node is a list item written
 * `- key: ...`, else at the indentation of the node's first line below it. Only lines at that
 * column are keys of this mapping; deeper lines belong to its values, shallower ones end it.
 */
function keyLine(ix: LineIndex, pos: number, column: number, seg: string, inItem: boolean): number {
  let from = pos + 1;
  let keyColumn: number;
  const plain = isPlainName(seg);
  if (inItem && ix.dashWithContent[pos]) {
    keyColumn = ix.keyColumn[pos];
    if (ix.keyIs(pos, seg, plain)) return pos;
  } else {
    while (ix.has(from) && ix.indent[from] < 0) from++;
    if (!ix.has(from) || ix.indent[from] <= column) return -1;
    keyColumn = ix.indent[from];
  }
  for (let i = from; ix.has(i); i++) {
    const ind = ix.indent[i];
    if (ind < 0 || ind > keyColumn) continue;
    if (ind < keyColumn) break;
    // A dash at the key column is an item of the previous key's list (written without indent).
    if (!ix.dash[i] && ix.keyIs(i, seg, plain)) return i;
  }
  return -1;
}

/**
 * The 1-based line of a JSON pointer in a block-style YAML document, or of its deepest
 * ancestor that could be found (the document's first line at worst).
 */
export function lineOfPointer(source: SourcedObject, pointer: string): number {
  if (source.text === undefined) {
    return source.line;
  }
  const ix = lineIndexOf(source, source.text);
  const full = `${source.listPointer ?? ''}${pointer}`;
  // Current node: the line holding its key (or list dash), and the column of that key.
  let pos = -1;
  let column = -1;
  let best = ix.firstContent();
  let inItem = false;
  if (full !== '') {
    for (const raw of full.split('/').slice(1)) {
      const seg = raw.includes('~') ? raw.replace(/~1/g, '/').replace(/~0/g, '~') : raw;
      const isItem = /^\d+$/.test(seg);
      const found = isItem ? itemLine(ix, pos, column, Number(seg)) : keyLine(ix, pos, column, seg, inItem);
      if (found < 0) {
        break;
      }
      pos = found;
      column = isItem ? ix.indent[found] : ix.keyColumn[found];
      inItem = isItem;
      best = found;
    }
  }
  return source.line + Math.max(best, 0);
}
