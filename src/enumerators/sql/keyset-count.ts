/**
 * The size a `keyset` reports when the planner's statistics say nothing (a table never
 * ANALYZEd, as one just loaded, or a filtered source): a count that stops at
 * {@link BOUNDED_COUNT} rows, cheap whatever the table's size, and past that bound the planner's
 * own estimate from EXPLAIN, so progress shows a total and a percentage either way.
 */
import type { KeysetPlan } from './keyset-plan.js';
import type { QueryFunction } from './query.js';
import { checked } from './statement.js';

/** Rows counted at most before the planner's estimate is used instead. */
export const BOUNDED_COUNT = 100_000;

/**
 * The bounded count, or the estimate past it; `undefined` when either statement fails: a size is
 * a nicety of progress, and the same filter fails the first page read with its own message.
 */
export async function boundedSize(
  query: QueryFunction,
  plan: Pick<KeysetPlan, 'countUpTo' | 'explainCount' | 'countValues'>,
  source: string,
): Promise<number | undefined> {
  return sizeOf(query, plan, source).catch(() => undefined);
}

async function sizeOf(
  query: QueryFunction,
  plan: Pick<KeysetPlan, 'countUpTo' | 'explainCount' | 'countValues'>,
  source: string,
): Promise<number | undefined> {
  const counted = await checked(
    query,
    plan.countUpTo,
    [...plan.countValues, BOUNDED_COUNT + 1],
    'counting',
    source,
  );
  const rows = Number(counted.rows[0]?.n);
  if (Number.isFinite(rows) && rows <= BOUNDED_COUNT) return rows;
  const explained = await checked(query, plan.explainCount, plan.countValues, 'estimating', source);
  const estimate = planRows(explained.rows[0]);
  // More than the bound were seen: an estimate below it is the planner's, not the truth.
  return estimate === undefined ? undefined : Math.max(estimate, BOUNDED_COUNT + 1);
}

/** `Plan Rows` of EXPLAIN (FORMAT JSON)'s one row, whatever the driver made of its JSON. */
function planRows(row: Record<string, unknown> | undefined): number | undefined {
  const value = row === undefined ? undefined : Object.values(row)[0];
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const rows = (parsed as [{ Plan?: { 'Plan Rows'?: unknown } }] | undefined)?.[0]?.Plan?.[
    'Plan Rows'
  ];
  return typeof rows === 'number' && Number.isFinite(rows) ? Math.round(rows) : undefined;
}
