/**
 * `pgTransactions(pool)`: transactional mode over a `pg` pool. Each item's transaction runs on a
 * connection checked out of the pool (pg-session.ts); `ctx.tx` is that `PoolClient`, wrapped only
 * to catch misuse (see tx-guard.ts). The commit sends the fenced cursor write, COMMIT and the next
 * item's BEGIN in one round trip and keeps the connection for the next item, while the pool has
 * another to spare and the server allows it (not the embedded server); otherwise it gives the
 * connection back after COMMIT:
 *
 *   item n:   INSERT … ─► UPDATE cursor · COMMIT · BEGIN ─┐   (one round trip each)
 *   item n+1: INSERT … ◄──────────────────────────────────┘─► UPDATE cursor · COMMIT · BEGIN …
 */
import type { ClientGuard, Transactional } from './adapter.js';
import { beginStatement } from './adapter.js';
import type { TransactionalOptions } from './options.js';
import { resolveTransactionalOptions } from './options.js';
import type { PgTxClient, PgTxPool } from './pg-session.js';
import { PgSession } from './pg-session.js';
import { migrate } from './schema.js';
import { TransactionScope } from './scope.js';

export type { PgTxClient, PgTxPool } from './pg-session.js';

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
  /** Whether a connection may be kept between items: not on the embedded server (see below). */
  let keep: Promise<boolean> | undefined;
  let canKeep = false;
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
      keep ??= keepsConnections(adapter).then((answer) => (canKeep = answer));
      await keep.catch(() => (keep = undefined));
      const client = await pool.connect();
      const session = new PgSession(client, pool, begin, canKeep);
      try {
        await client.query(begin);
      } catch (error) {
        await session.rollback();
        throw error;
      }
      return session;
    },
    wrap: (s, guard) => wrapClient(s.client, guard),
    scope: (run) => new TransactionScope(adapter as Transactional<unknown>, run),
  };
  return adapter;
}

/**
 * False on the embedded server (PGlite behind its socket server), which runs one connection's
 * transaction at a time: a transaction kept open between items would block the enumerator's next
 * page read on another connection, for good. Asked once per adapter.
 */
async function keepsConnections(adapter: Transactional<PgTxClient>): Promise<boolean> {
  const { rows } = await adapter.query('SELECT version() AS version', []);
  return !/PGlite|emscripten/i.test(String(rows[0]?.version ?? ''));
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
