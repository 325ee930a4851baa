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
const HASH = 35;
const DASH = 45;

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

  /** The key on line i, unquoted, if the line holds one. */
  public key(i: number): string | undefined {
    let key = this.keys[i];
    if (key === undefined) {
      KEY.lastIndex = this.starts[i] + this.keyColumn[i];
      const m = KEY.exec(this.text);
      key = m ? m[2] ?? m[3] ?? m[1] : null;
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
  if (inItem && ix.dashWithContent[pos]) {
    keyColumn = ix.keyColumn[pos];
    if (ix.key(pos) === seg) return pos;
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
    if (!ix.dash[i] && ix.key(i) === seg) return i;
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
