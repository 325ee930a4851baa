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

function written(value: unknown, chunkItems?: number): string[] {
  const chunks: string[] = [];
  writeJson(value, t => chunks.push(t), chunkItems);
  return chunks;
}

describe('JSON written in chunks', () => {
  test('is JSON.stringify(value, null, 2) byte for byte, whichever arrays are streamed, at any chunk size', () => {
    const chunkSize = fc.integer({ min: 1, max: 4 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), fc.infiniteStream(fc.boolean()), chunkSize, (value, picks, chunkItems) => {
      const streamed = withStreamedArrays(value, () => picks.next().value);
      expect(written(streamed, chunkItems).join('')).toBe(JSON.stringify(value, null, 2) + '\n');
    }), { numRuns: 2000 });
  });

  test('nested and empty streamed arrays, strings with newlines and with the shape of the placeholder', () => {
    const value = {
      a: [{ text: 'two\nlines', inner: [1, [2, []]] }, 'x'],
      empty: [],
      deep: { list: [[], [{}], ['"graceful-check-streamed-array-0"']] },
      after: 'graceful-check-streamed-array-0',
    };
    const streamed = {
      a: new StreamedArray(() => value.a),
      empty: new StreamedArray(() => []),
      deep: { list: [new StreamedArray(() => []), new StreamedArray(() => [{}]), value.deep.list[2]] },
      after: value.after,
    };
    for (const chunkItems of [1, 2, 512]) expect(written(streamed, chunkItems).join('')).toBe(JSON.stringify(value, null, 2) + '\n');
  });

  test('items are made one at a time: the first chunk is written before the last item is made', () => {
    let made = 0;
    const madeWhenWritten: number[] = [];
    const results = new StreamedArray(function* items() {
      for (let i = 0; i < 10; i++) {
        made++;
        yield { i };
      }
    });
    writeJson({ results }, () => madeWhenWritten.push(made), 3);
    // The text before the array, then a chunk after items 3, 6 and 9, then the rest.
    expect(madeWhenWritten).toEqual([0, 3, 6, 9, 10, 10]);
  });
});
