// connect() against the real servers: explicit options win over the environment, and IPv6 Redis
// URLs connect (the brackets of `[::1]` are not part of the host).
import { afterEach, expect, it } from 'vitest';

import type { Connection } from '../../src/connect.js';
import { connect } from '../../src/connect.js';
import { counter } from '../support/jobs.js';
import { uniqueQueueName } from '../support/names.js';
import { postgresUrl, redisUrl } from '../support/servers.js';

const opened: Connection[] = [];
afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
});

it('an explicit databaseUrl wins over Redis URLs in the environment', async () => {
  const backend = await connect({
    databaseUrl: postgresUrl(),
    env: { BULLMQ_ITERATION_REDIS_URL: redisUrl(), REDIS_URL: redisUrl() },
  });
  opened.push(backend);
  expect(backend.kind).toBe('postgres');
  expect(backend.selectedBy).toBe('the databaseUrl option');
});

it('connects to Redis over IPv6 with redis://[::1]:port', async () => {
  const port = new URL(redisUrl()).port;
  const backend = await connect({ env: { BULLMQ_ITERATION_REDIS_URL: `redis://[::1]:${port}` } });
  opened.push(backend);
  expect(backend.kind).toBe('redis');
  expect(backend.connection).toMatchObject({ host: '::1', family: 6 });
  const queue = backend.queue(uniqueQueueName('ipv6'));
  try {
    const job = await queue.add('probe', { over: 'ipv6' });
    expect((await queue.getJob(job.id!))?.data).toEqual({ over: 'ipv6' });
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

it('hands out QueueEvents on PostgreSQL that BullMQ waits for a run with', async () => {
  const backend = await connect({ databaseUrl: postgresUrl() });
  opened.push(backend);
  expect(backend.connection).toEqual({ connectionString: postgresUrl() });
  const name = uniqueQueueName('events');
  const queue = backend.queue(name);
  const events = backend.queueEvents(name);
  const c = counter({ total: 2 });
  const worker = backend.worker(name, [c.job], { handleSignals: false, logger: false });
  try {
    await events.waitUntilReady();
    const job = await c.job.enqueue(queue, {});
    expect(await job.waitUntilFinished(events, 30_000)).toMatchObject({
      outcome: 'completed',
      processed: 2,
    });
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
