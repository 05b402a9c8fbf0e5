// Connections dropped by the server while it stays up (pg_terminate_backend, CLIENT KILL) are a
// transient failure: the run retries its checkpoint with the newest state and goes on, every item
// is processed once, and no attempt is counted. Only this queue's connections are killed, so test
// files running meanwhile on the same servers are left alone.
import { afterEach, describe, expect, it } from 'vitest';

import { IterationWorker } from '../../../src/index.js';
import { backendByName, type BackendUnderTest } from '../../support/backends.js';
import { completion, nextEvent, silentLogger, sleep } from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const ITEMS = 1_500;
const ROUNDS = 5;

/** Kills every server connection of the queue's clients; returns how many it killed. */
async function killConnections(b: BackendUnderTest, queueName: string): Promise<number> {
  if (b.name === 'redis') {
    const redis = b.redis();
    const list = (await redis.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${queueName} `))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    for (const id of ids) await redis.client('KILL', 'ID', id);
    return ids.length;
  }
  const { rows } = await b.sql<{ killed: boolean }>(
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE application_name = $1 AND pid <> pg_backend_pid()`,
    [queueName],
  );
  return rows.filter((row) => row.killed).length;
}

function workerFor(
  b: BackendUnderTest,
  queueName: string,
  jobs: [ReturnType<typeof counter>['job']],
) {
  // The worker's connections carry the queue name, so the test can find them: ioredis names
  // every connection it opens (and reopens) `connectionName`; pg sends `application_name`.
  const connection =
    b.name === 'redis'
      ? { ...b.connection, connectionName: queueName }
      : `${b.connection}?application_name=${queueName}`;
  return new IterationWorker(
    queueName,
    jobs,
    { logger: silentLogger, handleSignals: false, connection } as never,
    b.backendFactory as never,
  );
}

describe.each([backendByName('redis'), backendByName('postgres')])(
  'connections dropped on $name',
  (b) => {
    const open: IterationWorker[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((worker) => worker.close()));
    });

    it('the run goes on: every item once, no failure, no attempt', async () => {
      const queueName = uniqueQueueName('dropped');
      const queue = b.queue(queueName);
      const c = counter({ total: ITEMS, stepMs: 1 });
      const worker = workerFor(b, queueName, [c.job]);
      open.push(worker);
      let failed = 0;
      worker.on('iteration.failed', () => failed++);
      worker.on('error', () => {});
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      const done = completion(worker, job.id!);
      await started;
      let killed = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await sleep(250);
        killed += await killConnections(b, queueName);
      }
      expect(killed).toBeGreaterThan(0);
      await expect(done).resolves.toMatchObject({ processed: ITEMS });
      expect(failed).toBe(0);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...new Set(c.seen)].sort((x, y) => x - y)).toEqual(range(ITEMS));
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    });
  },
);
