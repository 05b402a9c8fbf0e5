// What only a Redis Cluster shows: an untagged prefix refused up front, queues on every master
// at once through one client, health checks and SCAN reaching every master, and connect() with a
// list of node URLs. The core runtime and control suites also run on the cluster (withCluster).
import { randomBytes } from 'node:crypto';

import { FlowProducer, Queue } from 'bullmq';
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { runWithInterruptions } from '../../../src/enumerators/testing.js';
import type { IterationSummary } from '../../../src/index.js';
import {
  connect,
  getRun,
  IterationWorker,
  listRuns,
  pauseRun,
  RedisClusterError,
  redisKeys,
} from '../../../src/index.js';
import { redisLatency, redisMemory } from '../../../src/throttle/index.js';
import { clusterBackend as b } from '../../support/backends.js';
import { completion, iterationWorker, silentLogger, storedState } from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisClusterUrls } from '../../support/servers.js';
import { stopSchedules } from '../../unit/enumerators/support.js';
import { cli } from '../cli/support.js';
import { tracked } from '../throttle/helpers.js';

/** `host:port` of the master serving `key`. */
async function masterOf(cluster: Cluster, key: string): Promise<string> {
  const slot = (await cluster.cluster('KEYSLOT', key)) as number;
  return cluster.slots[slot]?.[0] as string;
}

/** One hash-tagged prefix per master: `{q<n>}` tags tried until each master has one. */
async function prefixOnEveryMaster(cluster: Cluster): Promise<Map<string, string>> {
  await cluster.ping();
  const masters = cluster.nodes('master').length;
  const byMaster = new Map<string, string>();
  for (let n = 0; byMaster.size < masters; n++) {
    const prefix = `{q${n}}`;
    const master = await masterOf(cluster, `${prefix}:x`);
    if (!byMaster.has(master)) byMaster.set(master, prefix);
  }
  return byMaster;
}

