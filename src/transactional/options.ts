/**
 * Options of `pgTransactions` and `pgliteTransactions`: documented where they are typed, with their
 * defaults, and validated once, when the adapter is made.
 */
import { quoteIdentifier as quoteIdent } from '../enumerators/sql/identifier.js';
import { IterationDefinitionError } from '../errors.js';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionalOptions {
  /**
   * Schema of the checkpoint table in the data database; created with the table if missing.
   * @defaultValue 'bullmq_iteration'
   */
  readonly schema?: string;
  /**
   * Items committed together in one transaction, with the cursor of the last. 1 commits every item
   * by itself; more trade a larger redo (the group in flight is rolled back whole) for fewer
   * commits. With a batch enumerator (`keysetBatches`), the item is already a batch.
   * @defaultValue 1
   */
  readonly itemsPerTransaction?: number;
  /** Isolation level of each item's transaction. @defaultValue 'read committed' */
  readonly isolation?: IsolationLevel;
  /**
   * Times a transaction that failed with a serialization failure (40001) or a deadlock (40P01) is
   * rolled back and run again, with backoff, before the error fails the attempt. @defaultValue 5
   */
  readonly conflictRetries?: number;
  /** Delay before the first of those retries, doubled after each (with jitter). @defaultValue 20 */
  readonly conflictRetryDelayMs?: number;
  /**
   * Create the schema and table on first use when missing (under an advisory lock, so concurrent
   * workers do not race). Set false when migrations run separately, through `migrate()`.
   * @defaultValue true
   */
  readonly createTable?: boolean;
  /**
   * Prepare the fenced cursor write once per connection (a named statement) instead of having the
   * server parse and plan it in every item's transaction, which costs more than running it. Set
   * false behind a pooler that does not keep prepared statements across transactions (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`). `pg` only; PGlite runs
   * in-process and ignores it.
   * @defaultValue true
   */
  readonly preparedStatements?: boolean;
}

export interface ResolvedTransactionalOptions {
  readonly schema: string;
  /** `"schema"."iteration_cursor"`, quoted. */
  readonly table: string;
  readonly itemsPerTransaction: number;
  readonly isolation: IsolationLevel;
  readonly conflictRetries: number;
  readonly conflictRetryDelayMs: number;
  readonly createTable: boolean;
  readonly preparedStatements: boolean;
}

export const TRANSACTIONAL_DEFAULTS = {
  schema: 'bullmq_iteration',
  itemsPerTransaction: 1,
  isolation: 'read committed',
  conflictRetries: 5,
  conflictRetryDelayMs: 20,
  createTable: true,
  preparedStatements: true,
} as const satisfies Required<TransactionalOptions>;

const ISOLATION: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

export function resolveTransactionalOptions(
  options: TransactionalOptions | undefined,
  owner: string,
): ResolvedTransactionalOptions {
  const o = { ...TRANSACTIONAL_DEFAULTS, ...options };
  if (typeof o.schema !== 'string' || o.schema === '' || o.schema.length > 63) {
    throw bad(owner, 'schema', o.schema, "a schema name of 1 to 63 characters, e.g. 'jobs'");
  }
  for (const field of ['itemsPerTransaction', 'conflictRetries', 'conflictRetryDelayMs'] as const) {
    const n = o[field];
    const min = field === 'itemsPerTransaction' ? 1 : 0;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
      throw bad(owner, field, n, `an integer ≥ ${min}`);
    }
  }
  if (!ISOLATION.includes(o.isolation)) {
    throw bad(owner, 'isolation', o.isolation, ISOLATION.map((l) => `'${l}'`).join(', '));
  }
  for (const field of ['createTable', 'preparedStatements'] as const) {
    if (typeof o[field] !== 'boolean') throw bad(owner, field, o[field], 'a boolean');
  }
  return { ...o, table: `${quoteIdent(o.schema)}.${quoteIdent('iteration_cursor')}` };
}

function bad(
  owner: string,
  field: string,
  value: unknown,
  expected: string,
): IterationDefinitionError {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new IterationDefinitionError(
    `${owner}: expected \`${field}\` to be ${expected}, got ${shown} (${typeof value}).`,
  );
}
