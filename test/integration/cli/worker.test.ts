// The `worker` command on Redis: job modules of both shapes, a line per lifecycle event, --quiet,
// and signals: the first SIGTERM requeues the run and exits 0, a second one exits at once.
import { afterEach, describe, expect, it } from 'vitest';

import { getRun } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, DEFAULT_JOBS, JOBS, killAllCli, startCli } from './support.js';

afterEach(() => killAllCli());

const env = () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() });

async function enqueue(queueName: string, job: string, params = '{}'): Promise<string> {
  const result = await cli(['enqueue', job, '-q', queueName, '-p', params], { env: env() });
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

describe('worker command', () => {
  it('prints started, throttled, resumed, failed and, on SIGTERM, interrupted; then exits 0', async () => {
    const queueName = uniqueQueueName('cli-worker');
    const queue = backendByName('redis').queue(queueName);
    const worker = startCli(['worker', JOBS, '-q', queueName, '-c', '2'], { env: env() });
    await worker.waitFor('worker ready: queue');
    expect(worker.stdout()).toContain('jobs always-fails, count-to; concurrency 2');

    const id = await enqueue(
      queueName,
      'count-to',
      '{"total":100000,"stepMs":5,"throttleOnce":true}',
    );
    const failing = await enqueue(queueName, 'always-fails');
    await worker.waitFor(`started     count-to #${id}\n`);
    await worker.waitFor(
      `throttled   count-to #${id}  by warm-up: check returned true; again in 200 ms`,
    );
    await worker.waitFor(`resumed     count-to #${id}  at 0 items, cursor null`);
    await worker.waitFor(
      `failed      always-fails #${failing}  boom: the step failed (at 0 items)`,
    );
    await eventually(
      async () => ((await getRun(queue, id)).processed > 10 ? true : undefined),
      'the run to make progress',
    );

    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(
      new RegExp(`interrupted count-to #${id}  \\(shutdown\\) at [\\d,]+ items; requeued`),
    );
    // Requeued with its cursor, not failed: the next worker continues it.
    const run = await getRun(queue, id);
    expect(['interrupted', 'waiting']).toContain(run.status);
    expect(run.timesInterrupted).toBe(1);
  });

  it('runs a default-export array of jobs; --quiet prints no event lines', async () => {
    const queueName = uniqueQueueName('cli-default');
    const queue = backendByName('redis').queue(queueName);
    const worker = startCli(['worker', DEFAULT_JOBS, '-q', queueName, '--quiet'], { env: env() });
    await worker.waitFor('worker ready');
    expect(worker.stdout()).toContain('jobs quick;');
    const id = await enqueue(queueName, 'quick');
    await eventually(
      async () => ((await getRun(queue, id)).status === 'completed' ? true : undefined),
      'the quick job to complete',
    );
    worker.child.kill('SIGINT');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).not.toContain('started');
    expect(exit.stdout).not.toContain('completed');
  });

  it('a second signal exits at once with 143 while an item is still in flight', async () => {
    const queueName = uniqueQueueName('cli-force');
    const worker = startCli(['worker', JOBS, '-q', queueName], { env: env() });
    await worker.waitFor('worker ready');
    // Each item takes 20 s: a graceful stop would wait for it.
    await enqueue(queueName, 'count-to', '{"total":3,"stepMs":20000,"announce":true}');
    // Not the `started` line: a signal between it and the first item stops before that item.
    await worker.waitFor('item 0 in flight');
    worker.child.kill('SIGTERM');
    await worker.waitFor('received SIGTERM: finishing the items in flight');
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 143, signal: null });
    expect(exit.stderr).toContain('received SIGTERM again; exiting now');
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
  });
});
