// The line of a field in a manifest's text, found by a scan of the document's block-style
// YAML, only for the findings there are (a position-tracking parse costs 6-8x).

import { SourcedObject } from './load';

/** A YAML key at a given offset of a line (sticky), quoted or plain. */
const KEY = /("([^"]*)"|'([^']*)'|[^:#\s][^:#]*?)\s*:(?:\s|$)/y;

/**
 * What the scan needs of each line of a document, read once per document: a document with
 * findings usually has several, and each would otherwise trim and match the same lines again.
 * Keys are read only on the lines the scan asks about.
 */
class LineIndex {
  /** Column of the first character, or -1 for a blank or comment line. */
  public readonly indent: Int32Array;
  /** 1 when the line is a list item (`- ...` or a lone `-`). */
  public readonly dash: Uint8Array;
  /** 1 when the line starts with `- ` (an item whose first key is on the dash line). */
  public readonly dashWithContent: Uint8Array;
  /** Column of the line's content after any list dashes (where its key would be). */
  public readonly keyColumn: Int32Array;
  /** Index of the first content line, or -1. */
  public readonly firstContent: number = -1;
  private readonly keys: Array<string | null | undefined>;

  constructor(private readonly lines: string[]) {
    const n = lines.length;
    this.indent = new Int32Array(n);
    this.dash = new Uint8Array(n);
    this.dashWithContent = new Uint8Array(n);
    this.keyColumn = new Int32Array(n);
    this.keys = new Array(n);
    for (let i = 0; i < n; i++) {
      // String built-ins, not character loops: most documents are indexed while the code is cold.
      const line = lines[i];
      let rest = line.trimStart();
      if (rest === '' || rest[0] === '#') {
        this.indent[i] = -1;
        continue;
      }
      if (this.firstContent < 0) this.firstContent = i;
      let column = line.length - rest.length;
      this.indent[i] = column;
      if (rest[0] === '-') {
        this.dashWithContent[i] = rest.startsWith('- ') ? 1 : 0;
        this.dash[i] = this.dashWithContent[i] === 1 || rest.trimEnd() === '-' ? 1 : 0;
        // Past `- ` dashes (and the spaces after each) to the item's content.
        while (rest.startsWith('- ')) {
          const item = rest.slice(2).trimStart();
          column += rest.length - item.length;
          rest = item;
        }
      }
      this.keyColumn[i] = column;
    }
  }

  /** The key on line i, unquoted, if the line holds one. */
  public key(i: number): string | undefined {
    let key = this.keys[i];
    if (key === undefined) {
      KEY.lastIndex = this.keyColumn[i];
      const m = KEY.exec(this.lines[i]);
      key = m ? m[2] ?? m[3] ?? m[1] : null;
      this.keys[i] = key;
    }
    return key ?? undefined;
  }
}

// Documents are indexed only when a finding needs a line number, once each. Findings come
// object by object, so the last document indexed is nearly always the one asked for; a small
// cache holds the others still being located.
const indexed = new Map<string, LineIndex>();
let last: { text: string; index: LineIndex } | undefined;
function lineIndexOf(text: string): LineIndex {
  if (last?.text === text) {
    return last.index;
  }
  let index = indexed.get(text);
  if (!index) {
    if (indexed.size > 64) {
      indexed.clear();
    }
    // A CR of a CRLF line ending stays at the end of its line, where the scan reads it as space.
    index = new LineIndex(text.split('\n'));
    indexed.set(text, index);
  }
  last = { text, index };
  return index;
}

/** The line of the `wanted`-th item of the list under the node at (pos, column), or -1. */
function itemLine(ix: LineIndex, pos: number, column: number, wanted: number): number {
  let dashColumn = -1;
  let count = -1;
  for (let i = pos + 1; i < ix.indent.length; i++) {
    const ind = ix.indent[i];
    if (ind < 0) continue;
    const isDash = ix.dash[i] === 1;
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
  const n = ix.indent.length;
  let from = pos + 1;
  let keyColumn: number;
  if (inItem && ix.dashWithContent[pos] === 1) {
    keyColumn = ix.keyColumn[pos];
    if (ix.key(pos) === seg) return pos;
  } else {
    while (from < n && ix.indent[from] < 0) from++;
    if (from >= n || ix.indent[from] <= column) return -1;
    keyColumn = ix.indent[from];
  }
  for (let i = from; i < n; i++) {
    const ind = ix.indent[i];
    if (ind < 0 || ind > keyColumn) continue;
    if (ind < keyColumn) break;
    // A dash at the key column is an item of the previous key's list (written without indent).
    if (ix.dash[i] === 0 && ix.key(i) === seg) return i;
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
  const ix = lineIndexOf(source.text);
  const full = `${source.listPointer ?? ''}${pointer}`;
  // Current node: the line holding its key (or list dash), and the column of that key.
  let pos = -1;
  let column = -1;
  let best = ix.firstContent;
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
