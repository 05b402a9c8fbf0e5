/**
 * What `transactional:` takes: an adapter over one database driver (`pg` or PGlite) that opens a
 * transaction for an item, hands the driver's own client to the step as `ctx.tx`, and owns the
 * checkpoint table the cursor is committed to in that same transaction. The runtime sees only this
 * interface; pg.ts and pglite.ts implement it.
 */
import type { ScopeFactory } from '../runtime/effect-scope.js';
import type { ResolvedTransactionalOptions } from './options.js';

/** Rows and affected-row count of one statement, whatever the driver. */
export interface TxResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly affected: number;
}

/** A statement with its bound values. */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
  /**
   * A name to prepare it under, once per connection, for drivers that can: the server then skips
   * parsing and planning it on every later run (see `preparedStatements`).
   */
  readonly name?: string | undefined;
}

/** One open transaction on one connection. */
export interface TxSession<Tx> {
  /** The driver's client inside this transaction (wrapped before the step sees it). */
  readonly client: Tx;
  query(text: string, values: readonly unknown[]): Promise<TxResult>;
  /**
   * Runs `last` (the fenced cursor write), then COMMIT, and gives the connection back. Drivers that
   * can pipeline send both in one round trip: `last` raises an error when it must not commit (see
   * fence.ts), which turns the COMMIT into a rollback. Rejects with `last`'s error, or when the
   * server rolled the transaction back.
   */
  commit(last?: Statement): Promise<void>;
  /**
   * Like {@link commit}, and also opens the next transaction on the same connection in the same
   * round trip, when the driver can and the connection can be kept (see `pgTransactions`): the
   * next item's statements then go out without a BEGIN round trip of their own. Resolves to that
   * open transaction, or `undefined` when the connection was given back instead.
   */
  commitAhead?(last: Statement): Promise<TxSession<Tx> | undefined>;
  /** Rolls back and gives the connection back; never rejects (a broken connection is dropped). */
  rollback(): Promise<void>;
  /**
   * Ends the transaction without waiting for the connection: a step that timed out may still have
   * a statement running on it, which a ROLLBACK would wait for. The connection is dropped, which
   * ends the transaction on the server.
   */
  abandon?(): void;
  /**
   * The error the connection reported while this session held it (the server ended the session),
   * if it did: the item then failed for the database, not for its own code.
   */
  readonly broken?: Error | undefined;
}

/** What a driver's wrapped client reports to, for the misuse checks (see tx-guard.ts). */
export interface ClientGuard {
  /** Sees each statement's text before it is sent; throws on transaction control. */
  statement(text: string): void;
  /** Throws: the method would end the transaction or give its connection away. */
  refuse(method: string): never;
  /** Counts a query in flight until it settles; returns it unchanged. */
  track<T>(result: T): T;
}

/**
 * An adapter made by `pgTransactions(pool)` or `pgliteTransactions(db)`. `Tx` is the type of
 * `ctx.tx`: the driver's client, so it can be handed to a query builder.
 *
 * @example
 * ```ts
 * const transactional = pgTransactions(pool, { schema: 'jobs' });
 * await transactional.migrate(); // optional: the table is also created on first use
 * ```
 */
export interface Transactional<Tx> extends ScopeFactory {
  /** Which driver: `pg` or `pglite`. */
  readonly driver: 'pg' | 'pglite';
  /** The options, resolved. */
  readonly options: ResolvedTransactionalOptions;
  /**
   * Creates the schema and the checkpoint table if missing. Idempotent and safe to run from several
   * processes at once (it holds an advisory lock); for teams that run migrations separately.
   */
  migrate(): Promise<void>;
  /** @internal Runs one statement outside any item's transaction. */
  query(text: string, values: readonly unknown[]): Promise<TxResult>;
  /** @internal Opens a transaction (BEGIN with the isolation level). */
  begin(): Promise<TxSession<Tx>>;
  /**
   * @internal The client a step sees: the session's client with every statement shown to the
   * guard first and its transaction-ending methods refused.
   */
  wrap(session: TxSession<Tx>, guard: ClientGuard): Tx;
}

/** BEGIN with the configured isolation level. */
export function beginStatement(options: ResolvedTransactionalOptions): string {
  return options.isolation === 'read committed'
    ? 'BEGIN'
    : `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}`;
}
