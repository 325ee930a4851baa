import * as fc from 'fast-check';
import { StreamedArray, writeJson } from '../src/cli/json-chunks';

/** `value` with each array that `stream` picks (outside another picked one) made a StreamedArray. */
function withStreamedArrays(value: unknown, stream: () => boolean): unknown {
  if (Array.isArray(value)) {
    if (stream()) return new StreamedArray(() => value);
    return value.map(v => withStreamedArrays(v, stream));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStreamedArrays(v, stream)]));
  }
  return value;
}

function written(value: unknown, chunkChars?: number): string[] {
  const chunks: string[] = [];
  writeJson(value, t => chunks.push(t), chunkChars);
  return chunks;
}

describe('JSON written in chunks', () => {
  test('is JSON.stringify(value, null, 2) byte for byte, whichever arrays are streamed, at any chunk size', () => {
    const chunkSize = fc.integer({ min: 1, max: 200 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), fc.infiniteStream(fc.boolean()), chunkSize, (value, picks, chunkChars) => {
      const streamed = withStreamedArrays(value, () => picks.next().value);
      expect(written(streamed, chunkChars).join('')).toBe(JSON.stringify(value, null, 2) + '\n');
    }), { numRuns: 2000 });
  });

  test('nested and empty streamed arrays, strings with newlines, strings and keys that hold a placeholder', () => {
    // The placeholders are tried in turn: graceful-check-streamed-array-0-, -1-, ...; this document
    // holds the first two, before the arrays: as a value, and as a key.
    const value = {
      'before': 'graceful-check-streamed-array-0-0',
      'graceful-check-streamed-array-1-0': 'a key',
      'a': [{ text: 'two\nlines', inner: [1, [2, []]] }, 'x'],
      'empty': [],
      'deep': { list: [[], [{}], ['"graceful-check-streamed-array-0-1"']] },
      'after': 'graceful-check-streamed-array-0-0',
      'graceful-check-streamed-array-1-2': 'a key',
    };
    const streamed = {
      'before': value.before,
      'graceful-check-streamed-array-1-0': 'a key',
      'a': new StreamedArray(() => value.a),
      'empty': new StreamedArray(() => []),
      'deep': { list: [new StreamedArray(() => []), new StreamedArray(() => [{}]), value.deep.list[2]] },
      'after': value.after,
      'graceful-check-streamed-array-1-2': 'a key',
    };
    for (const chunkChars of [1, 10, 16_384]) expect(written(streamed, chunkChars).join('')).toBe(JSON.stringify(value, null, 2) + '\n');
  });

  test('items are made one at a time: a chunk is written once it holds chunkChars characters, before the next item is made', () => {
    let made = 0;
    const writes: Array<{ text: string; made: number }> = [];
    const results = new StreamedArray(function* items() {
      for (let i = 0; i < 10; i++) {
        made++;
        yield { i };
      }
    });
    // Each item is written as `,\n    {\n      "i": 1\n    }` (26 characters): two fill a chunk of 40.
    writeJson({ results }, text => writes.push({ text, made }), 40);
    expect(writes.map(w => w.made)).toEqual([0, 2, 4, 6, 8, 10, 10, 10]);
    expect(writes.slice(1, 5).every(w => w.text.length >= 40 && w.text.length < 40 + 27)).toBe(true);
  });
});
