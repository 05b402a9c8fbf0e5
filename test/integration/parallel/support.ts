// A parallel iteration job for the tests: items 0..total-1 split into hand-written ranges, every
// item recorded as it is processed (duplicates included), callbacks counted.
import type { Job } from 'bullmq';

import type {
  BuildEnumeratorArgs,
  IterationJobDefinition,
  ParallelSummary,
} from '../../../src/index.js';
import { defineIterationJob } from '../../../src/index.js';
import type { AnyBackendUnderTest, AnyQueue } from '../../support/backends.js';
import { eventually, iterationWorker } from '../../support/iteration.js';

export interface Span {
  readonly from: number;
  readonly to: number;
}

/** `count` ranges of about equal size over 0..total-1. */
export function spans(total: number, count: number): Span[] {
  return Array.from({ length: count }, (_, i) => ({
    from: Math.floor((i * total) / count),
    to: Math.floor(((i + 1) * total) / count),
  }));
}

export interface ParallelOptions extends Partial<
  Omit<
    IterationJobDefinition<Record<string, unknown>, number, number, Span>,
    'buildEnumerator' | 'eachIteration' | 'partitions'
  >
> {
  readonly total: number;
  readonly partitions: number | readonly Span[];
  readonly stepMs?: number;
  readonly onItem?: (item: number, partition: Span, job: Job) => void | Promise<void>;
}

export interface ParallelCounter {
  readonly job: ReturnType<typeof defineParallel>;
  readonly seen: number[];
  readonly calls: { start: number; complete: number; plans: number; processedAtComplete: number[] };
}

function defineParallel(options: ParallelOptions, out: Omit<ParallelCounter, 'job'>) {
  const { total, partitions, stepMs, onItem, onStart, onComplete, ...rest } = options;
  const plan = typeof partitions === 'number' ? spans(total, partitions) : partitions;
  return defineIterationJob({
    name: 'parallel-counter',
    ...rest,
    partitions: () => {
      out.calls.plans++;
      return plan;
    },
    buildEnumerator({
      cursor,
      partition,
    }: BuildEnumeratorArgs<Record<string, unknown>, number, Span>) {
      const from = cursor === null ? partition.from : cursor + 1;
      async function* items() {
        for (let i = from; i < partition.to; i++) yield [i, i] as const;
      }
      return Object.assign(items(), { size: () => partition.to - partition.from });
    },
    async eachIteration(item, ctx) {
      out.seen.push(item);
      if (stepMs !== undefined) await new Promise((r) => setTimeout(r, stepMs));
      await onItem?.(
        item,
        (ctx.job.data as { $bullmqIterationPartition: { value: Span } }).$bullmqIterationPartition
          .value,
        ctx.job,
      );
    },
    onStart: async (ctx) => {
      out.calls.start++;
      await onStart?.(ctx);
    },
    onComplete: async (ctx) => {
      out.calls.complete++;
      out.calls.processedAtComplete.push(ctx.processed);
      await onComplete?.(ctx);
    },
  });
}

export function parallelCounter(options: ParallelOptions): ParallelCounter {
  const out = { seen: [], calls: { start: 0, complete: 0, plans: 0, processedAtComplete: [] } };
  return { job: defineParallel(options, out), ...out };
}

export const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

/** `n` iteration workers on one queue, as if on n machines. */
export function workers(
  b: AnyBackendUnderTest,
  queueName: string,
  job: ParallelCounter['job'],
  n: number,
  options: Parameters<typeof iterationWorker>[3] = {},
) {
  return Array.from({ length: n }, () =>
    iterationWorker(b, queueName, [job], { ...fast, concurrency: 2, ...options }),
  );
}

/** The run's summary once its parent completed. */
export function parentDone(
  queue: AnyQueue,
  id: string,
  timeoutMs = 90_000,
): Promise<ParallelSummary> {
  return eventually(
    async () => {
      const job = await queue.getJob(id);
      if ((await job?.getState()) !== 'completed') return undefined;
      return (await queue.getJob(id))!.returnvalue as ParallelSummary;
    },
    'the parent to complete',
    timeoutMs,
  );
}
