// What a new user meets when connecting: a wrong Redis password is said to be one (with its own
// CLI exit code), not an unreachable server; a single node URL of a Redis Cluster connects as a
// cluster, so enqueue and status work instead of failing with CROSSSLOT; enqueue onto a Queue
// with an untagged prefix on a cluster is refused with the fix, not a bare CROSSSLOT.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';

import type { Connection } from '../../src/connect.js';
import {
  BackendAuthError,
  connect,
  getRun,
  listRuns,
  pageRuns,
  RedisClusterError,
} from '../../src/index.js';
import { clusterBackend } from '../support/backends.js';
import { counter } from '../support/jobs.js';
import { uniqueQueueName } from '../support/names.js';
import { redisClusterUrls, redisUrl } from '../support/servers.js';
import { cli } from './cli/support.js';

const opened: Connection[] = [];
afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
});

it('reports a wrong Redis password as refused credentials, with exit code 5 in the CLI', async () => {
  const admin = new Redis(redisUrl());
  const user = `tester-${Date.now().toString(36)}`;
  await admin.call('ACL', 'SETUSER', user, 'on', '>the-right-password', '~*', '&*', '+@all');
  try {
    const url = new URL(redisUrl());
    url.username = user;
    url.password = 'a-wrong-password';
    const refused = connect({ redisUrl: url.href, connectTimeoutMs: 3_000 });
    await expect(refused).rejects.toBeInstanceOf(BackendAuthError);
    const error = (await refused.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^Redis at redis:\/\/tester-\S+:\*\*\*@.* refused the credentials \(WRONGPASS/,
    );
    expect(error.message).not.toContain('a-wrong-password');
    expect(error.message).not.toMatch(/Cannot reach/);

    const status = await cli(['status', '--redis-url', url.href, '--timeout', '3000']);
    expect(status.code).toBe(5);
    expect(status.stderr).toContain('refused the credentials');
    expect(status.stderr).not.toContain('a-wrong-password');
    // The right password still works: the refusal was about the credentials.
    url.password = 'the-right-password';
    opened.push(await connect({ redisUrl: url.href }));
  } finally {
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  }
});

it('connects to a Redis Cluster from the URL of a single node', async () => {
  const node = redisClusterUrls()[0]!;
  const backend = await connect({ redisUrl: node });
  opened.push(backend);
  expect(backend.description).toContain('a cluster node: its cluster is used');
  expect((backend.connection as { isCluster?: boolean }).isCluster).toBe(true);
  const queue = backend.queue(uniqueQueueName('one-node'));
  try {
    const c = counter({ total: 2 });
    const job = await c.job.enqueue(queue, {}, { tags: { shard: 'db-3' } });
    expect(await getRun(queue, job.id!)).toMatchObject({
      status: 'waiting',
      tags: { shard: 'db-3' },
    });
    expect((await listRuns(queue)).map((run) => run.jobId)).toEqual([job.id]);
    expect((await pageRuns(queue)).total).toBe(1);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

it('refuses enqueue onto a cluster Queue with an untagged prefix, naming the fix', async () => {
  const queue = new Queue(uniqueQueueName('untagged'), { connection: clusterBackend.connection });
  try {
    const c = counter({ total: 1 });
    const refused = c.job.enqueue(queue, {});
    await expect(refused).rejects.toBeInstanceOf(RedisClusterError);
    await expect(refused).rejects.toThrow(/Pass \{ prefix: '\{bull\}' \}/);
  } finally {
    await queue.close();
  }
});
