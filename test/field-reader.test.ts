// The field reader: what each `…At` reader reports (pointer, message) must be what the
// plain reader reports for the same value, and a well-formed field reports nothing.
import * as fc from 'fast-check';
import { FieldReader } from '../src/manifest/fields';

const BASE = '/spec/template/spec/containers/0';

/** The problems a reader collected, after one read. */
function problemsOf(read: (reader: FieldReader) => unknown): { value: unknown; problems: FieldReader['problems'] } {
  const reader = new FieldReader();
  const value = read(reader);
  return { value, problems: reader.problems };
}

describe('field readers that build a pointer only to report', () => {
  const anyValue = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.integer({ min: -5, max: 70000 }), fc.double({ noNaN: true }),
    fc.string({ maxLength: 5 }), fc.constantFrom('3', ' 7 ', '1.5', '25%'), fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxKeys: 3 }),
  );

  test('property: each reads and reports exactly as the plain reader does at parent/key', () => {
    fc.assert(fc.property(anyValue, fc.constantFrom({}, { min: 0 }, { min: 1, max: 65535 }), (value, options) => {
      const parent = { field: value };
      const at = `${BASE}/field`;
      expect(problemsOf(r => r.integerAt(parent, 'field', BASE, options))).toEqual(problemsOf(r => r.integer(value, at, options)));
      expect(problemsOf(r => r.stringAt(parent, 'field', BASE))).toEqual(problemsOf(r => r.string(value, at)));
      expect(problemsOf(r => r.recordAt(parent, 'field', BASE))).toEqual(problemsOf(r => r.record(value, at)));
      expect(problemsOf(r => r.listAt(parent, 'field', BASE))).toEqual(problemsOf(r => r.list(value, at)));
      expect(problemsOf(r => r.stringListAt(parent, 'field', BASE))).toEqual(problemsOf(r => r.stringList(value, at)));
    }), { numRuns: 300 });
  });

  test('a bad field is reported at its own pointer, with the numbers', () => {
    const { value, problems } = problemsOf(r => r.integerAt({ containerPort: 70000 }, 'containerPort', `${BASE}/ports/0`, { min: 1, max: 65535 }));
    expect(value).toBeUndefined();
    expect(problems).toEqual([{ pointer: `${BASE}/ports/0/containerPort`, message: 'containerPort is 70000; it must be at most 65535', fix: 'set it to 65535 or less' }]);
  });
});

describe('string maps (labels, annotations, selectors)', () => {
  test('a map of strings is read as it is, without a copy', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(problemsOf(r => r.stringMap(labels, '/metadata/labels'))).toEqual({ value: labels, problems: [] });
    expect(new FieldReader().stringMap(labels, '/metadata/labels')).toBe(labels);
  });

  test('a value that is not a string is reported, and read as its text in a copy', () => {
    const labels = { 'app': 'web', 'example.com/v': 2 };
    const { value, problems } = problemsOf(r => r.stringMap(labels, '/metadata/labels'));
    expect(value).toEqual({ 'app': 'web', 'example.com/v': '2' });
    expect(labels['example.com/v']).toBe(2);
    expect(problems.map(p => p.pointer)).toEqual(['/metadata/labels/example.com~1v']);
  });
});
