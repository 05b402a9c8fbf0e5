/**
 * The fence in the data database. A run takes the job there when it starts: one statement bumps
 * the job's epoch and returns the cursor stored with it. Every item's transaction then advances the
 * cursor only `WHERE epoch = <ours>`; when another run has claimed the job since, that updates no
 * row and the transaction is rolled back, effects and all.
 *
 *   run A: claim → epoch 7 ─ item ─ item ─ (frozen) ·········· wakes: UPDATE … epoch = 7 → 0 rows
 *   run B:                          claim → epoch 8 ─ item ─ item ─ …     (A rolls back, stops)
 */
import type { JsonValue } from '../json.js';
import type { Transactional, TxSession } from './adapter.js';

/** What a claim returns: the run's epoch and the job's committed position. */
export interface Claimed {
  readonly epoch: string;
  readonly cursor: JsonValue | null;
  readonly processed: number;
}

/** Where the job stands on the queue side, used for a job the data database has not seen. */
export interface QueueSide {
  readonly cursor: JsonValue | null;
  readonly processed: number;
  /** True for a job that has not started (a new job, or a job id used again): no item is done. */
  readonly fresh: boolean;
}

export class Fence {
  readonly #adapter: Transactional<unknown>;
  readonly #claim: string;
  readonly #advance: string;
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
    this.#claim = `INSERT INTO ${table} AS c (queue, job_id, epoch, cursor, processed)
      VALUES ($1, $2, 1, $3::text::jsonb, $4::text::bigint)
      ON CONFLICT (queue, job_id) DO UPDATE SET epoch = c.epoch + 1, updated_at = now(),
        cursor = CASE WHEN $5::text = 'fresh' THEN excluded.cursor ELSE c.cursor END,
        processed = CASE WHEN $5::text = 'fresh' THEN excluded.processed ELSE c.processed END
      RETURNING c.epoch::text AS epoch, c.cursor, c.processed::text AS processed`;
    this.#advance = `UPDATE ${table} SET cursor = $4::text::jsonb,
      processed = processed + $5::text::bigint, updated_at = now()
      WHERE queue = $1 AND job_id = $2 AND epoch = $3::text::bigint`;
  }

  /** Takes the job in the data database; returns its committed cursor and processed count. */
  async claim(side: QueueSide): Promise<Claimed> {
    const { rows } = await this.#adapter.query(this.#claim, [
      this.#queue,
      this.#jobId,
      JSON.stringify(side.cursor),
      String(side.processed),
      side.fresh ? 'fresh' : 'resume',
    ]);
    const row = rows[0];
    if (row === undefined) throw new Error('claiming the job returned no row');
    this.#epoch = String(row.epoch);
    return {
      epoch: this.#epoch,
      cursor: (row.cursor ?? null) as JsonValue | null,
      processed: Number(row.processed),
    };
  }

  /** Inside the item's transaction: true when the cursor moved, false when another run owns it. */
  async advance(session: TxSession<unknown>, cursor: JsonValue, items: number): Promise<boolean> {
    const result = await session.query(this.#advance, [
      this.#queue,
      this.#jobId,
      this.#epoch,
      JSON.stringify(cursor),
      String(items),
    ]);
    return result.affected === 1;
  }
}
