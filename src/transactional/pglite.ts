/**
 * `pgliteTransactions(db)`: transactional mode over an in-process PGlite database. PGlite runs one
 * transaction at a time (its `transaction()` holds the database for the callback), so each item's
 * transaction is such a callback, kept open from BEGIN until the runtime commits or rolls back.
 *
 * For the embedded server (`startEmbeddedPostgres`), whose PGlite also serves the queue over a
 * socket, use `pgTransactions` with a `pg.Pool` on its URL instead: the socket server keeps each
 * connection's transaction apart, an in-process transaction on the same database would not be.
 * `pgTransactions` sees that server and never keeps a transaction open between items there (the
 * server runs one connection's transaction at a time, so a kept one would block the enumerator).
 */
import type { ClientGuard, Transactional, TxResult, TxSession } from './adapter.js';
import { beginStatement } from './adapter.js';
import type { TransactionalOptions } from './options.js';
import { resolveTransactionalOptions } from './options.js';
import { migrate } from './schema.js';
import { TransactionScope } from './scope.js';

interface PgliteResult {
  readonly rows: Record<string, unknown>[];
  readonly affectedRows?: number;
}

/** The part of PGlite's `Transaction` the adapter uses. */
export interface PgliteTx {
  query(text: string, values?: unknown[]): Promise<PgliteResult>;
  exec(text: string): Promise<unknown>;
  rollback(): Promise<void>;
}

/** The part of a `PGlite` instance the adapter uses; `ctx.tx` has the type of its transactions. */
export interface PgliteTxDatabase<Tx extends PgliteTx> {
  query(text: string, values?: unknown[]): Promise<PgliteResult>;
  transaction<T>(callback: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Thrown inside PGlite's callback to roll back; never leaves this file. */
const ROLLBACK = Symbol('rollback');

/**
 * Transactional mode over an in-process PGlite database: each item's effects and its cursor commit
 * in one transaction. `ctx.tx` is PGlite's `Transaction`.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const db = await PGlite.create('./data');
 * defineIterationJob({
 *   name: 'tag-notes',
 *   transactional: pgliteTransactions(db),
 *   buildEnumerator: ({ cursor }) => keyset({ query: pgliteQuery(db), table: 'notes', columns: ['id'], cursor }),
 *   async eachIteration(note, ctx) {
 *     await ctx.tx.query('UPDATE notes SET tagged = true WHERE id = $1', [note.id]);
 *   },
 * });
 * ```
 */
export function pgliteTransactions<Tx extends PgliteTx>(
  db: PgliteTxDatabase<Tx>,
  options?: TransactionalOptions,
): Transactional<Tx> {
  if (typeof (db as { transaction?: unknown } | null)?.transaction !== 'function') {
    throw new TypeError(
      `pgliteTransactions expects a PGlite instance, got ${String(db)}. ` +
        'E.g. pgliteTransactions(await PGlite.create()).',
    );
  }
  const resolved = resolveTransactionalOptions(options, 'pgliteTransactions');
  // PGlite's transaction() sends a plain BEGIN; a stricter level is set as its first statement.
  const isolation =
    resolved.isolation === 'read committed'
      ? undefined
      : beginStatement(resolved).replace('BEGIN', 'SET TRANSACTION');
  const adapter: Transactional<Tx> = {
    driver: 'pglite',
    options: resolved,
    migrate: () => migrate(adapter as Transactional<unknown>),
    async query(text, values) {
      const result = await db.query(text, [...values]);
      return { rows: result.rows, affected: result.affectedRows ?? 0 };
    },
    begin: () => open(db, isolation),
    wrap: (s, guard) => wrapTx(s.client, guard),
    scope: (run) => new TransactionScope(adapter as Transactional<unknown>, run),
  };
  return adapter;
}

/** Opens PGlite's transaction callback and hands out a session that decides how it ends. */
function open<Tx extends PgliteTx>(
  db: PgliteTxDatabase<Tx>,
  isolation: string | undefined,
): Promise<TxSession<Tx>> {
  return new Promise((resolve, reject) => {
    let opened = false;
    let decide: (commit: boolean) => void = () => {};
    const decided = new Promise<boolean>((r) => (decide = r));
    const ended = db.transaction(async (tx) => {
      if (isolation !== undefined) await tx.exec(isolation);
      opened = true;
      resolve(session(tx, decide, () => ended));
      if (!(await decided)) throw ROLLBACK;
    });
    ended.catch((error: unknown) => {
      if (!opened) reject(error);
    });
  });
}

function session<Tx extends PgliteTx>(
  tx: Tx,
  decide: (commit: boolean) => void,
  ended: () => Promise<unknown>,
): TxSession<Tx> {
  return {
    client: tx,
    async query(text, values): Promise<TxResult> {
      const result = await tx.query(text, [...values]);
      return { rows: result.rows, affected: result.affectedRows ?? 0 };
    },
    async commit(last) {
      if (last !== undefined) {
        try {
          await tx.query(last.text, [...last.values]);
        } catch (error) {
          decide(false);
          await ended().catch(() => undefined);
          throw error;
        }
      }
      decide(true);
      await ended();
    },
    async rollback() {
      decide(false);
      await ended().catch(() => undefined);
    },
    abandon() {
      // In process, a stuck step holds no statement on PGlite's side: roll back, do not wait.
      decide(false);
      ended().catch(() => undefined);
    },
  };
}

/** PGlite's transaction with its statements shown to the guard and `rollback` refused. */
function wrapTx<Tx extends PgliteTx>(tx: Tx, guard: ClientGuard): Tx {
  const run =
    (method: 'query' | 'exec') =>
    (text: unknown, ...rest: unknown[]) => {
      if (typeof text === 'string') guard.statement(text);
      return guard.track((tx[method] as (...args: unknown[]) => unknown).call(tx, text, ...rest));
    };
  const sql = (strings: TemplateStringsArray, ...values: unknown[]) => {
    guard.statement(strings.join('$'));
    return guard.track(
      (tx as unknown as { sql: (...a: unknown[]) => unknown }).sql(strings, ...values),
    );
  };
  const wrapped = { query: run('query'), exec: run('exec'), sql };
  return new Proxy(tx, {
    get(target, property) {
      if (property === 'query' || property === 'exec' || property === 'sql') {
        return wrapped[property];
      }
      if (property === 'rollback') return () => guard.refuse('rollback');
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
