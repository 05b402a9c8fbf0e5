// What polling a parallel run's own records costs: every running partition polls the run's request
// and settings each controlPollIntervalMs; the partitions one worker runs share those reads, so a
// worker sends about 2 an interval for the run whatever its partitions (a pause or cancel of the run
// still reaches every partition: test/integration/parallel/control.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PostgresCheckpointStore } from '../../../src/backends/postgres.js';
import { RedisCheckpointStore } from '../../../src/backends/redis.js';
import type { JobRef } from '../../../src/backends/store.js';
import { backends } from '../../support/backends.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, parentDone, workers } from './support.js';

/** Counts the store's reads of `parent`'s settings and control, on every store class. */
function countParentReads(parent: () => string | undefined) {
  const counts = { settings: 0, control: 0 };
  for (const Store of [RedisCheckpointStore, PostgresCheckpointStore]) {
    for (const kind of ['settings', 'control'] as const) {
      const method = kind === 'settings' ? 'loadSettings' : 'loadControl';
      const original = Store.prototype[method] as (ref: JobRef) => Promise<string | undefined>;
      vi.spyOn(Store.prototype, method).mockImplementation(function (this: unknown, ref: JobRef) {
        if (ref.id === parent()) counts[kind]++;
        return original.call(this, ref);
      });
    }
  }
  return counts;
}

afterEach(() => vi.restoreAllMocks());

describe.each(backends)('shared reads of a parallel run on $name', (b) => {
  it("a worker's partitions share their polls of the run's request and settings", async () => {
    const queueName = uniqueQueueName('shared-reads');
    const queue = b.queue(queueName);
    const partitions = 8;
    const intervalMs = 50;
    let parentId: string | undefined;
    const counts = countParentReads(() => parentId);
    // 8 partitions of 40 items of 25 ms: each runs about a second, all at once on one worker.
    const c = parallelCounter({ total: 320, partitions, stepMs: 25 });
    const pool = workers(b, queueName, c.job, 1, {
      concurrency: partitions,
      controlPollIntervalMs: intervalMs,
    });
    try {
      const started = performance.now();
      const parent = await c.job.enqueue(queue, {});
      parentId = parent.id;
      const summary = await parentDone(queue, parent.id!);
      const ms = performance.now() - started;
      expect(summary).toMatchObject({ outcome: 'completed', processed: 320, partitions });
      const intervals = ms / intervalMs;
      // Unshared, each partition reads each record every interval: about 8 × intervals each.
      // Shared: one read an interval, plus each partition's own read when it starts.
      for (const kind of ['settings', 'control'] as const) {
        expect(counts[kind], `${kind} reads in ${Math.round(ms)} ms`).toBeLessThanOrEqual(
          2 * (intervals + partitions),
        );
      }
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
