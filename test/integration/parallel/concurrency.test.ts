// maxConcurrentPartitions: at most N partitions of one run are active at once, however many
// worker slots are free; the rest are pending until a partition of their lane completes.
import { describe, expect, it } from 'vitest';

import { getRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

/** The most partitions whose [first item, last item] spans overlap at one time. */
function mostAtOnce(spans: Map<number, { first: number; last: number }>): number {
  const events = [...spans.values()].flatMap(({ first, last }) => [
    { at: first, delta: 1 },
    { at: last, delta: -1 },
  ]);
  // Ends before starts at the same instant.
  events.sort((x, y) => x.at - y.at || x.delta - y.delta);
  let now = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (now += e.delta));
  return most;
}

describe.each(backends)('maxConcurrentPartitions on $name', (b) => {
  it('keeps at most 2 of 8 partitions active with 6 free worker slots; every item once', async () => {
    const queueName = uniqueQueueName('parallel-max');
    const queue = b.queue(queueName);
    // Per partition (by its lower bound): when its first item started and its last one ended.
    const spans = new Map<number, { first: number; last: number }>();
    const c = parallelCounter({
      total: 240,
      partitions: 8,
      stepMs: 2,
      maxConcurrentPartitions: 2,
      onItem: (_, span) => {
        const now = performance.now();
        const seen = spans.get(span.from);
        if (seen === undefined) spans.set(span.from, { first: now, last: now });
        else seen.last = now;
      },
    });
    const pool = workers(b, queueName, c.job, 3);
    const activeCounts: number[] = [];
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(
        async () => {
          const run = await getRun(queue, parent.id!);
          // A partition adds the next of its lane as its last step, after its last item: for a
          // moment both hold a slot, but only one has items left.
          const withItemsLeft = (run.partitions ?? []).filter(
            (p) =>
              !['pending', 'completed'].includes(p.status) &&
              !(p.total !== undefined && p.processed >= p.total),
          );
          activeCounts.push(withItemsLeft.length);
          return run.status === 'completed' ? run : undefined;
        },
        'the run to complete',
        60_000,
      );
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(240));
      expect(spans.size).toBe(8);
      expect(mostAtOnce(spans)).toBeLessThanOrEqual(2);
      expect(Math.max(...activeCounts)).toBeLessThanOrEqual(2);
      expect(c.calls).toMatchObject({ start: 1, complete: 1, processedAtComplete: [240] });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
