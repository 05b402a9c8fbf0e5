/**
 * One transaction of `pgTransactions` on a connection checked out of a `pg.Pool`, from BEGIN to
 * the moment the connection goes back to the pool (or is dropped).
 *
 * While the session holds the connection it listens for the client's `error` event: pg-pool only
 * listens on clients that sit idle in the pool, and a checked-out client whose server session is
 * terminated (a restart, `pg_terminate_backend`, `idle_in_transaction_session_timeout`) emits
 * `error`; with no listener, that ends the process. The session records it instead (`broken`) and
 * the scope treats the item as an outage: resumed from the committed cursor, no attempt counted.
 *
 * How a commit ends, in three outcomes:
 *
 *   cursor write · COMMIT [· BEGIN]   (one round trip when pipelined)
 *     COMMIT failed            ─► the connection is dropped; the commit's error is thrown
 *     the cursor write failed  ─► PostgreSQL rolled back; the connection is dropped when a BEGIN
 *                                 was sent behind it (it may be inside a new transaction), else
 *                                 given back; the write's error is thrown
 *     committed                ─► the connection is given back, or kept for the next item when a
 *                                 BEGIN was sent and succeeded
 */
import type { Statement, TxResult, TxSession } from './adapter.js';

/** The part of a `pg` `PoolClient` the adapter uses. */
export interface PgTxClient {
  query(
    text: string | { readonly name: string; readonly text: string; readonly values: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null; command?: string }>;
  release(destroy?: boolean | Error): void;
}

/** The part of a `pg` `Pool` the adapter uses; `ctx.tx` has the type of its clients. */
export interface PgTxPool {
  connect(): Promise<PgTxClient>;
}

/** A client that can tell its listeners about a broken connection (a `pg` `PoolClient` does). */
interface Listening {
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

export class PgSession<Client extends PgTxClient> implements TxSession<Client> {
  readonly client: Client;
  readonly #pool: PgTxPool;
  readonly #begin: string;
  readonly #keep: boolean;
  #done = false;
  #broken: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#broken ??= error;
  };

  /** `keep`: the next item may reuse the connection (see `commitAhead`). */
  constructor(client: Client, pool: PgTxPool, begin: string, keep: boolean) {
    this.client = client;
    this.#pool = pool;
    this.#begin = begin;
    this.#keep = keep;
    (client as Listening).on?.('error', this.#onError);
  }

  /** The error the connection reported while held, if it broke. */
  get broken(): Error | undefined {
    return this.#broken;
  }

  async query(text: string, values: readonly unknown[]): Promise<TxResult> {
    const result = await this.client.query(text, [...values]);
    return { rows: result.rows, affected: result.rowCount ?? 0 };
  }

  async commit(last?: Statement): Promise<void> {
    await this.#finish(last, false);
  }

  /**
   * Commits and opens the next transaction on the same connection in the same round trip, while
   * the pool has another connection to spare (an enumerator or a step reading through the same
   * pool must never wait on the one kept here). Resolves to this session, open again, or to
   * `undefined` when the connection was given back instead.
   */
  async commitAhead(last: Statement): Promise<TxSession<Client> | undefined> {
    const keep = this.#keep && 'pipeline' in this.client && spare(this.#pool);
    return (await this.#finish(last, keep)) ? this : undefined;
  }

  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#release(true);
    // The server goes on with a running statement until it notices the closed socket (if ever):
    // end the session there, from another connection, so its transaction and locks go too.
    const pid = (this.client as { processID?: unknown }).processID;
    if (typeof pid === 'number') void terminate(this.#pool, pid);
  }

  async rollback(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    if (this.#broken !== undefined) return this.#release(true);
    try {
      await this.client.query('ROLLBACK');
      this.#release(false);
    } catch {
      this.#release(true);
    }
  }

  /** Sends `last`, COMMIT and (with `keep`) BEGIN; true when the session is open again. */
  async #finish(last: Statement | undefined, keep: boolean): Promise<boolean> {
    this.#done = true;
    const client = this.client;
    // pg ≥ 8.16 pipelines a client whose `pipeline` is set: the statements share one round trip.
    // The client is idle here (the guard saw every query of the step answered), and the flag
    // stays set until all are answered, as pg's pipeline mode requires.
    const pipelined = last !== undefined && 'pipeline' in client;
    const flags = client as { pipeline?: boolean };
    if (pipelined) flags.pipeline = true;
    const wrote =
      last === undefined
        ? undefined
        : client.query(
            // A named statement is parsed and planned once per connection.
            last.name === undefined
              ? last.text
              : { name: last.name, text: last.text, values: [...last.values] },
            last.name === undefined ? [...last.values] : undefined,
          );
    const committed = client.query('COMMIT');
    const opened = keep ? client.query(this.#begin) : undefined;
    const [written, result, next] = await Promise.allSettled([wrote, committed, opened]);
    if (pipelined) flags.pipeline = false;
    if (result.status === 'rejected') {
      this.#release(true);
      throw result.reason;
    }
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not with an error.
    if (written.status === 'rejected' || result.value.command === 'ROLLBACK') {
      this.#release(keep);
      throw written.status === 'rejected'
        ? written.reason
        : new Error('the transaction was rolled back');
    }
    if (!keep) {
      this.#release(false);
      return false;
    }
    if (next.status === 'rejected' || this.#broken !== undefined) {
      this.#release(true);
      return false;
    }
    this.#done = false;
    return true;
  }

  /** Gives the connection back, or drops it (`destroy`) when it may not be clean. */
  #release(destroy: boolean): void {
    (this.client as Listening).off?.('error', this.#onError);
    const broken = this.#broken;
    this.client.release(destroy ? (broken ?? true) : undefined);
  }
}

/**
 * True when the pool could hand out another connection while this one is kept: nobody waits,
 * and fewer than `max` are checked out, this one included. A pool that does not say (not a
 * `pg.Pool`) has none to spare.
 */
function spare(pool: PgTxPool): boolean {
  const p = pool as {
    totalCount?: unknown;
    idleCount?: unknown;
    waitingCount?: unknown;
    options?: { max?: unknown };
  };
  const { totalCount, idleCount, waitingCount } = p;
  const max = p.options?.max;
  if (typeof totalCount !== 'number' || typeof idleCount !== 'number') return false;
  if (typeof waitingCount !== 'number' || typeof max !== 'number') return false;
  return waitingCount === 0 && totalCount - idleCount < max;
}

/** Ends server session `pid` (one of ours: no privilege needed beyond the same role). */
async function terminate(pool: PgTxPool, pid: number): Promise<void> {
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      client.release();
    }
  } catch {
    // Best effort: the dropped socket ends the session once the server notices it.
  }
}
