// Parallel runs on worker processes killed for real: a SIGKILL while the parent plans leaves one
// set of partitions; a SIGKILL mid-run redoes at most the killed partitions' items in flight.
import { afterEach, describe, expect, it } from 'vitest';

import { getRun } from '../../../src/index.js';
import { backends, type BackendUnderTest } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import {
  killAll,
  recordedItems,
  spawnWorker,
  tempFile,
  waitForItems,
  waitForOutput,
} from '../../support/processes.js';
import { redisUrl } from '../../support/servers.js';

afterEach(() => killAll());

const TOTAL = 240;

function env(
  b: BackendUnderTest,
  queue: string,
  out: string,
  extra: Record<string, string | number>,
) {
  return {
    BACKEND: b.name,
    URL: b.name === 'redis' ? redisUrl() : b.connection,
    QUEUE: queue,
    TOTAL,
    STEP_MS: 3,
    OUT_FILE: out,
    // Every worker of a queue shares the stalled-check slot: both get the short interval.
    STALLED_INTERVAL_MS: 300,
    LOCK_DURATION_MS: 1_500,
    ...extra,
  };
}

describe.each(backends)('parallel runs on worker processes, $name', (b) => {
  async function completed(queue: ReturnType<BackendUnderTest['queue']>, id: string) {
    return eventually(
      async () => {
        const run = await getRun(queue, id);
        return run.status === 'completed' ? run : undefined;
      },
      'the run to complete',
      60_000,
    );
  }

  it('SIGKILL while the parent adds its partitions: the next worker ends with one set', async () => {
    const queueName = uniqueQueueName('parallel-kill-plan');
    const queue = b.queue(queueName);
    const out = tempFile('items');
    const parent = await queue.add('crashy-parallel', {});
    const planner = spawnWorker(env(b, queueName, out, { PARTITIONS: 6, HANG_AFTER_ADDS: 2 }));
    await waitForOutput(planner, 'hanging after 2 partitions');
    planner.child.kill('SIGKILL');
    await planner.exited;
    expect((await queue.getJobs(['waiting', 'active', 'delayed'])).length).toBe(3);

    // Planning again would give 4 partitions: the stored plan of 6 is what the run keeps.
    const next = spawnWorker(env(b, queueName, out, { PARTITIONS: 4, CONCURRENCY: 3 }));
    const run = await completed(queue, parent.id!);
    next.child.kill('SIGTERM');
    await next.exited;
    expect(run.partitions).toHaveLength(6);
    const all = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    expect(all).toHaveLength(7);
    const items = recordedItems(out);
    expect(duplicates(items)).toEqual([]);
    expect([...items].sort((x, y) => x - y)).toEqual(range(TOTAL));
  });

  it('SIGKILL of one of two workers mid-run (strict): at most its items in flight are redone', async () => {
    const queueName = uniqueQueueName('parallel-kill-run');
    const queue = b.queue(queueName);
    const out = tempFile('items');
    const parent = await queue.add('crashy-parallel', {});
    const options = { PARTITIONS: 4, CONCURRENCY: 2, CHECKPOINT_MODE: 'strict' };
    const first = spawnWorker(env(b, queueName, out, options));
    const second = spawnWorker(env(b, queueName, out, options));
    await waitForItems(out, 60, first);
    first.child.kill('SIGKILL');
    await first.exited;
    const run = await completed(queue, parent.id!);
    second.child.kill('SIGTERM');
    await second.exited;
    const items = recordedItems(out);
    expect([...new Set(items)].sort((x, y) => x - y)).toEqual(range(TOTAL));
    // Strict checkpoints: one item in flight per partition the killed worker ran (concurrency 2).
    expect(duplicates(items).length).toBeLessThanOrEqual(2);
    expect(run.processed).toBe(TOTAL);
  });
});
