// Bad input fails clearly, without pointless retries, and without touching the last good checkpoint.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import type { IterationWorker } from '../../../src/index.js';
import { CursorError, defineIterationJob, EnumeratorError, getRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import {
  completion,
  eventually,
  iterationWorker,
  nextEvent,
  storedState,
} from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

class Money {
  constructor(readonly cents: number) {}
}
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

const badCursors: [string, unknown, RegExp][] = [
  ['a Date', new Date(0), /a Date/],
  ['a BigInt', 10n, /BigInt/],
  ['a Map', new Map([['a', 1]]), /a Map/],
  ['a class instance', new Money(5), /instance of Money/],
  ['undefined', undefined, /undefined/],
  ['NaN', Number.NaN, /NaN/],
  ['a function', () => 1, /function/],
  ['a cycle', circular, /circular/],
  ['a nested Date', { after: [1, new Date(0)] }, /cursor\.after\[1\]: a Date/],
];

describe.each(backends)('bad input on $name', (b) => {
  it('a job name the worker does not know goes back to the queue, then fails once the grace time is over', async () => {
    const queueName = uniqueQueueName('unknown-name');
    const queue = b.queue(queueName);
    const c = counter({ total: 1 });
    const worker = iterationWorker(b, queueName, [c.job], { unknownJobGraceMs: 1_500 });
    try {
      const job = await queue.add('no-such-job', {}, { attempts: 5 });
      const givenBack = await eventually(async () => {
        const seen = (await queue.getJob(job.id!))!;
        return (seen.progress as { status?: string }).status === 'unknown-job' ? seen : undefined;
      }, 'the job to be given back');
      expect(givenBack.attemptsMade).toBe(0);
      expect(givenBack.progress).toMatchObject({
        status: 'unknown-job',
        unknownSince: expect.any(Number),
        reason: expect.stringMatching(/"no-such-job" is not an iteration job/),
      });
      // Status names it as such, with the reason, not as an interrupted run.
      expect(await getRun(queue, job.id!)).toMatchObject({
        status: 'unknown-job',
        unknownSince: (givenBack.progress as { unknownSince: number }).unknownSince,
        statusReason: expect.stringMatching(/"no-such-job" is not an iteration job/),
      });
      await expect(completion(worker, job.id!)).rejects.toThrow(
        /"no-such-job" is not an iteration job .* Known names: "counter"/,
      );
      const failed = (await queue.getJob(job.id!))!;
      expect(failed.attemptsMade).toBe(1);
      expect(await failed.getState()).toBe('failed');
      // Failed after the grace time, counted from the first time a worker saw it.
      const since = (failed.progress as { unknownSince: number }).unknownSince;
      expect(failed.finishedOn! - since).toBeGreaterThanOrEqual(1_500);
    } finally {
      await worker.close();
    }
  });

  it('during a rolling deploy, a job an old worker does not know runs on a worker that knows it', async () => {
    const queueName = uniqueQueueName('rolling-name');
    const queue = b.queue(queueName);
    const known = counter({ total: 1 });
    const fresh = counter({ total: 3, name: 'new-job-type' });
    const old = iterationWorker(b, queueName, [known.job]);
    let current: IterationWorker | undefined;
    try {
      const job = await fresh.job.enqueue(queue, {});
      await eventually(async () => {
        const seen = (await queue.getJob(job.id!))!;
        return (seen.progress as { status?: string }).status === 'unknown-job' ? seen : undefined;
      }, 'the old worker to give the job back');
      await old.close();
      current = iterationWorker(b, queueName, [known.job, fresh.job]);
      const result = await completion(current, job.id!);
      expect(result).toMatchObject({ outcome: 'completed', processed: 3 });
      expect(fresh.seen).toEqual([0, 1, 2]);
      // The completion is the only attempt BullMQ counted: being given back counted none.
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await old.close();
      await current?.close();
    }
  });

  it('buildEnumerator returning something not iterable fails, naming the job and the value', async () => {
    const queueName = uniqueQueueName('not-iterable');
    const queue = b.queue(queueName);
    const job = defineIterationJob({
      name: 'broken-builder',
      buildEnumerator: () => ({ rows: [1, 2] }) as never,
      eachIteration() {},
    });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const added = await job.enqueue(queue, {}, { attempts: 3 });
      const failure = nextEvent<{ error: Error }>(worker, 'iteration.failed');
      await expect(completion(worker, added.id!)).rejects.toThrow(
        /iteration job "broken-builder" \(id \S+\).*returned an object \{"rows":\[1,2\]\}, which is not iterable/,
      );
      expect((await failure).error).toBeInstanceOf(EnumeratorError);
      expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it.each(badCursors)(
    'a cursor that is %s fails with CursorError before it is written',
    async (_what, bad, message) => {
      const queueName = uniqueQueueName('bad-cursor');
      const queue = b.queue(queueName);
      const processed: number[] = [];
      const job = defineIterationJob({
        name: 'bad-cursor',
        async *buildEnumerator({ cursor }: BuildEnumeratorArgs<object, unknown>) {
          if (cursor !== null) throw new Error('never resumed: CursorError is not retried');
          yield [1, 1] as const;
          yield [2, 2] as const;
          yield [3, bad] as const;
          yield [4, 4] as const;
        },
        eachIteration(item: number) {
          processed.push(item);
        },
      });
      const worker = iterationWorker(b, queueName, [job]);
      try {
        const added = await job.enqueue(queue, {}, { attempts: 3 });
        const failure = nextEvent<{ error: Error }>(worker, 'iteration.failed');
        await expect(completion(worker, added.id!)).rejects.toThrow(message);
        const error = (await failure).error as CursorError;
        expect(error).toBeInstanceOf(CursorError);
        expect(error.jobName).toBe('bad-cursor');
        expect(error.cursor).toBe(bad);
        expect(error.message).toContain('iteration job "bad-cursor"');
        // The item with the bad cursor never ran, and the last good cursor stays stored.
        expect(processed).toEqual([1, 2]);
        expect(await storedState(b, queueName, added.id!)).toMatchObject({
          cursor: 2,
          processed: 2,
        });
        expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
      } finally {
        await worker.close();
      }
    },
  );

  it('parseParams rejecting the data fails the job without retry', async () => {
    const queueName = uniqueQueueName('params');
    const queue = b.queue(queueName);
    const job = defineIterationJob({
      name: 'typed-params',
      parseParams(data) {
        const segment = (data as { segment?: unknown }).segment;
        if (typeof segment !== 'string')
          throw new Error(`segment must be a string, got ${typeof segment}`);
        return { segment };
      },
      buildEnumerator: () => [],
      eachIteration() {},
    });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const added = await queue.add('typed-params', { segment: 42 }, { attempts: 3 });
      await expect(completion(worker, added.id!)).rejects.toThrow(
        /typed-params.*parseParams rejected the job's data: segment must be a string, got number/,
      );
      expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
      await expect(job.enqueue(queue, { segment: 7 } as never)).rejects.toThrow(
        /parseParams rejected/,
      );
    } finally {
      await worker.close();
    }
  });

  it('a nil enumerator completes the job without iterating or calling onComplete', async () => {
    const queueName = uniqueQueueName('nil');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    const job = defineIterationJob({
      name: 'nothing-to-do',
      buildEnumerator: () => null,
      eachIteration() {
        calls.push('item');
      },
      onComplete: () => void calls.push('complete'),
      onShutdown: () => void calls.push('shutdown'),
    });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const nil = nextEvent(worker, 'iteration.nilEnumerator');
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
      await nil;
      expect(calls).toEqual(['shutdown']);
    } finally {
      await worker.close();
    }
  });

  it('an empty enumerator reports no items found and completes', async () => {
    const queueName = uniqueQueueName('empty');
    const queue = b.queue(queueName);
    const c = counter({ total: 0 });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const none = nextEvent(worker, 'iteration.noItems');
      const added = await c.job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 0, cursor: null });
      await none;
    } finally {
      await worker.close();
    }
  });
});
