/**
 * Holds for data moves: a hold names tags (`{ shard: 'db-3' }`) and parks every run of its queue
 * whose tags include all of them, at an item boundary, until it is released. Holds belong to a
 * queue, not to a job, so they outlive every run and worker: a hash of the queue on Redis (in the
 * queue's slot on a Redis Cluster), a table keyed by queue and id on PostgreSQL.
 *
 *   holdRuns ─► store ─► each worker's hold watch (read at a run's start, then with its polls)
 *                                   └─► a covered run parks: status `held`, no attempt
 */
import type { IQueueBackend, PgPool } from 'bullmq';
import { PostgresQueueBackend, quoteSchemaName, RedisQueueBackend } from 'bullmq';

import { createTable, preparedOnce } from './postgres.js';
import { isRedisCluster, requireQualifiedOneSlot } from './redis-cluster.js';

/** A hold: runs whose tags include all of `tags` park until it is released. */
export interface Hold {
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly reason: string;
  /** When it was made (epoch ms). */
  readonly createdAt: number;
}

/** Where a queue's holds are kept. */
export interface HoldStore {
  /** The queue's holds, oldest first. */
  load(queueName: string): Promise<Hold[]>;
  put(queueName: string, hold: Hold): Promise<void>;
  /** False when there was no such hold. */
  remove(queueName: string, id: string): Promise<boolean>;
}

/** Whether `hold` covers a run with `tags`: the run has every name and value of the hold's. */
export function holdCovers(
  hold: Hold,
  tags: Readonly<Record<string, string>> | undefined,
): boolean {
  const wanted = Object.entries(hold.tags);
  return wanted.length > 0 && wanted.every(([name, value]) => tags?.[name] === value);
}

/** The store of holds of the backend a BullMQ Queue or Worker runs on (one per backend object). */
export function holdStoreFor(backend: IQueueBackend): HoldStore {
  let store = stores.get(backend);
  if (store === undefined) {
    if (backend instanceof RedisQueueBackend) store = new RedisHolds(backend);
    else if (backend instanceof PostgresQueueBackend) store = new PostgresHolds(backend);
    else {
      throw new TypeError(
        `bullmq-iteration keeps holds on BullMQ's Redis and PostgreSQL backends; got ${backend.constructor.name}.`,
      );
    }
    stores.set(backend, store);
  }
  return store;
}

const stores = new WeakMap<IQueueBackend, HoldStore>();

class RedisHolds implements HoldStore {
  readonly #backend: RedisQueueBackend;

  constructor(backend: RedisQueueBackend) {
    this.#backend = backend;
  }

  async load(): Promise<Hold[]> {
    const entries = await (await this.#client()).hgetall(this.#key());
    return parseHolds(Object.values(entries));
  }

  async put(_queueName: string, hold: Hold): Promise<void> {
    await (await this.#client()).hset(this.#key(), { [hold.id]: JSON.stringify(hold) });
  }

  async remove(_queueName: string, id: string): Promise<boolean> {
    return (await (await this.#client()).hdel(this.#key(), id)) === 1;
  }

  async #client() {
    const client = await this.#backend.client;
    if (isRedisCluster(client)) requireQualifiedOneSlot(this.#backend.qualifiedName);
    return client;
  }

  #key(): string {
    // `:` never appears in a job id (BullMQ refuses it), so no job's hash has this key.
    return this.#backend.toKey('iteration:holds');
  }
}

/** Name of the table, in BullMQ's schema, that holds the queues' holds. */
export const POSTGRES_HOLDS_TABLE = 'bullmq_iteration_holds';

class PostgresHolds implements HoldStore {
  readonly #backend: PostgresQueueBackend;

  constructor(backend: PostgresQueueBackend) {
    this.#backend = backend;
  }

  async load(queueName: string): Promise<Hold[]> {
    const { pool, statements: t } = await this.#prepare();
    const { rows } = await pool.query<{ hold: string }>(
      `SELECT hold FROM ${t} WHERE queue = $1 ORDER BY created_at_ms, id`,
      [queueName],
    );
    return parseHolds(rows.map((row) => row.hold));
  }

  async put(queueName: string, hold: Hold): Promise<void> {
    const { pool, statements: t } = await this.#prepare();
    await pool.query(
      `INSERT INTO ${t} (queue, id, hold, created_at_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (queue, id) DO UPDATE SET hold = EXCLUDED.hold`,
      [queueName, hold.id, JSON.stringify(hold), hold.createdAt],
    );
  }

  async remove(queueName: string, id: string): Promise<boolean> {
    const { pool, statements: t } = await this.#prepare();
    const result = await pool.query(`DELETE FROM ${t} WHERE queue = $1 AND id = $2`, [
      queueName,
      id,
    ]);
    return result.rowCount === 1;
  }

  #prepare(): Promise<{ pool: PgPool; statements: string }> {
    return preparedOnce(this.#backend, ready, ensureHoldsTable);
  }
}

const ready = new WeakMap<PgPool, Map<string, Promise<string>>>();

/** Creates the holds table when missing; returns its qualified name. */
async function ensureHoldsTable(pool: PgPool, schema: string): Promise<string> {
  const table = `${quoteSchemaName(schema)}.${POSTGRES_HOLDS_TABLE}`;
  await createTable(
    pool,
    `CREATE TABLE IF NOT EXISTS ${table} (
       queue text NOT NULL,
       id text NOT NULL,
       hold text NOT NULL,
       created_at_ms bigint NOT NULL,
       PRIMARY KEY (queue, id)
     )`,
  );
  return table;
}

function parseHolds(texts: readonly string[]): Hold[] {
  const holds: Hold[] = [];
  for (const text of texts) {
    try {
      const hold = JSON.parse(text) as Hold;
      if (typeof hold.id === 'string' && typeof hold.tags === 'object' && hold.tags !== null) {
        holds.push(hold);
      }
    } catch {
      // An unreadable entry holds nothing; listHolds shows the others.
    }
  }
  return holds.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}
