/**
 * The run index on PostgreSQL: one query over BullMQ's job rows of the queue, joined with the
 * library's state, control and tags tables, returning per job only the fields a listing needs.
 * BullMQ internals (the `job` table's columns), pinned to BullMQ 6 as job-lock.ts is; the schema
 * name is quoted and every value bound.
 */
import type { PgPool, PostgresQueueBackend } from 'bullmq';

import { POSTGRES_CONTROL_TABLE, POSTGRES_STATE_TABLE } from '../backends/postgres.js';
import { POSTGRES_TAGS_TABLE, recordTablesReady } from '../backends/run-records-postgres.js';
import { PARTITION_KEY } from '../parallel/partition-data.js';
import type { IndexDetail, IndexedState, RawEntry } from './run-entry.js';

interface Row {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly priority: number;
  readonly added_at_ms: string;
  // Read by a full read only.
  readonly progress_status?: string | null;
  readonly outcome?: string | null;
  readonly failed?: boolean;
  readonly attempts_made?: number;
  readonly control?: string | null;
  readonly cancelled?: boolean;
  readonly has_state: boolean;
  readonly partition: boolean;
  readonly tags: string | null;
}

/** Every job of queue `queueName` in `states`. */
export async function postgresEntries(
  backend: PostgresQueueBackend,
  queueName: string,
  states: readonly IndexedState[],
  detail: IndexDetail,
): Promise<RawEntry[]> {
  // The joined tables are created on first use; a queue that never ran a job has none yet.
  const { pool, s } = await recordTablesReady(backend);
  // BullMQ's PostgreSQL backend keeps prioritized jobs as waiting ones with a priority.
  const physical = [
    ...new Set(states.map((state) => (state === 'prioritized' ? 'waiting' : state))),
  ];
  const values = [queueName, PARTITION_KEY, physical];
  const rows =
    detail === 'full'
      ? (await pool.query<Row>(full(s), values)).rows
      : await lightRows(pool, s, values);
  const wanted = new Set<string>(states);
  return rows.flatMap((row) => {
    const state = stateOf(row);
    return wanted.has(state) ? [entryOf(row, state)] : [];
  });
}

/**
 * What a light read needs: order, name, tags, and whether a completed job ever iterated. The tags
 * come from a query of their own, joined here: a join's plan depends on statistics, and a table
 * just filled has none, when the planner's nested loop costs several times two scans.
 */
async function lightRows(pool: PgPool, s: string, values: unknown[]): Promise<Row[]> {
  const [jobs, tags] = await Promise.all([
    pool.query<Row>(
      `SELECT j.id, j.name, j.state::text AS state, j.priority,
              j.added_at_ms::text AS added_at_ms,
              (j.state <> 'completed' OR j.progress IS NOT NULL OR EXISTS (
                SELECT 1 FROM ${s}.${POSTGRES_STATE_TABLE} st
                 WHERE st.queue = j.queue AND st.job_id = j.id)) AS has_state,
              (j.parent_id IS NOT NULL AND jsonb_typeof(j.data) = 'object' AND j.data ? $2) AS partition
         FROM ${s}.job j
        WHERE j.queue = $1 AND j.state::text = ANY($3)`,
      values,
    ),
    pool.query<{ job_id: string; tags: string }>(
      `SELECT job_id, tags::text AS tags FROM ${s}.${POSTGRES_TAGS_TABLE} WHERE queue = $1`,
      [values[0]],
    ),
  ]);
  const byId = new Map(tags.rows.map((row) => [row.job_id, row.tags]));
  return jobs.rows.map((row) => ({ ...row, tags: byId.get(row.id) ?? null }));
}

function full(s: string): string {
  return `SELECT j.id, j.name, j.state::text AS state, j.priority, j.added_at_ms::text AS added_at_ms,
            CASE WHEN jsonb_typeof(j.progress) = 'object'
                  AND jsonb_typeof(j.progress -> 'processed') = 'number'
                  AND jsonb_typeof(j.progress -> 'status') = 'string'
                 THEN j.progress ->> 'status' END AS progress_status,
            CASE WHEN jsonb_typeof(j.return_value) = 'object'
                 THEN j.return_value ->> 'outcome' END AS outcome,
            COALESCE(j.failed_reason, '') <> '' AS failed,
            j.attempts_made,
            c.control ->> 'action' AS control,
            s.job_id IS NOT NULL AS has_state,
            COALESCE(j.state = 'completed' AND s.state ? 'cancelled', false) AS cancelled,
            (j.parent_id IS NOT NULL AND jsonb_typeof(j.data) = 'object' AND j.data ? $2) AS partition,
            t.tags::text AS tags
       FROM ${s}.job j
       LEFT JOIN ${s}.${POSTGRES_STATE_TABLE} s ON s.queue = j.queue AND s.job_id = j.id
       LEFT JOIN ${s}.${POSTGRES_CONTROL_TABLE} c ON c.queue = j.queue AND c.job_id = j.id
       LEFT JOIN ${s}.${POSTGRES_TAGS_TABLE} t ON t.queue = j.queue AND t.job_id = j.id
      WHERE j.queue = $1 AND j.state::text = ANY($3)`;
}

function entryOf(row: Row, state: IndexedState): RawEntry {
  return {
    id: row.id,
    name: row.name,
    state,
    addedAt: Number(row.added_at_ms) || 0,
    progressStatus: row.progress_status ?? undefined,
    outcome: row.outcome ?? undefined,
    failed: row.failed === true,
    attemptsMade: Number(row.attempts_made) || 0,
    control: row.control ?? undefined,
    hasState: row.has_state,
    cancelledInState: row.cancelled === true,
    partition: row.partition,
    tags: row.tags ?? undefined,
  };
}

/** PostgreSQL keeps prioritized jobs as `waiting` with a priority (BullMQ's `prioritized`). */
function stateOf(row: Row): IndexedState {
  if (row.state === 'waiting' && row.priority > 0) return 'prioritized';
  return row.state as IndexedState;
}
