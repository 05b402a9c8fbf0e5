// Pins the public types of the planners, and that what each one returns fits the enumerator it
// is meant for, as `buildEnumerator: ({ cursor, partition }) => …` uses it.
import { describe, expectTypeOf, it } from 'vitest';

import type {
  CsvPartition,
  KeysetPartition,
  QueryFunction,
  RangePartition,
} from '../../../src/index.js';
import {
  array,
  arrayPartitions,
  csv,
  csvPartitions,
  keyset,
  keysetPartitions,
  range,
  rangePartitions,
  splitKeyset,
  splitRange,
} from '../../../src/index.js';
import type { JsonValue } from '../../../src/json.js';

const query: QueryFunction = () => Promise.resolve({ rows: [] });

describe('partition planner types', () => {
  it('return JSON bounds, synchronously for ranges and arrays', () => {
    expectTypeOf(rangePartitions).returns.toEqualTypeOf<RangePartition[]>();
    expectTypeOf(arrayPartitions).returns.toEqualTypeOf<RangePartition[]>();
    expectTypeOf(keysetPartitions).returns.toEqualTypeOf<Promise<KeysetPartition[]>>();
    expectTypeOf(csvPartitions).returns.toEqualTypeOf<Promise<CsvPartition[]>>();
    expectTypeOf<RangePartition>().toExtend<JsonValue>();
    expectTypeOf<KeysetPartition>().toExtend<JsonValue>();
    expectTypeOf<CsvPartition>().toExtend<JsonValue>();
  });

  it('give bounds the enumerators accept as they are', () => {
    // Compiled, never run: the check is that these calls type-check.
    expectTypeOf(builds).toBeFunction();
  });

  it('split into a pair or nothing', () => {
    expectTypeOf(splitRange).returns.toEqualTypeOf<[RangePartition, RangePartition] | undefined>();
    expectTypeOf(splitKeyset).returns.toEqualTypeOf<
      Promise<[KeysetPartition, KeysetPartition] | undefined>
    >();
  });
});

function builds(cursor: unknown) {
  const part = {} as RangePartition;
  range({ from: part.from, to: part.to, cursor });
  array([1, 2], { from: part.from, to: part.to, cursor });
  const rows = {} as KeysetPartition;
  keyset({ query, table: 't', columns: ['id'], ...rows, cursor });
  keyset({ query, table: 't', columns: ['id'], after: rows.after, until: rows.until, cursor });
  const bytes = {} as CsvPartition;
  csv({ path: 'a.csv', start: bytes.start, end: bytes.end, cursor });
}
