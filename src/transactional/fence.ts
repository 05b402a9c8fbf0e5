/**
 * The fence in the data database. A run takes the job there when it starts: one statement bumps
 * the job's epoch and returns the position stored with it (cursor, rows processed, and the extras:
 * the step it is in and what it skipped). Every item's transaction then advances the
 * cursor only `WHERE epoch = <ours>`; when another run has claimed the job since, that updates no
 * row, the statement raises, and the transaction is rolled back, effects and all.
 *
 *   run A: claim → epoch 7 ─ item ─ item ─ (frozen) ·········· wakes: UPDATE … epoch = 7 → 0 rows
 *   run B:                          claim → epoch 8 ─ item ─ item ─ …     (A rolls back, stops)
 */
import { quoteIdentifier } from '../enumerators/sql/identifier.js';
import type { JsonValue } from '../json.js';
import type { DurablePosition } from '../runtime/effect-scope.js';
import type { DurableExtras } from '../runtime/state.js';
import { statementName } from '../statement-name.js';
import type { Statement, Transactional } from './adapter.js';
import { FENCED_OUT } from './schema.js';

export class Fence {
  readonly #adapter: Transactional<unknown>;
  readonly #claim: string;
  readonly #advance: string;
  readonly #advanceName: string | undefined;
  readonly #queue: string;
  readonly #jobId: string;
  #epoch: string | undefined;

  constructor(adapter: Transactional<unknown>, queue: string, jobId: string) {
    const { table } = adapter.options;
    this.#adapter = adapter;
    this.#queue = queue;
    this.#jobId = jobId;
    // A fresh job (its id used again after the old one was removed) starts over: the old row's
    // cursor belongs to a job that no longer exists.
    this.#claim = `INSERT INTO ${table} AS c (queue, job_id, epoch, cursor, processed, extras)
      VALUES ($1, $2, 1, $3::text::jsonb, $4::text::bigint, $6::text::jsonb)
      ON CONFLICT (queue, job_id) DO UPDATE SET epoch = c.epoch + 1, updated_at = now(),
        cursor = CASE WHEN $5::text = 'fresh' THEN excluded.cursor ELSE c.cursor END,
        processed = CASE WHEN $5::text = 'fresh' THEN excluded.processed ELSE c.processed END,
        extras = CASE WHEN $5::text = 'fresh' THEN excluded.extras ELSE c.extras END
      RETURNING c.epoch::text AS epoch, c.cursor, c.processed::text AS processed,
        c.extras::text AS extras`;
    // One statement: the fenced write, and an error (FENCED_OUT) when it moved no row. The extras
    // are written only when given (a skip, a step): an item's commit leaves them as they are.
    this.#advance = `WITH moved AS (
        UPDATE ${table} SET cursor = $4::text::jsonb,
          processed = processed + $5::text::bigint, updated_at = now(),
          extras = COALESCE($7::text::jsonb, extras)
        WHERE queue = $1 AND job_id = $2 AND epoch = $3::text::bigint RETURNING 1)
      SELECT CASE WHEN EXISTS (SELECT 1 FROM moved) THEN true
        ELSE ${quoteIdentifier(adapter.options.schema)}.fenced_out($6) END AS moved`;
    this.#advanceName = adapter.options.preparedStatements
      ? statementName('fence', this.#advance)
      : undefined;
  }

  /**
   * Takes the job in the data database (a new epoch fences out every earlier run) and returns its
   * committed position; a job the data database has not seen, or a `fresh` one, starts at
   * `queueSide`.
   */
  async claim(queueSide: DurablePosition, fresh: boolean): Promise<DurablePosition> {
    const { rows } = await this.#adapter.query(this.#claim, [
      this.#queue,
      this.#jobId,
      JSON.stringify(queueSide.cursor),
      String(queueSide.processed),
      fresh ? 'fresh' : 'resume',
      JSON.stringify(queueSide.extras ?? {}),
    ]);
    const row = rows[0];
    if (row === undefined) throw new Error('claiming the job returned no row');
    this.#epoch = String(row.epoch);
    return {
      cursor: (row.cursor ?? null) as JsonValue | null,
      processed: Number(row.processed),
      extras:
        typeof row.extras === 'string' ? (JSON.parse(row.extras) as DurableExtras) : undefined,
    };
  }

  /**
   * The cursor write of an item's transaction, run right before its COMMIT: it fails with
   * {@link FENCED_OUT} when another run has claimed the job since this one did.
   */
  advance(cursor: JsonValue | null, rows: number, extras?: DurableExtras): Statement {
    return {
      text: this.#advance,
      name: this.#advanceName,
      values: [
        this.#queue,
        this.#jobId,
        this.#epoch,
        JSON.stringify(cursor),
        String(rows),
        `${this.#queue}/${this.#jobId}`,
        extras === undefined ? null : JSON.stringify(extras),
      ],
    };
  }
}

/** True for the error of a fenced-out cursor write. */
export function isFencedOut(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === FENCED_OUT;
}
