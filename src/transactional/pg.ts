/**
 * `pgTransactions(pool)`: transactional mode over a `pg` pool. Each item's transaction runs on a
 * connection checked out of the pool; `ctx.tx` is that `PoolClient`, wrapped only to catch misuse
 * (see tx-guard.ts). The commit sends the fenced cursor write, COMMIT and the next item's BEGIN in
 * one round trip and keeps the connection for the next item, while the pool has another to spare;
 * otherwise it gives the connection back after COMMIT:
 *
 *   item n:   INSERT … ─► UPDATE cursor · COMMIT · BEGIN ─┐   (one round trip each)
 *   item n+1: INSERT … ◄──────────────────────────────────┘─► UPDATE cursor · COMMIT · BEGIN …
 */
import type { ClientGuard, Statement, Transactional, TxResult, TxSession } from './adapter.js';
import { beginStatement } from './adapter.js';
import type { TransactionalOptions } from './options.js';
import { resolveTransactionalOptions } from './options.js';
import { migrate } from './schema.js';

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

/**
 * The client type of a pool, for `ctx.tx`. A `pg.Pool`'s `connect` is overloaded, and TypeScript
 * infers from the last overload only, the callback form: the client is read from there, and from
 * the promise form for pools that have only that.
 */
export type PoolClientOf<P> = P extends {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any matches every callback form
  connect(callback: (error: any, client: infer C, done: any) => void): void;
}
  ? unknown extends C
    ? PromisedClient<P>
    : NonNullable<C>
  : PromisedClient<P>;
type PromisedClient<P> = P extends { connect(): Promise<infer C> } ? C : never;

/**
 * Transactional mode over a `pg.Pool` of the database the items write to: each item's effects and
 * its cursor commit in one transaction, so a crash, a lost lock or a frozen worker never applies an
 * item twice nor skips one. `ctx.tx` is the item's `PoolClient`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * pool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL client failed'));
 * defineIterationJob({
 *   name: 'backfill-plans',
 *   transactional: pgTransactions(pool),
 *   buildEnumerator: ({ cursor }) =>
 *     keysetBatches({ query: pgQuery(pool), table: 'users', columns: ['id'], batchSize: 500, cursor }),
 *   async eachIteration(users, ctx) {
 *     await ctx.tx.query('UPDATE users SET plan = $1 WHERE id = ANY($2)', ['pro', users.map((u) => u.id)]);
 *   },
 * });
 * ```
 */
export function pgTransactions<Pool extends PgTxPool>(
  pool: Pool,
  options?: TransactionalOptions,
): Transactional<PoolClientOf<Pool>> {
  return adapterOver(pool, options) as unknown as Transactional<PoolClientOf<Pool>>;
}

function adapterOver(pool: PgTxPool, options?: TransactionalOptions): Transactional<PgTxClient> {
  type Client = PgTxClient;
  if (typeof (pool as { connect?: unknown } | null)?.connect !== 'function') {
    throw new TypeError(
      `pgTransactions expects a pg.Pool (an object with connect()), got ${String(pool)}. ` +
        'E.g. pgTransactions(pool) with the pg.Pool of the database the items write to.',
    );
  }
  const resolved = resolveTransactionalOptions(options, 'pgTransactions');
  const begin = beginStatement(resolved);
  const adapter: Transactional<Client> = {
    driver: 'pg',
    options: resolved,
    migrate: () => migrate(adapter as Transactional<unknown>),
    async query(text, values) {
      const client = await pool.connect();
      try {
        const result = await client.query(text, [...values]);
        client.release();
        return { rows: result.rows, affected: result.rowCount ?? 0 };
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    },
    async begin() {
      const client = await pool.connect();
      try {
        await client.query(begin);
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
      return session(client, pool, begin);
    },
    wrap: (s, guard) => wrapClient(s.client, guard),
  };
  return adapter;
}

function session<Client extends PgTxClient>(
  client: Client,
  pool: PgTxPool,
  begin: string,
): TxSession<Client> {
  let done = false;
  /** Sends `statements` and COMMIT, pipelined (see below), with `then` after them; settles all. */
  const finish = async (last: Statement | undefined, then?: string) => {
    done = true;
    // pg ≥ 8.16 pipelines a client whose `pipeline` is set: the cursor write, COMMIT (and the next
    // BEGIN) then share one round trip, which makes the fence cost one statement, not one round
    // trip. The client is idle here (the guard saw every query of the step answered), and the flag
    // stays set until all are answered, as pg's pipeline mode requires.
    const pipelined = last !== undefined && 'pipeline' in client;
    const flags = client as { pipeline?: boolean };
    if (pipelined) flags.pipeline = true;
    // A named statement is parsed and planned once per connection (pg remembers which it has
    // prepared); the server otherwise re-plans the fence's CTE in every item's transaction.
    const wrote =
      last === undefined
        ? undefined
        : last.name === undefined
          ? client.query(last.text, [...last.values])
          : client.query({ name: last.name, text: last.text, values: [...last.values] });
    const committed = client.query('COMMIT');
    const next = then === undefined ? undefined : client.query(then);
    const [written, result, opened] = await Promise.allSettled([wrote, committed, next]);
    if (pipelined) flags.pipeline = false;
    if (result.status === 'rejected') {
      client.release(result.reason instanceof Error ? result.reason : true);
      throw result.reason;
    }
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not with an error.
    const rolledBack = result.value.command === 'ROLLBACK';
    const failed = written.status === 'rejected' || rolledBack;
    if (then !== undefined && (failed || opened.status === 'rejected')) {
      // The next transaction is not wanted (this one failed) or did not open: drop the
      // connection rather than give the pool one that may be inside a transaction.
      client.release(true);
    } else if (then === undefined) {
      client.release();
    }
    if (written.status === 'rejected') throw written.reason;
    if (rolledBack) throw new Error('the transaction was rolled back');
    return then === undefined || opened.status === 'rejected' ? undefined : true;
  };
  return {
    client,
    async query(text, values): Promise<TxResult> {
      const result = await client.query(text, [...values]);
      return { rows: result.rows, affected: result.rowCount ?? 0 };
    },
    async commit(last) {
      await finish(last);
    },
    async commitAhead(last) {
      // Kept only while the pool has a connection to spare: an enumerator or a step reading
      // through the same pool between items must never wait on the one this run keeps.
      if (!spare(pool) || !('pipeline' in client)) {
        await finish(last);
        return undefined;
      }
      return (await finish(last, begin)) === true ? session(client, pool, begin) : undefined;
    },
    async rollback() {
      if (done) return;
      done = true;
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        client.release(true);
      }
    },
  };
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

/** The client with its statements shown to the guard and `release` refused. */
function wrapClient<Client extends PgTxClient>(client: Client, guard: ClientGuard): Client {
  const query = (config: unknown, ...rest: unknown[]) => {
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text === 'string') guard.statement(text);
    return guard.track((client.query as (...args: unknown[]) => unknown)(config, ...rest));
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'release') return () => guard.refuse('release');
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
