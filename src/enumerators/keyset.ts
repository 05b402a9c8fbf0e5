/**
 * `keyset` and `keysetBatches`: the rows of a PostgreSQL table or query, in the order of one or
 * more columns ending in a unique key, read a page at a time with keyset pagination
 * (`WHERE (a, b) > ($1, $2) ORDER BY a, b LIMIT n`). Unlike OFFSET, every page costs the same,
 * and the cursor (the keys of the last row done) stays valid while rows come and go.
 */
import type { IterationEnumerator } from '../enumerator.js';
import type { SizeFunction } from './enumerable.js';
import { enumerable } from './enumerable.js';
import { boundedSize } from './sql/keyset-count.js';
import type { KeysetOptions } from './sql/keyset-options.js';
import { keysetStart, resolveKeysetOptions } from './sql/keyset-options.js';
import { keysetPages } from './sql/keyset-pages.js';
import type { KeysetCursor, KeysetPlan } from './sql/keyset-plan.js';
import { planKeyset } from './sql/keyset-plan.js';
import { checked } from './sql/statement.js';

export type { KeysetOptions } from './sql/keyset-options.js';
export type { KeysetCursor } from './sql/keyset-plan.js';

/**
 * Enumerates rows one by one, the cursor being the ordering columns' values of the row done:
 * `{ created_at: '2024-05-01T09:30:00.123456+00:00', id: '42' }`. Timestamps, numerics and other
 * types a driver may round are stored as PostgreSQL's exact text (ISO 8601 for times); integers,
 * text and uuids as the driver returns them (int8 is a string with `pg`).
 *
 * On the first `next()` it checks the source in the catalog: the columns must exist, be NOT NULL
 * and end in a primary key or unique index (else an EnumeratorError says how to fix it).
 *
 * Rows inserted while the job runs are never visited when their key lies behind the cursor, and
 * are visited when it lies beyond the last row read (the end of the page in hand, at most
 * `batchSize` rows ahead); in between, only a resume, which reads that page again, visits them. A
 * row whose key changes may be visited twice or not at all. Each page is its own statement, so
 * pages do not share one snapshot.
 *
 * With `after` and `until` (a partition planned by `keysetPartitions`), only the rows whose keys
 * are after `after` and up to and including `until`, in the walk's order, are read; plan with the
 * same `columns`, `order` and `where` as the enumerator uses.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * // An idle client closed by a database restart emits 'error'; unheard, it ends the process.
 * pool.on('error', (error) => console.warn(`idle database client lost: ${error.message}`));
 * defineIterationJob({
 *   name: 'backfill',
 *   buildEnumerator: ({ params, cursor }) =>
 *     keyset<User>({
 *       query: pgQuery(pool),
 *       table: 'users',
 *       columns: ['created_at', 'id'],
 *       where: 'tenant_id = $1 AND deleted_at IS NULL',
 *       values: [params.tenantId],
 *       batchSize: 500,
 *       cursor,
 *     }),
 *   async eachIteration(user) { await backfill(user); },
 * });
 * // One partition of a parallel run: { after, until } from keysetPartitions.
 * buildEnumerator: ({ cursor, partition }) =>
 *   keyset({ query, table: 'users', columns: ['id'], ...partition, cursor }),
 * ```
 */
export function keyset<Row extends object = Record<string, unknown>>(
  options: KeysetOptions,
): IterationEnumerator<Row, KeysetCursor> {
  return buildKeyset<Row>(options, 'keyset');
}

/**
 * Enumerates rows in arrays of up to `batchSize`, one statement per batch; the cursor is that of
 * the batch's last row. Progress counts rows (a batch weighs its length; `size()` counts rows).
 * Otherwise the same as `keyset`.
 *
 * @example
 * ```ts
 * buildEnumerator: ({ cursor }) =>
 *   keysetBatches<{ id: string; email: string }>({
 *     query: pgQuery(pool), table: 'users', columns: ['id'], batchSize: 1000, cursor,
 *   }),
 * async eachIteration(users) { await mailer.bulkSubscribe(users.map((u) => u.email)); },
 * ```
 */
export function keysetBatches<Row extends object = Record<string, unknown>>(
  options: KeysetOptions,
): IterationEnumerator<Row[], KeysetCursor> {
  return buildKeyset<Row[]>(options, 'keysetBatches');
}

function buildKeyset<Item>(
  options: KeysetOptions,
  source: 'keyset' | 'keysetBatches',
): IterationEnumerator<Item, KeysetCursor> {
  const spec = resolveKeysetOptions(options, source);
  const start = keysetStart(options.cursor, spec.columns, source) ?? spec.after;
  // One plan per enumerator, made on first use by next() or size(), never by building it.
  let planned: Promise<KeysetPlan> | undefined;
  const plan = () =>
    (planned ??= planKeyset(spec).catch((error: unknown) => {
      // A lost connection while planning must not stick: the next call plans again.
      planned = undefined;
      throw error;
    }));
  const mode = options.count ?? 'estimate';
  const size: SizeFunction | undefined =
    mode === 'none'
      ? undefined
      : async () => {
          const ready = await plan();
          // Without statistics (never analyzed, or a filter they cannot see), a bounded count.
          if (mode !== 'exact') return ready.estimate ?? boundedSize(spec.query, ready, source);
          const counted = await checked(
            spec.query,
            ready.count,
            ready.countValues,
            'counting',
            source,
          );
          return Number(counted.rows[0]?.n);
        };

  const batched = source === 'keysetBatches';
  // A batch weighs its rows, so progress counts rows either way and `size()` is the row count.
  return enumerable(
    () => keysetPages<Item>(spec, plan, start, batched),
    size,
    batched ? (rows) => (rows as unknown[]).length : undefined,
  );
}
