/**
 * A page of the run index computed by PostgreSQL: the runs of a queue that the light index would
 * list (no partition jobs; completed jobs only once they iterated, or of a job name the console
 * knows), filtered by job name and tags, ordered as the index orders them (BullMQ state, then
 * newest first), counted and cut to the page, so that only the page's rows leave the database.
 * BullMQ internals (the `job` table), pinned to BullMQ 6; the schema is quoted, values bound.
 */
import type { PostgresQueueBackend } from 'bullmq';

import { POSTGRES_STATE_TABLE } from '../backends/postgres.js';
import { POSTGRES_TAGS_TABLE, recordTablesReady } from '../backends/run-records-postgres.js';
import { PARTITION_KEY } from '../parallel/partition-data.js';
import type { IndexedState, IndexPage, IndexPageOptions } from './run-entry.js';
import type { RunEntry, RunQuery } from './run-index.js';

interface Row {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly priority: number;
  readonly added_at_ms: string;
  readonly total: string;
}

export async function postgresPage(
  backend: PostgresQueueBackend,
  queueName: string,
  query: RunQuery,
  options: IndexPageOptions,
): Promise<IndexPage> {
  // The joined tables are created on first use; a queue that never ran a job has none yet.
  const { pool, s } = await recordTablesReady(backend);
  // What the index lists: $1 queue, $2 partition marker, $3 job names listed when completed.
  const listed = `j.queue = $1
      AND NOT (j.parent_id IS NOT NULL AND jsonb_typeof(j.data) = 'object' AND j.data ? $2)
      AND (j.state <> 'completed' OR j.progress IS NOT NULL OR j.name = ANY($3) OR EXISTS (
        SELECT 1 FROM ${s}.${POSTGRES_STATE_TABLE} st WHERE st.queue = j.queue AND st.job_id = j.id))`;
  const base = [queueName, PARTITION_KEY, [...options.names]];
  const [page, names] = await Promise.all([
    pool.query<Row>(
      `SELECT j.id, j.name, j.state::text AS state, j.priority, j.added_at_ms::text AS added_at_ms,
              count(*) OVER () AS total
         FROM ${s}.job j
        WHERE ${listed}
          AND ($4::text IS NULL OR j.name = $4)
          AND ($5::jsonb IS NULL OR EXISTS (
            SELECT 1 FROM ${s}.${POSTGRES_TAGS_TABLE} t
             WHERE t.queue = j.queue AND t.job_id = j.id AND t.tags @> $5::jsonb))
        ORDER BY CASE j.state::text
                   WHEN 'active' THEN 0
                   WHEN 'waiting' THEN CASE WHEN j.priority > 0 THEN 2 ELSE 1 END
                   WHEN 'delayed' THEN 3
                   WHEN 'waiting-children' THEN 4
                   WHEN 'completed' THEN 5
                   ELSE 6 END,
                 j.added_at_ms DESC, length(j.id) DESC, j.id DESC
        LIMIT $6 OFFSET $7`,
      [
        ...base,
        query.name || null,
        query.tags === undefined ? null : JSON.stringify(query.tags),
        options.limit,
        options.offset,
      ],
    ),
    pool.query<{ name: string; runs: string }>(
      `SELECT j.name, count(*) AS runs FROM ${s}.job j WHERE ${listed} GROUP BY j.name`,
      base,
    ),
  ]);
  let total = Number(page.rows[0]?.total ?? 0);
  // Past the last page no row carries the count: ask for it alone.
  if (page.rows.length === 0 && options.offset > 0) {
    const counted = await postgresPage(backend, queueName, query, {
      ...options,
      offset: 0,
      limit: 1,
    });
    total = counted.total;
  }
  return {
    total,
    entries: page.rows.map((row) => entryOf(queueName, row)),
    names: Object.fromEntries(names.rows.map((row) => [row.name, Number(row.runs)])),
  };
}

function entryOf(queueName: string, row: Row): RunEntry {
  const state = (
    row.state === 'waiting' && row.priority > 0 ? 'prioritized' : row.state
  ) as IndexedState;
  return {
    queueName,
    jobId: row.id,
    jobName: row.name,
    bullState: state,
    status: undefined,
    addedAt: Number(row.added_at_ms) || 0,
    tagsText: undefined,
  };
}
