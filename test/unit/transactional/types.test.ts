// The public types of transactional mode: ctx.tx has the type of the adapter's client.
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';

import {
  defineIterationJob,
  pgliteTransactions,
  pgTransactions,
  type Transactional,
} from '../../../src/index.js';

declare const pool: pg.Pool;
declare const db: PGlite;

/** Type-checked, never run: `pool` and `db` exist only as types. */
const typeOnly = (check: () => void) => void check;

describe('transactional types', () => {
  it('ctx.tx is a pg PoolClient with pgTransactions, PGlite’s Transaction with pgliteTransactions', () =>
    typeOnly(() => {
      expectTypeOf(pgTransactions(pool)).toEqualTypeOf<Transactional<pg.PoolClient>>();
      expectTypeOf(pgliteTransactions(db)).toEqualTypeOf<Transactional<Transaction>>();
      defineIterationJob({
        name: 'typed-pg',
        transactional: pgTransactions(pool),
        buildEnumerator: () => [[1, 1] as const],
        eachIteration(item, ctx) {
          expectTypeOf(item).toEqualTypeOf<1>();
          expectTypeOf(ctx.tx).toEqualTypeOf<pg.PoolClient>();
          expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
        },
      });
      defineIterationJob({
        name: 'typed-pglite',
        transactional: pgliteTransactions(db),
        buildEnumerator: () => [[1, 1] as const],
        eachIteration(_item, ctx) {
          expectTypeOf(ctx.tx).toEqualTypeOf<Transaction>();
        },
      });
    }));

  it('a job without transactional has ctx.tx undefined and still an idempotency key', () => {
    defineIterationJob({
      name: 'plain',
      buildEnumerator: () => [[1, 1] as const],
      eachIteration(_item, ctx) {
        expectTypeOf(ctx.tx).toEqualTypeOf<undefined>();
        expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
      },
    });
  });
});