describe('Redis Cluster: hash-tagged prefixes', () => {
  it('an IterationWorker on a cluster with an untagged prefix is refused, naming it and the fix', () => {
    const queueName = uniqueQueueName('untagged');
    const c = counter({ total: 1 });
    const build = (prefix?: string) =>
      new IterationWorker(queueName, [c.job], {
        connection: b.connection,
        logger: silentLogger,
        handleSignals: false,
        autorun: false,
        ...(prefix === undefined ? {} : { prefix }),
      });
    for (const prefix of [undefined, 'bull', 'app:jobs']) {
      expect(() => build(prefix)).toThrow(RedisClusterError);
    }
    expect(() => build()).toThrow(
      `IterationWorker for queue "${queueName}": on a Redis Cluster the queue's keys must share ` +
        `one hash slot, but prefix "bull" with queue "${queueName}" has no hash tag`,
    );
    expect(() => build('app:jobs')).toThrow("Pass { prefix: '{app:jobs}' }");
    // A tag in the queue name works as well as one in the prefix.
    const tagged = new IterationWorker(`{${queueName}}`, [c.job], {
      connection: b.connection,
      logger: silentLogger,
      handleSignals: false,
      autorun: false,
    });
    return track(tagged).close();
  });

  it('status and control refuse a queue with an untagged prefix before any BullMQ script runs', async () => {
    const queue = track(new Queue(uniqueQueueName('untagged'), { connection: b.connection }));
    await expect(getRun(queue, '1')).rejects.toThrow(RedisClusterError);
    await expect(listRuns(queue)).rejects.toThrow(/listRuns on queue ".*": on a Redis Cluster/);
    await expect(pauseRun(queue, '1')).rejects.toThrow('prefix "bull"');
  });

  it('runs queues on every master at once through one Cluster client, each item once', async () => {
    const cluster = b.connection;
    const prefixes = await prefixOnEveryMaster(cluster);
    expect(prefixes.size).toBe(3);
    const runs = [...prefixes.values()].map((prefix) => {
      const queueName = uniqueQueueName('spread');
      const c = counter({ total: 60, checkpointMode: 'strict' });
      const queue = b.queue(queueName, { prefix });
      const worker = iterationWorker(b, queueName, [c.job], { prefix });
      return { prefix, queueName, c, queue, worker };
    });
    try {
      const results = await Promise.all(
        runs.map(async ({ c, queue, worker }) => {
          const job = await c.job.enqueue(queue, {});
          return { id: job.id!, result: (await completion(worker, job.id!)) as IterationSummary };
        }),
      );
      for (const [index, { c, queueName, prefix }] of runs.entries()) {
        const { id, result } = results[index]!;
        expect(result).toMatchObject({ processed: 60, cursor: 59 });
        expect(c.seen).toEqual(range(60));
        expect(duplicates(c.seen)).toEqual([]);
        const raw = await cluster.hget(`${prefix}:${queueName}:${id}`, 'iteration:state');
        expect(JSON.parse(raw!)).toMatchObject({ cursor: 59, processed: 60 });
        expect(await getRun(runs[index]!.queue, id)).toMatchObject({ status: 'completed' });
      }
      // The three queues' states live on three different masters.
      const homes = await Promise.all(
        runs.map(({ prefix, queueName }) => masterOf(cluster, `${prefix}:${queueName}:1`)),
      );
      expect(new Set(homes).size).toBe(3);
    } finally {
      await Promise.all(runs.map(({ worker }) => worker.close()));
    }
  });

  it("BullMQ flows (parent and children in one queue) complete under the helpers' prefix", async () => {
    // What parallel runs build on: a FlowProducer needs the same hash-tagged prefix.
    const queueName = uniqueQueueName('flow');
    const flows = track(new FlowProducer({ connection: b.connection, prefix: b.prefix }));
    const worker = b.worker(queueName, async (job) =>
      job.name === 'parent' ? Object.values(await job.getChildrenValues()).length : job.data,
    );
    try {
      const done = new Promise<unknown>((resolve, reject) => {
        worker.on('completed', (job, result) => job.name === 'parent' && resolve(result));
        worker.on('failed', (_job, error) => reject(error));
      });
      await flows.add({
        name: 'parent',
        queueName,
        children: range(3).map((n) => ({ name: 'child', queueName, data: n })),
      });
      expect(await done).toBe(3);
    } finally {
      await worker.close();
    }
  });

  it('the default helpers keep state and lock of a job in one slot under {bull}', async () => {
    const queueName = uniqueQueueName('slot');
    const queue = b.queue(queueName);
    const c = counter({ total: 5 });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ processed: 5 });
      const slot = (key: string) => b.redis().cluster('KEYSLOT', key);
      const jobKey = `{bull}:${queueName}:${job.id}`;
      expect(await slot(`${jobKey}:lock`)).toBe(await slot(jobKey));
    } finally {
      await worker.close();
    }
  });
});

describe('Redis Cluster: health checks', () => {
  it('PING reaches every master; the slowest counts', async () => {
    const cluster = b.connection;
    await cluster.ping();
    const pings = cluster.nodes('master').map((node) => vi.spyOn(node, 'ping'));
    const status = await tracked(redisLatency({ redis: cluster })).status();
    expect(status).toMatchObject({ healthy: true });
    expect(status.detail).toMatch(/^PING took \d+ ms \(limit 100 ms\), slowest of 3 masters$/);
    for (const ping of pings) expect(ping).toHaveBeenCalledOnce();
  });

  describe('memory', () => {
    let limited: Redis | undefined;
    afterEach(async () => {
      await limited?.config('SET', 'maxmemory', '0');
      limited = undefined;
    });

    it('INFO memory is read on every master: one near its maxmemory throttles', async () => {
      const cluster = b.connection;
      await cluster.ping();
      // A limit far above what the tests use (no eviction, no refused write), on one master only.
      limited = cluster.nodes('master')[1]!;
      await limited.config('SET', 'maxmemory', String(256 * 2 ** 20));
      const used = Number(/used_memory:(\d+)/.exec(await limited.info('memory'))![1]);
      const maxShare = (used / (256 * 2 ** 20)) * 0.5;
      const status = await tracked(redisMemory({ redis: cluster, maxShare })).status();
      expect(status).toMatchObject({ healthy: false });
      expect(status.detail).toMatch(/of 256\.0 MB .*fullest of 3 masters$/);
      const roomy = await tracked(redisMemory({ redis: cluster, name: 'roomy' })).status();
      expect(roomy).toMatchObject({ healthy: true });
    });
  });
});

