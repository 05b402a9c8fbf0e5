/**
 * Tags and audit entries on PostgreSQL: two tables of ours in BullMQ's schema, beside the state
 * table, with foreign keys that cascade deletes so the records go away with the job. Writes insert
 * from the job row, so a record for a job that is gone inserts nothing. User values are bound,
 * the schema name is quoted.
 */
import type { PgPool, PostgresQueueBackend } from 'bullmq';
import { quoteSchemaName } from 'bullmq';

import { createJobTable, ensureStateTable, preparedOnce } from './postgres.js';
import type { RunRecordsStore, StoredRecords } from './run-records.js';
import { MAX_AUDIT_ENTRIES } from './run-records.js';
import type { JobRef } from './store.js';

export const POSTGRES_TAGS_TABLE = 'bullmq_iteration_tags';
export const POSTGRES_AUDIT_TABLE = 'bullmq_iteration_audit';

interface Statements {
  readonly load: string;
  readonly setTags: string;
  readonly appendAudit: string;
}

const ready = new WeakMap<PgPool, Map<string, Promise<Statements>>>();

export class PostgresRunRecords implements RunRecordsStore {
  readonly #backend: PostgresQueueBackend;

  constructor(backend: PostgresQueueBackend) {
    this.#backend = backend;
  }

  async load(job: JobRef): Promise<StoredRecords> {
    const { pool, statements } = await this.#prepare();
    const { rows } = await pool.query<{ tags: string | null; audit: string[] | null }>(
      statements.load,
      [job.queueName, job.id, MAX_AUDIT_ENTRIES],
    );
    return { tags: rows[0]?.tags ?? undefined, audit: rows[0]?.audit ?? [] };
  }

  async setTags(job: JobRef, json: string): Promise<void> {
    const { pool, statements } = await this.#prepare();
    await pool.query(statements.setTags, [job.queueName, job.id, json]);
  }

  async appendAudit(job: JobRef, json: string): Promise<void> {
    const { pool, statements } = await this.#prepare();
    await pool.query(statements.appendAudit, [job.queueName, job.id, json, MAX_AUDIT_ENTRIES]);
  }

  #prepare(): Promise<{ pool: PgPool; statements: Statements }> {
    return preparedOnce(this.#backend, ready, ensureRecordTables);
  }
}

/**
 * BullMQ's pool of `backend` once the tags, audit and state tables exist (made once per pool and
 * schema, shared with the records store), and the schema's quoted name: for readers that join
 * them (the run index).
 */
export async function recordTablesReady(
  backend: PostgresQueueBackend,
): Promise<{ pool: PgPool; s: string }> {
  const { pool } = await preparedOnce(backend, ready, ensureRecordTables);
  return { pool, s: quoteSchemaName(backend.connection.schema) };
}

/**
 * Creates the tags and audit tables (and the state tables the run index joins) when missing.
 * Idempotent and safe to race, as the state table's creation is.
 */
export async function ensureRecordTables(pool: PgPool, schema: string): Promise<Statements> {
  await ensureStateTable(pool, schema);
  const s = quoteSchemaName(schema);
  const tags = `${s}.${POSTGRES_TAGS_TABLE}`;
  const audit = `${s}.${POSTGRES_AUDIT_TABLE}`;
  await createJobTable(pool, s, tags, 'tags jsonb NOT NULL');
  await createJobTable(pool, s, audit, 'seq bigserial NOT NULL, entry jsonb NOT NULL', ', seq');
  return {
    load: `SELECT (SELECT t.tags::text FROM ${tags} t WHERE t.queue = $1 AND t.job_id = $2) AS tags,
                  ARRAY(SELECT e FROM (SELECT a.entry::text AS e, a.seq FROM ${audit} a
                         WHERE a.queue = $1 AND a.job_id = $2 ORDER BY a.seq DESC LIMIT $3) newest
                        ORDER BY newest.seq) AS audit`,
    setTags: `INSERT INTO ${tags} (queue, job_id, tags)
              SELECT j.queue, j.id, $3::jsonb FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
              ON CONFLICT (queue, job_id) DO UPDATE SET tags = EXCLUDED.tags`,
    // The newest entries are kept; older ones beyond the bound are removed in the same statement.
    appendAudit: `WITH added AS (
                    INSERT INTO ${audit} (queue, job_id, entry)
                    SELECT j.queue, j.id, $3::jsonb FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
                    RETURNING seq)
                  DELETE FROM ${audit} a WHERE a.queue = $1 AND a.job_id = $2 AND a.seq <=
                    (SELECT a2.seq FROM ${audit} a2 WHERE a2.queue = $1 AND a2.job_id = $2
                      ORDER BY a2.seq DESC OFFSET $4::int - 1 LIMIT 1)
                    AND EXISTS (SELECT 1 FROM added)`,
  };
}
