// Types a job's params and cursor may have (JSON data, with undefined properties allowed since
// they are dropped), and the cursor inferred from the built-in builders.
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';

import type { CsvCursor, JsonCompatible, KeysetCursor, NestedCursor } from '../../../src/index.js';
import {
  array,
  batches,
  csvBatches,
  defineIterationJob,
  keyset,
  keysetBatches,
  nested,
  pgQuery,
  range,
  times,
} from '../../../src/index.js';

declare const pool: pg.Pool;

describe('JsonCompatible', () => {
  it('keeps JSON data, interfaces included, and optional or undefined properties', () => {
    interface Filter {
      readonly plan: 'free' | 'pro';
      readonly since?: string | undefined;
      readonly ids: readonly number[];
    }
    expectTypeOf<JsonCompatible<Filter>>().toEqualTypeOf<Filter>();
    expectTypeOf<JsonCompatible<[string, number]>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<JsonCompatible<unknown>>().toEqualTypeOf<unknown>();
  });

  it('marks what is not JSON as never', () => {
    expectTypeOf<JsonCompatible<{ at: Date }>>().toEqualTypeOf<{ at: never }>();
    expectTypeOf<JsonCompatible<{ id: bigint }>>().toEqualTypeOf<{ id: never }>();
    expectTypeOf<JsonCompatible<{ tags: Set<string> }>>().toEqualTypeOf<{ tags: never }>();
    expectTypeOf<JsonCompatible<() => void>>().toBeNever();
  });
});

describe('defineIterationJob', () => {
  it('infers the cursor from array, range and times without an annotation', () => {
    const fromArray = defineIterationJob({
      name: 'a',
      buildEnumerator: ({ cursor }) => array(['x', 'y'], { cursor }),
      eachIteration(item, ctx) {
        expectTypeOf(item).toEqualTypeOf<string>();
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
      onResume: (ctx) => {
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
    });
    expectTypeOf(fromArray.definition.eachIteration).parameter(1).toHaveProperty('cursor');
    defineIterationJob({
      name: 'r',
      buildEnumerator: ({ cursor }) => range({ from: 0, to: 9, cursor }),
      eachIteration: (_n, ctx) => {
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
    });
    defineIterationJob({
      name: 't',
      buildEnumerator: ({ cursor }) => times(3, { cursor }),
      eachIteration: (_n, ctx) => {
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
    });
  });

  it('infers KeysetCursor from keyset and keysetBatches, and the nested cursor', () => {
    defineIterationJob({
      name: 'k',
      buildEnumerator: ({ cursor }) =>
        keyset({ query: pgQuery(pool), table: 'users', columns: ['id'], cursor }),
      eachIteration: (_row, ctx) => {
        expectTypeOf(ctx.cursor).toEqualTypeOf<KeysetCursor | null>();
      },
    });
    defineIterationJob({
      name: 'kb',
      buildEnumerator: ({ cursor }) =>
        keysetBatches({ query: pgQuery(pool), table: 'users', columns: ['id'], cursor }),
      eachIteration: (rows, ctx) => {
        expectTypeOf(rows).toBeArray();
        expectTypeOf(ctx.cursor).toEqualTypeOf<KeysetCursor | null>();
      },
    });
    defineIterationJob({
      name: 'n',
      buildEnumerator: ({ cursor }) =>
        nested(
          [
            (c) => array(['a', 'b'], { cursor: c }),
            (_shop: string, c) => array([1, 2], { cursor: c }),
          ],
          { cursor },
        ),
      eachIteration: (item, ctx) => {
        expectTypeOf(item).toEqualTypeOf<number>();
        expectTypeOf(ctx.cursor).toEqualTypeOf<NestedCursor | null>();
      },
    });
  });

  it('infers the cursor through batches and csvBatches, the items being arrays', () => {
    defineIterationJob({
      name: 'b',
      buildEnumerator: ({ cursor }) => batches(array(['a', 'b', 'c'], { cursor }), 2),
      eachIteration: (batch, ctx) => {
        expectTypeOf(batch).toEqualTypeOf<string[]>();
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
    });
    defineIterationJob({
      name: 'cb',
      buildEnumerator: ({ cursor }) => csvBatches({ path: 'a.csv', batchSize: 100, cursor }),
      eachIteration: (rows, ctx) => {
        expectTypeOf(rows).toEqualTypeOf<Record<string, string>[]>();
        expectTypeOf(ctx.cursor).toEqualTypeOf<CsvCursor | null>();
      },
    });
  });

  it('an annotated argument still decides the cursor', () => {
    defineIterationJob({
      name: 'annotated',
      buildEnumerator: ({ cursor }: { cursor: number | null }) => [[cursor ?? 0, 1] as const],
      eachIteration: (_n, ctx) => {
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
      },
    });
  });

  it('refuses Date or BigInt params and cursors at compile time; undefined properties pass', () => {
    // @ts-expect-error a Date cannot be stored as params
    defineIterationJob({
      name: 'dated-params',
      parseParams: (data: unknown) => data as { since: Date },
      buildEnumerator: () => [],
      eachIteration() {},
    });
    // @ts-expect-error a Date cannot be stored as a cursor
    defineIterationJob({
      name: 'dated-cursor',
      buildEnumerator: () => [[1, new Date(0)] as const],
      eachIteration() {},
    });
    // @ts-expect-error nor can a bigint
    defineIterationJob({
      name: 'bigint-cursor',
      buildEnumerator: () => [[1, 1n] as const],
      eachIteration() {},
    });
    const optional = defineIterationJob({
      name: 'optional',
      parseParams: (data: unknown) => data as { since?: string | undefined; limit: number },
      buildEnumerator: ({ cursor }) => array([1], { cursor }),
      eachIteration() {},
    });
    expectTypeOf(optional.enqueue)
      .parameter(1)
      .toEqualTypeOf<{ since?: string | undefined; limit: number }>();
  });
});