describe('Redis Cluster: redisKeys', () => {
  it('scans every master: every matching key, resuming anywhere', async () => {
    const cluster = b.connection;
    const prefix = `cluster-scan:${randomBytes(4).toString('hex')}:`;
    // No hash tag: the keys spread over every master.
    const keys = Array.from({ length: 45 }, (_, i) => `${prefix}k${i}`);
    try {
      await Promise.all(keys.map((key) => cluster.set(key, '1')));
      const homes = new Set(await Promise.all(keys.map((key) => masterOf(cluster, key))));
      expect(homes.size).toBe(3);
      const build = (cursor: unknown) =>
        redisKeys({ redis: cluster, match: `${prefix}*`, count: 7, cursor });
      const whole = await runWithInterruptions(build, []);
      // Other files write to the cluster meanwhile; a resized table may repeat a key (allowed).
      expect(new Set(whole.items)).toEqual(new Set(keys));
      expect(whole.cursors[0]).toMatchObject({ slot: 0, node: expect.stringMatching(/:\d+$/) });
      // Stops often fall on a master's last key, where the cursor already names the next one.
      await fc.assert(
        fc.asyncProperty(stopSchedules(46), async (stops) => {
          const run = await runWithInterruptions(build, stops);
          expect(new Set(run.items)).toEqual(new Set(keys));
        }),
        { numRuns: 15 },
      );
    } finally {
      await Promise.all(keys.map((key) => cluster.del(key)));
    }
  });

  it('refuses a single-server cursor on a cluster, naming the shape it expects', () => {
    expect(() => redisKeys({ redis: b.connection, cursor: { scan: '0', done: [] } })).toThrow(
      /a Redis Cluster cursor/,
    );
  });
});

describe('Redis Cluster: connect()', () => {
  it('takes comma-separated node URLs: queues and workers share a Cluster under {bull}', async () => {
    const urls = redisClusterUrls();
    const backend = await connect({ redisUrl: urls.join(','), env: {} });
    const queueName = uniqueQueueName('connect');
    const c = counter({ total: 20 });
    const queue = backend.queue(queueName);
    const worker = backend.worker(queueName, [c.job], {
      logger: silentLogger,
      handleSignals: false,
    });
    try {
      expect(backend.kind).toBe('redis');
      expect(backend.description).toBe(`Redis Cluster ${urls.map((u) => `${u}`).join(',')}`);
      expect(() => backend.queue(queueName, { prefix: 'bull' })).toThrow(RedisClusterError);
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(c.seen).toEqual(range(20));
      expect(await getRun(queue, job.id!)).toMatchObject({ status: 'completed', processed: 20 });
      expect(await b.redis().exists(`{bull}:${queueName}:${job.id}`)).toBe(1);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await backend.close();
    }
  });

  it('the CLI takes the node list from BULLMQ_ITERATION_REDIS_URL: status lists the run', async () => {
    const queueName = uniqueQueueName('cli');
    const queue = b.queue(queueName);
    const c = counter({ total: 12 });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      const env = { BULLMQ_ITERATION_REDIS_URL: redisClusterUrls().join(',') };
      const result = await cli(['status', '-q', queueName, '--json'], { env });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual([
        expect.objectContaining({ jobId: job.id, status: 'completed', processed: 12 }),
      ]);
    } finally {
      await worker.close();
    }
  });

  it('fails fast naming the nodes when the cluster cannot be reached', async () => {
    await expect(
      connect({
        redisUrl: 'redis://127.0.0.1:1,redis://127.0.0.1:2',
        env: {},
        connectTimeoutMs: 2_000,
      }),
    ).rejects.toThrow(/^Cannot reach the Redis Cluster at Redis Cluster redis:\/\/127\.0\.0\.1:1/);
  });
});
