import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { describeNonJson, preview } from '../../../src/json.js';

class Point {
  constructor(readonly x: number) {}
}

describe('describeNonJson', () => {
  it('accepts every plain JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // fast-check's jsonValue includes -0, which JSON turns into 0; both are finite numbers.
        expect(describeNonJson(value)).toBeUndefined();
      }),
    );
  });

  it.each([
    ['Date', new Date(0), 'cursor: a Date; store `date.toISOString()` or `date.getTime()`'],
    ['BigInt', 5n, 'cursor: a BigInt (5n); store it as a string'],
    ['Map', new Map(), 'cursor: a Map; store `Object.fromEntries(map)`'],
    ['Set', new Set([1]), 'cursor: a Set; store `[...set]`'],
    [
      'class instance',
      new Point(1),
      'cursor: an instance of Point; store its plain fields instead',
    ],
    ['undefined', undefined, 'cursor: undefined'],
    ['NaN', Number.NaN, 'cursor: NaN (not a finite number)'],
    ['Infinity', Number.POSITIVE_INFINITY, 'cursor: Infinity (not a finite number)'],
    ['function', () => 1, 'cursor: a function'],
    ['symbol', Symbol('s'), 'cursor: a symbol'],
  ])('rejects a %s and says what to store instead', (_name, value, message) => {
    expect(describeNonJson(value, 'cursor')).toBe(message);
  });

  it('names the path of a bad value nested in arrays and objects', () => {
    expect(describeNonJson({ a: [1, { b: undefined }] }, 'cursor')).toBe(
      'cursor.a[1].b: undefined',
    );
    expect(describeNonJson([0, [1, new Date(0)]], 'c')).toMatch(/^c\[1\]\[1\]: a Date/);
  });

  it('finds cycles but accepts the same object twice side by side', () => {
    const shared = { id: 1 };
    expect(describeNonJson({ a: shared, b: shared })).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    expect(describeNonJson(cyclic, 'cursor')).toBe('cursor.me: a circular reference');
  });

  it('finds a non-JSON value hidden anywhere in a JSON document', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1 }), fc.nat(), (values, at) => {
        const poisoned: unknown[] = [...values];
        poisoned.splice(at % (values.length + 1), 0, new Date(0));
        expect(describeNonJson({ list: poisoned }, 'x')).toMatch(/^x\.list\[\d+\]: a Date/);
      }),
    );
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, number>;
    bare.a = 1;
    expect(describeNonJson(bare)).toBeUndefined();
  });
});

describe('preview', () => {
  it('renders values briefly for error messages', () => {
    expect(preview({ rows: [1, 2] })).toBe('{"rows":[1,2]}');
    expect(preview(10n)).toBe('10n');
    expect(preview(undefined)).toBe('undefined');
    expect(preview('x'.repeat(500), 20)).toHaveLength(20);
  });
});
