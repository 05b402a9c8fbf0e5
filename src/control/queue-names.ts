/**
 * The queues a backend holds, for a console over "every queue": on Redis the queues whose
 * `<prefix>:<queue>:meta` key exists (BullMQ writes it when a Queue or Worker first connects),
 * on PostgreSQL the queues of BullMQ's `job` and `meta` rows. BullMQ internals, pinned to
 * BullMQ 6 as job-lock.ts is.
 */
import type { RedisClient } from 'bullmq';
import { PostgresQueueBackend, quoteSchemaName, RedisQueueBackend } from 'bullmq';

import type { ControlQueue } from './target.js';

/**
 * The names of every queue beside `queue` (same Redis prefix, or same PostgreSQL schema),
 * sorted; `queue` itself is always among them.
 *
 * @example
 * ```ts
 * const names = await queueNames(connect().queue('maintenance')); // ['maintenance', 'nightly']
 * ```
 */
export async function queueNames(queue: ControlQueue): Promise<string[]> {
  const backend = queue.getBackend();
  const names = new Set<string>([queue.name]);
  if (backend instanceof RedisQueueBackend) {
    const prefix = backend.qualifiedName.slice(0, -queue.name.length);
    const client = await backend.client;
    // On a cluster every node holds its own keys: scan each (replicas repeat, the set dedupes).
    for (const node of client.nodes?.() ?? [client]) {
      for (const key of await scanAll(node, `${escapeGlob(prefix)}*:meta`)) {
        const name = key.slice(prefix.length, -':meta'.length);
        if (name !== '' && !name.includes(':')) names.add(name);
      }
    }
  } else if (backend instanceof PostgresQueueBackend) {
    const connection = backend.connection;
    await connection.waitUntilReady();
    const s = quoteSchemaName(connection.schema);
    const { rows } = await connection.pool.query<{ queue: string }>(
      `SELECT DISTINCT queue FROM ${s}.job UNION SELECT DISTINCT queue FROM ${s}.meta`,
    );
    for (const row of rows) names.add(row.queue);
  }
  return [...names].sort();
}

async function scanAll(client: RedisClient, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, { MATCH: match, COUNT: 1_000 });
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A prefix as literal text in a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
