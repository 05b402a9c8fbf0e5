// A job whose items never wait on I/O must not hold the event loop for its whole run: lock
// renewal, checkpoints, progress, shutdown and control requests all need timers and sockets.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, InterruptReason } from '../../../src/index.js';
import { defineIterationJob } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { iterationWorker, nextEvent, storedState } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Burn CPU, as a parsing or hashing step would.
  }
}

describe.each(backends)('CPU-bound items on $name', (b) => {
  it('leave room for timers: checkpoints land and a shutdown stops the run mid-way', async () => {
    const queueName = uniqueQueueName('cpu-bound');
    const queue = b.queue(queueName);
    const items = Array.from({ length: 400 }, (_, i) => i);
    const seen: number[] = [];
    const job = defineIterationJob({
      name: 'crunch',
      // A sync iterable and a sync step: nothing in the loop itself ever awaits I/O.
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) => {
        const start = cursor ?? 0;
        return items.slice(start).map((item, i) => [item, start + i + 1] as const);
      },
      eachIteration(item: number) {
        seen.push(item);
        busy(5);
      },
    });
    const worker = iterationWorker(b, queueName, [job], { progressIntervalMs: 100 });
    let published = 0;
    worker.on('progress', () => published++);
    const started = nextEvent(worker, 'iteration.started');
    const added = await job.enqueue(queue, {});
    await started;
    // Read the checkpoint from a timer while the loop is busy: only possible if it yields.
    const midway = await new Promise<unknown>((resolve) => {
      setTimeout(
        () => void storedState(b, queueName, added.id!).then((s) => resolve(s?.cursor)),
        300,
      );
    });
    const interrupted = nextEvent<{ reason: InterruptReason; processed: number }>(
      worker,
      'iteration.interrupted',
    );
    await worker.close();
    const event = await interrupted;
    expect(event.reason).toBe('shutdown');
    expect(event.processed).toBeLessThan(items.length);
    expect(midway as number).toBeGreaterThan(0);
    expect(published).toBeGreaterThan(1);
    expect(await storedState(b, queueName, added.id!)).toMatchObject({ cursor: seen.length });
  });
});
