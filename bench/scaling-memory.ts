// Memory a worker holds per running run: many light runs held running at once in one worker of
// this process, the heap after a full collection before and while they run, divided by the runs.
// What a run holds is BullMQ's Job object (its data and options), the run's ledger, writer,
// reporter and watch, their timers and the item in hand.
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { Target } from './scaling-harness.js';
import {
  closeAll,
  completion,
  queueName,
  queueOf,
  removeQueue,
  starts,
  workerOf,
} from './scaling-harness.js';
import { parallelJob, plainJob, setItems } from './scaling-jobs.js';

// A full collection on demand, without asking users to start the benchmark with --expose-gc.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface MemoryResult {
  readonly backend: string;
  readonly what: 'plain runs' | 'partitions of one run';
  readonly count: number;
  readonly heapBytesPerRun: number;
}

/** `count` plain runs, or one run of `count` partitions, held running on one worker. */
export async function memoryPerRun(
  target: Target,
  what: MemoryResult['what'],
  count: number,
): Promise<MemoryResult> {
  setItems({ kind: 'hold' });
  const name = queueName('memory');
  const queue = await queueOf(target, name);
  const worker = await workerOf(target, queue, { concurrency: count + 1 });
  await sleep(500);
  const before = settledHeap();
  const running = starts([worker], count);
  let finished: Promise<unknown>;
  if (what === 'plain runs') {
    let completed = 0;
    finished = new Promise<void>((resolve) =>
      worker.on('iteration.completed', () => {
        if (++completed === count) resolve();
      }),
    );
    // In small batches: enqueueing is not what is measured, and the Job objects go once added.
    for (let i = 0; i < count; i += 50) {
      const batch = Math.min(50, count - i);
      await Promise.all(Array.from({ length: batch }, () => plainJob.enqueue(queue, { items: 2 })));
    }
  } else {
    const parent = await parallelJob.enqueue(queue, { items: 2 * count, count });
    finished = completion([worker], parent.id!);
  }
  await running;
  await sleep(1_000);
  const during = settledHeap();
  setItems({ kind: 'noop' });
  await finished;
  await closeAll(target, [worker], [queue]);
  await removeQueue(target, name);
  return {
    backend: target.name,
    what,
    count,
    heapBytesPerRun: (during - before) / count,
  };
}
