// JSON written in chunks: `JSON.stringify(value, null, 2)` byte for byte, but with its long arrays
// written item by item, in chunks (`TextChunks`). At 150,000 objects the SARIF log is 90 MB of
// text: made as one string, it and the object tree it was made from were both in memory at the
// end of the run.

import { CHUNK_CHARS, TextChunks } from './text-chunks';

/**
 * An array of a JSON document to be written item by item: `items` are made one at a time, each
 * just before it is written, so no array of them is ever built.
 */
export class StreamedArray {
  constructor(public readonly items: () => Iterable<unknown>) {}
}

/**
 * Writes `JSON.stringify(value, null, 2) + '\n'` in chunks, where every `StreamedArray` in `value`
 * is written as the array of its items. The rest of the document (small) is stringified at once
 * with a placeholder string for each streamed array, then cut at the placeholders.
 */
export function writeJson(value: unknown, write: (text: string) => void, chunkChars = CHUNK_CHARS): void {
  const { skeleton, marker, streamed } = skeletonOf(value);
  let from = 0;
  for (let i = 0; i < streamed.length; i++) {
    const at = skeleton.indexOf(`"${marker}${i}"`, from);
    if (at > from) write(skeleton.slice(from, at));
    writeArray(streamed[i], lineIndentOf(skeleton, at), write, chunkChars);
    from = at + marker.length + String(i).length + 2;
  }
  write(skeleton.slice(from));
}

/**
 * The document with a placeholder string for each streamed array, and a placeholder found nowhere
 * else in it: a placeholder that some string of the document also holds is tried again with
 * another (not Node's random ids: loading `crypto` costs the CLI 7 ms).
 */
function skeletonOf(value: unknown): { skeleton: string; marker: string; streamed: StreamedArray[] } {
  for (let attempt = 0; ; attempt++) {
    const marker = `graceful-check-streamed-array-${attempt}-`;
    const streamed: StreamedArray[] = [];
    const skeleton = JSON.stringify(value, (_key, v) => {
      if (!(v instanceof StreamedArray)) return v;
      streamed.push(v);
      return `${marker}${streamed.length - 1}`;
    }, 2) + '\n';
    if (skeleton.split(marker).length - 1 === streamed.length) return { skeleton, marker, streamed };
  }
}

/** The leading spaces of the line that holds offset `at`. */
function lineIndentOf(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at) + 1;
  let end = lineStart;
  while (text.charCodeAt(end) === 32) end++;
  return text.slice(lineStart, end);
}

/**
 * An array as `JSON.stringify(array, null, 2)` writes it on a line indented by `indent`: each
 * item on lines of its own, two spaces deeper. An item stringified alone is re-indented by
 * prefixing each of its lines: JSON escapes every newline inside a string, so each newline of
 * the item's text starts a line.
 */
function writeArray(array: StreamedArray, indent: string, write: (text: string) => void, chunkChars: number): void {
  const newline = `\n${indent}  `;
  const out = new TextChunks(write, chunkChars);
  let first = true;
  for (const item of array.items()) {
    // As JSON.stringify writes an array item that has no JSON form (undefined, a function).
    const text = JSON.stringify(item, null, 2) ?? 'null';
    out.push(`${first ? '[' : ','}${newline}${text.replace(/\n/g, newline)}`);
    first = false;
  }
  out.push(first ? '[]' : `\n${indent}]`);
  out.flush();
}
