// The line of a field in a manifest's text, found by a scan of the document's block-style
// YAML, only for the findings there are (a position-tracking parse costs 6-8x).

import { SourcedObject } from './load';

/** A YAML key at a given offset of a line (sticky), quoted or plain. */
const KEY = /("([^"]*)"|'([^']*)'|[^:#\s][^:#]*?)\s*:(?:\s|$)/y;

/**
 * What the scan needs of each line of a document, read once per document and only as far
 * as a scan goes: a document with findings usually has several, and each would otherwise
 * trim and match the same lines again, while a finding near the top needs none of the rest.
 * A CR of a CRLF line ending stays at the end of its line, where the scan reads it as space.
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
  private readonly lines: string[] = [];
  private readonly keys: Array<string | null | undefined> = [];
  /** Where the next line to read starts, or -1 after the last. */
  private next = 0;

  constructor(private readonly text: string) {}

  /** Whether the document has a line i (reading lines up to it). */
  public has(i: number): boolean {
    while (this.lines.length <= i && this.next >= 0) this.readLine();
    return i < this.lines.length;
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
      KEY.lastIndex = this.keyColumn[i];
      const m = KEY.exec(this.lines[i]);
      key = m ? m[2] ?? m[3] ?? m[1] : null;
      this.keys[i] = key;
    }
    return key ?? undefined;
  }

  private readLine(): void {
    const end = this.text.indexOf('\n', this.next);
    const line = this.text.slice(this.next, end < 0 ? undefined : end);
    this.next = end < 0 ? -1 : end + 1;
    this.lines.push(line);
    // String built-ins, not character loops: most documents are indexed while the code is cold.
    let rest = line.trimStart();
    if (rest === '' || rest[0] === '#') {
      this.indent.push(-1);
      this.dash.push(false);
      this.dashWithContent.push(false);
      this.keyColumn.push(-1);
      return;
    }
    this.indent.push(line.length - rest.length);
    const withContent = rest.startsWith('- ');
    this.dashWithContent.push(withContent);
    this.dash.push(withContent || rest.trimEnd() === '-');
    // Past `- ` dashes (and the spaces after each) to the item's content.
    while (rest.startsWith('- ')) rest = rest.slice(2).trimStart();
    this.keyColumn.push(line.length - rest.length);
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
    index = new LineIndex(text);
    indexed.set(text, index);
  }
  last = { text, index };
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
  const ix = lineIndexOf(source.text);
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
