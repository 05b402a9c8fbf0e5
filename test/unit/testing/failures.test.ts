// A failing run is handled as BullMQ handles it: the attempt counts, the job is retried per its
// `attempts` and `backoff` (BullMQ's own backoff computation), errors that extend
// UnrecoverableError fail it at once, and every retry resumes at the failing item.
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { CursorError, defineIterationJob, IterationDefinitionError } from '../../../src/index.js';
import { runInline } from '../../../src/testing/index.js';
import { counter, range } from '../../support/jobs.js';

function flaky(total: number, failingItem: number, failures: number) {
  const calls: string[] = [];
  let failed = 0;
  const c = counter({
    total,
    onStart: () => void calls.push('start'),
    onResume: (ctx) => void calls.push(`resume@${String(ctx.cursor)}`),
    onShutdown: () => void calls.push('shutdown'),
    onComplete: () => void calls.push('complete'),
    onItem(item) {
      if (item === failingItem && failed++ < failures) throw new Error(`item ${item} is flaky`);
    },
  });
  return { ...c, calls };
}

describe('failures and retries inline', () => {
  it('a throwing item fails the attempt; the retry resumes at that item (as errors.test.ts on real servers)', async () => {
    const c = flaky(30, 17, 1);
    const run = runInline(c.job, { params: {}, opts: { attempts: 2 } });
    await expect(run.iterate()).rejects.toThrow('item 17 is flaky');
    // BullMQ would retry at once: the job waits again, one attempt made.
    expect(run).toMatchObject({ status: 'waiting', cursor: 16, processed: 17 });
    expect(run.error).toBeInstanceOf(Error);
    expect(run.job).toMatchObject({ attemptsMade: 1, failedReason: 'item 17 is flaky' });
    expect(run.progress).toMatchObject({ status: 'failed' });
    expect(run.events.at(-1)).toMatchObject({ event: 'iteration.failed', processed: 17 });

    expect(await run.iterate()).toMatchObject({ outcome: 'completed', processed: 13 });
    expect(run.error).toBeUndefined();
    expect(c.seen).toEqual([...range(18), ...range(30).slice(17)]);
    expect(c.calls).toEqual(['start', 'shutdown', 'resume@16', 'complete', 'shutdown']);
    expect(run.job.attemptsMade).toBe(2);
  });

  it('without attempts left the job fails for good; retry() resumes it from its checkpoint', async () => {
    const c = flaky(12, 8, 1);
    const run = runInline(c.job, { params: {} });
    await expect(run.iterate()).rejects.toThrow('item 8 is flaky');
    expect(run).toMatchObject({ status: 'failed', cursor: 7, processed: 8 });
    expect(run.job.finishedOn).toEqual(expect.any(Number));
    await expect(run.iterate()).rejects.toThrow(
      /failed for good \(item 8 is flaky\)\. Call retry\(\) to run it again/,
    );
    await expect(run.finish()).rejects.toThrow('item 8 is flaky');

    expect(await run.retry()).toMatchObject({ outcome: 'completed', processed: 4 });
    expect(c.seen).toEqual([...range(9), ...range(12).slice(8)]);
    expect(run.job.attemptsMade).toBe(2);
  });

  it('retry() is for failed jobs only', async () => {
    const run = runInline(counter({ total: 1 }).job, { params: {} });
    await expect(run.retry()).rejects.toThrow(/retry\(\) moves a failed job back .* is waiting/);
  });

  it("a backoff delays the retry by BullMQ's own computation", async () => {
    const c = flaky(5, 2, 2);
    const run = runInline(c.job, {
      params: {},
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
    });
    await expect(run.iterate()).rejects.toThrow();
    expect(run.status).toBe('delayed');
    expect(run.job.delay).toBe(1_000);
    await expect(run.iterate()).rejects.toThrow();
    expect(run.job.delay).toBe(2_000);
    await run.iterate();
    expect(run.job.attemptsMade).toBe(3);
  });

  it('finish() goes through the retries BullMQ would make, and rejects once attempts run out', async () => {
    const recovers = flaky(6, 3, 2);
    const run = runInline(recovers.job, { params: {}, opts: { attempts: 3 } });
    await expect(run.finish()).resolves.toMatchObject({ processed: 6 });

    const never = flaky(6, 3, Infinity);
    const failing = runInline(never.job, { params: {}, opts: { attempts: 3 } });
    await expect(failing.finish()).rejects.toThrow('item 3 is flaky');
    expect(failing.job.attemptsMade).toBe(3);
    expect(never.seen).toEqual([0, 1, 2, 3, 3, 3]);
  });

  it('a custom backoff strategy of the worker settings can refuse the retry', async () => {
    const c = flaky(3, 1, 5);
    const run = runInline(c.job, {
      params: {},
      opts: { attempts: 5, backoff: { type: 'give-up' } },
      worker: { settings: { backoffStrategy: () => -1 } },
    });
    await expect(run.iterate()).rejects.toThrow();
    expect(run.status).toBe('failed');
  });

  it('a CursorError is not retried, whatever the attempts, and the last good checkpoint stays', async () => {
    // @ts-expect-error a Date cursor is a compile error; the runtime check is for JavaScript users
    const job = defineIterationJob({
      name: 'dated',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<Record<string, unknown>, unknown>) =>
        [0, 1, 2, 3, 4]
          .slice(typeof cursor === 'number' ? cursor + 1 : 0)
          .map((i) => [i, i === 3 ? new Date(0) : i] as const),
      eachIteration: () => {},
    });
    const run = runInline(job, { params: {}, opts: { attempts: 5 } });
    const error = await run.iterate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CursorError);
    expect((error as CursorError).message).toMatch(
      /^The enumerator of iteration job "dated" \(id 1\) yielded a cursor that is not plain JSON/,
    );
    expect(run).toMatchObject({ status: 'failed', cursor: 2, processed: 3 });
    expect(run.job.attemptsMade).toBe(1);
  });

  it("the job's own UnrecoverableError fails it at once", async () => {
    const c = counter({
      total: 3,
      onItem: () => {
        throw new UnrecoverableError('bad row');
      },
    });
    const run = runInline(c.job, { params: {}, opts: { attempts: 10 } });
    await expect(run.iterate()).rejects.toThrow('bad row');
    expect(run.status).toBe('failed');
  });

  it('params go through enqueue: parseParams and the JSON check reject them on the first run', async () => {
    const strict = defineIterationJob({
      name: 'parsed',
      parseParams: (data) => {
        const { n } = data as { n: unknown };
        if (typeof n !== 'number') throw new Error('n must be a number');
        return { n };
      },
      buildEnumerator: () => [],
      eachIteration: () => {},
    });
    const rejected = runInline(strict, { params: { n: 'x' as unknown as number } });
    await expect(rejected.iterate()).rejects.toThrow(IterationDefinitionError);
    await expect(rejected.iterate()).rejects.toThrow(/parseParams rejected its params: n must be/);

    const plain = counter({ total: 1 });
    const dated = runInline(plain.job, { params: { at: new Date(0) } });
    await expect(dated.finish()).rejects.toThrow(/params must be plain JSON data/);
  });

  it('the job reads a JSON copy of its params, as from a queue', async () => {
    const params = { tags: ['a'] };
    const run = runInline(counter({ total: 1 }).job, { params });
    params.tags.push('b');
    await run.iterate();
    expect(run.job.data).toEqual({ tags: ['a'] });
  });
});
