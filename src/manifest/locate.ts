// The line of a field in a manifest's text, found by a scan of the document's block-style
// YAML, only for the findings there are (a position-tracking parse costs 6-8x).

import { SourcedObject } from './load';

// Documents are split into lines only when a finding needs a line number, once each.
const splitLines = new Map<string, string[]>();
function linesOf(text: string): string[] {
  let lines = splitLines.get(text);
  if (!lines) {
    if (splitLines.size > 64) {
      splitLines.clear();
    }
    lines = text.split(/\r?\n/);
    splitLines.set(text, lines);
  }
  return lines;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function isContent(line: string): boolean {
  const t = line.trim();
  return t !== '' && !t.startsWith('#');
}

/** Strips quotes from a YAML key. */
function keyOf(text: string): string | undefined {
  const m = /^("([^"]*)"|'([^']*)'|[^:#\s][^:#]*?)\s*:(?:\s|$)/.exec(text);
  if (!m) {
    return undefined;
  }
  return m[2] ?? m[3] ?? m[1];
}

/**
 * The 1-based line of a JSON pointer in a block-style YAML document, or of its deepest
 * ancestor that could be found (the document's first line at worst).
 */
export function lineOfPointer(source: SourcedObject, pointer: string): number {
  if (source.text === undefined) {
    return source.line;
  }
  const lines = linesOf(source.text);
  const segments = `${source.listPointer ?? ''}${pointer}`.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Current node: the line holding its key (or list dash), and the column of that key.
  let pos = -1;
  let column = -1;
  let best = lines.findIndex(isContent);
  for (const seg of segments) {
    let found = -1;
    let foundColumn = -1;
    if (/^\d+$/.test(seg)) {
      const wanted = Number(seg);
      let dashColumn = -1;
      let count = -1;
      for (let i = pos + 1; i < lines.length; i++) {
        if (!isContent(lines[i])) continue;
        const ind = indentOf(lines[i]);
        const isDash = lines[i].trimStart().startsWith('- ') || lines[i].trim() === '-';
        if (ind < column || (ind === column && !isDash) || (dashColumn >= 0 && ind < dashColumn)) break;
        if (isDash && (dashColumn < 0 || ind === dashColumn)) {
          dashColumn = ind;
          count++;
          if (count === wanted) {
            found = i;
            foundColumn = ind;
            break;
          }
        }
      }
    } else {
      for (let i = Math.max(pos, 0); i < lines.length; i++) {
        if (!isContent(lines[i])) continue;
        let text = lines[i].trimStart();
        let keyColumn = indentOf(lines[i]);
        if (i === pos) {
          // The node is a list item: its first key sits on the dash line.
          if (!text.startsWith('- ')) continue;
        }
        if (i > pos && keyColumn <= column) break;
        while (text.startsWith('- ')) {
          keyColumn += 2 + (text.slice(2).length - text.slice(2).trimStart().length);
          text = text.slice(2).trimStart();
        }
        if (keyOf(text) === seg && keyColumn > column) {
          found = i;
          foundColumn = keyColumn;
          break;
        }
      }
    }
    if (found < 0) {
      break;
    }
    pos = found;
    column = foundColumn;
    best = found;
  }
  return source.line + Math.max(best, 0);
}
