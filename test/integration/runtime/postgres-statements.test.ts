// Checkpoint statements on PostgreSQL: prepared once per connection, and unnamed where a connection
// cannot keep them (the embedded PGlite socket shares one session between its clients, so only
// the first of them can prepare a name there).
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { ensureStateTable, PostgresCheckpointStore } from '../../../src/backends/postgres.js';
import type { PostgresBackendUnderTest } from '../../support/backends.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, storedState } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';

const postgresBackends = backends.filter(
  (b): b is PostgresBackendUnderTest => b.name === 'postgres' || b.name === 'pglite',
);

/** A store on a pool of one connection, so the test can look into that connection's session. */
function storeOnOneConnection(b: PostgresBackendUnderTest) {
  const pool = new pg.Pool({ connectionString: b.connection, max: 1 });
  pool.on('error', () => {});
  track(pool, { name: 'one-connection pool' });
  const backend = { connection: { waitUntilReady: async () => {}, pool, schema: 'bullmq' } };
  return { pool, store: new PostgresCheckpointStore(backend as never) };
}

describe.each(postgresBackends)('checkpoint statements on $name', (b) => {
  it('checkpoints of four jobs at once, over several connections, all land', async () => {
    const queueName = uniqueQueueName('statements');
    const queue = b.queue(queueName);
    const c = counter({ total: 150, checkpointMode: 'strict' });
    const worker = iterationWorker(b, queueName, [c.job], { concurrency: 4 });
    const failures: string[] = [];
    worker.on('failed', (_job, error) => failures.push(error.message));
    try {
      const jobs = await Promise.all([1, 2, 3, 4].map(() => c.job.enqueue(queue, {})));
      const results = await Promise.all(jobs.map((job) => completion(worker, job.id!)));
      expect(failures).toEqual([]);
      for (const [i, job] of jobs.entries()) {
        expect(results[i]).toMatchObject({ processed: 150, cursor: 149 });
        expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: 149 });
      }
      // Each item once per job: no checkpoint was lost to a failed write.
      const times = new Map<number, number>();
      for (const item of c.seen) times.set(item, (times.get(item) ?? 0) + 1);
      expect([...times.values()].every((n) => n === 4)).toBe(true);
      expect(times.size).toBe(150);
    } finally {
      await worker.close();
    }
  });
});

describe.each(postgresBackends.filter((b) => b.name === 'postgres'))(
  'prepared checkpoint statements on $name',
  (b) => {
    it('are parsed once per connection and kept by name', async () => {
      const { pool, store } = storeOnOneConnection(b);
      const ref = { queueName: uniqueQueueName('prepared'), id: 'missing' };
      await store.load(ref);
      await store.save(ref, 'no-such-lock', '{"v":1,"cursor":0}');
      const { rows } = await pool.query<{ name: string }>(
        'SELECT name FROM pg_prepared_statements',
      );
      const statements = await ensureStateTable(pool as never, 'bullmq');
      expect(rows.map((row) => row.name).sort()).toEqual(
        [statements.load.name, statements.save.name].sort(),
      );
    });

    it('a connection that already holds a statement of that name falls back to unnamed ones', async () => {
      const { pool, store } = storeOnOneConnection(b);
      const statements = await ensureStateTable(pool as never, 'bullmq');
      // The server session knows the name but the client does not: the next Parse of it fails.
      await pool.query(`PREPARE "${statements.load.name}" AS SELECT 1`);
      const ref = { queueName: uniqueQueueName('fallback'), id: 'missing' };
      await expect(store.load(ref)).resolves.toBeUndefined();
      // …and so does every later statement of that pool.
      await expect(store.loadControl(ref)).resolves.toBeUndefined();
    });
  },
);
