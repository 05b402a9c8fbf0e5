// Poison items: a failing item is retried in place, then skipped and recorded beside the cursor
// (one fenced write), so the run finishes the other items; too many skips fail the run instead.
import { describe, expect, it } from 'vitest';

import type { IterationItemSkippedEvent } from '../../../src/index.js';
import { getFailedItems, getRun, retryFailedItems } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import {
  completion,
  iterationWorker,
  nextEvent,
  storedState,
  summaryOf,
} from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const POISON = [3, 150, 151, 400, 620, 777, 999];

class BrokenRow extends Error {
  override readonly name = 'BrokenRow';
}

function poisoned(poison: readonly number[], extra: { flaky?: number } = {}) {
  const tried = new Set<number>();
  return (item: number) => {
    if (poison.includes(item)) throw new BrokenRow(`row ${item} is broken`);
    if (item === extra.flaky && !tried.has(item)) {
      tried.add(item);
      throw new Error(`row ${item} failed once`);
    }
  };
}

describe.each(backends)('item failures on $name', (b) => {
  it('1,000 items with 7 poison items: 993 processed, 7 recorded, one attempt', async () => {
    const queueName = uniqueQueueName('poison');
    const queue = b.queue(queueName);
    const c = counter({
      total: 1_000,
      onItem: poisoned(POISON, { flaky: 500 }),
      itemErrors: { retries: 2, retryDelayMs: 1, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    const skippedEvents: IterationItemSkippedEvent[] = [];
    worker.on('iteration.itemSkipped', (e) => skippedEvents.push(e));
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(result).toMatchObject({ processed: 993, skipped: 7, timesInterrupted: 0 });

      // Each poison item was tried three times in place, the flaky one twice, the others once.
      const tries = new Map<number, number>();
      for (const item of c.seen) tries.set(item, (tries.get(item) ?? 0) + 1);
      for (const item of range(1_000)) {
        expect(tries.get(item)).toBe(POISON.includes(item) ? 3 : item === 500 ? 2 : 1);
      }

      const failed = await getFailedItems(queue, job.id!);
      expect(failed).toMatchObject({ jobId: job.id, jobName: 'counter', skipped: 7, dropped: 0 });
      expect(failed.items.map((f) => f.item)).toEqual(POISON.map(String));
      // The cursor before each item: the counter's cursor is the index of the last finished item.
      expect(failed.items.map((f) => f.cursor)).toEqual(POISON.map((i) => i - 1));
      expect(failed.items.map((f) => f.after)).toEqual(POISON);
      for (const f of failed.items) {
        expect(f.error).toMatchObject({ name: 'BrokenRow', message: `row ${f.item} is broken` });
        expect(f.error.stack).toContain('BrokenRow');
        expect(f).toMatchObject({ attempt: 1, tries: 3 });
        expect(typeof f.at).toBe('number');
      }
      expect(skippedEvents.map((e) => [e.failedItem.item, e.skipped])).toEqual(
        POISON.map((i, n) => [String(i), n + 1]),
      );
      expect(skippedEvents[0]!.error).toBeInstanceOf(BrokenRow);

      const done = (await queue.getJob(job.id!))!;
      expect(done.attemptsMade).toBe(1);
      expect(done.progress).toMatchObject({ processed: 993, skipped: 7, status: 'completed' });
      expect(await getRun(queue, job.id!)).toMatchObject({ processed: 993, skipped: 7 });
    } finally {
      await worker.close();
    }
  });

  it('past maxSkipped the run fails: systemic errors are not hidden as skips', async () => {
    const queueName = uniqueQueueName('poison-threshold');
    const queue = b.queue(queueName);
    const c = counter({
      total: 1_000,
      onItem: (item) => {
        if (item >= 50) throw new Error('the billing API rejects every request');
      },
      itemErrors: { retries: 0, action: 'skip', maxSkipped: 5 },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 1 });
      const error = await completion(worker, job.id!).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name).toBe('ItemFailuresExceededError');
      expect(error?.message).toContain('more than maxSkipped (5)');
      // Five recorded; the sixth failing item was not: the next attempt starts at it.
      const stored = await storedState(b, queueName, job.id!);
      expect(stored).toMatchObject({ processed: 50, skipped: 5, cursor: 54 });
      expect(stored?.failedItems?.map((f) => f.item)).toEqual(['50', '51', '52', '53', '54']);
      expect((await queue.getJob(job.id!))!.failedReason).toContain('the failures look systemic');
    } finally {
      await worker.close();
    }
  });

  it('skipped items survive an interruption: close, resume, no duplicate in the list', async () => {
    const queueName = uniqueQueueName('poison-resume');
    const queue = b.queue(queueName);
    const poison = range(30).map((i) => i * 10 + 5);
    const c = counter({
      total: 300,
      stepMs: 1,
      onItem: poisoned(poison),
      itemErrors: { retries: 1, retryDelayMs: 1, action: 'skip' },
    });
    const first = iterationWorker(b, queueName, [c.job]);
    const job = await c.job.enqueue(queue, {}, { attempts: 1 });
    await nextEvent<IterationItemSkippedEvent>(
      first,
      'iteration.itemSkipped',
      (e) => e.skipped >= 3,
    );
    await first.close();
    const between = await getFailedItems(queue, job.id!);
    expect(between.items.length).toBeGreaterThanOrEqual(3);
    expect(between.items.length).toBeLessThan(30);

    const second = iterationWorker(b, queueName, [c.job]);
    try {
      const result = await completion(second, job.id!);
      expect(result).toMatchObject({ processed: 270, skipped: 30, timesInterrupted: 1 });
      const failed = await getFailedItems(queue, job.id!);
      expect(failed.items.map((f) => f.item)).toEqual(poison.map(String));
      // Every good item finished exactly once across the two runs.
      const good = c.seen.filter((i) => !poison.includes(i));
      expect(duplicates(good)).toEqual([]);
      expect(new Set(good).size).toBe(270);
    } finally {
      await second.close();
    }
  });

  it('retryFailedItems replays exactly the recorded items; those still failing are recorded again', async () => {
    const queueName = uniqueQueueName('poison-replay');
    const queue = b.queue(queueName);
    const broken = new Set(POISON);
    const params = new Set<string>();
    const c = counter({
      total: 1_000,
      onItem: (item, ctx) => {
        params.add(JSON.stringify(ctx.params));
        if (broken.has(item)) throw new BrokenRow(`row ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, { region: 'eu' }, { attempts: 2 });
      await completion(worker, job.id!);
      expect((await getFailedItems(queue, job.id!)).items).toHaveLength(7);

      // Five rows are fixed; two stay broken.
      for (const item of POISON.slice(0, 5)) broken.delete(item);
      c.seen.length = 0;
      const replay = await retryFailedItems(queue as never, job.id!);
      expect(replay.name).toBe('counter');
      expect(replay.opts.attempts).toBe(2);
      const result = await summaryOf(queue as never, replay.id!);
      // Exactly the recorded items, in order, each once; nothing else.
      expect(c.seen).toEqual(POISON);
      expect(result).toMatchObject({ processed: 5, skipped: 2 });
      const still = await getFailedItems(queue, replay.id!);
      expect(still.items.map((f) => [f.item, f.cursor, f.after])).toEqual(
        POISON.slice(5).map((i) => [String(i), i - 1, i]),
      );
      // The five that succeeded left the original list; the two left are followed into the
      // replay's own list, with where they are now.
      const left = await getFailedItems(queue, job.id!);
      expect(left.items.map((f) => [f.item, f.job])).toEqual(
        POISON.slice(5).map((i) => [String(i), replay.id]),
      );
      expect(left.skipped).toBe(7);
      broken.clear();
      c.seen.length = 0;
      // Replaying the original again visits only the two left, not the seven.
      const again = await retryFailedItems(queue as never, job.id!);
      expect(await summaryOf(queue as never, again.id!)).toMatchObject({ processed: 2 });
      expect(c.seen).toEqual(POISON.slice(5));
      expect((await getFailedItems(queue, again.id!)).items).toEqual([]);
      expect((await getFailedItems(queue, job.id!)).items).toEqual([]);
      // Replays see the original params, not the data that wraps them.
      expect([...params]).toEqual(['{"region":"eu"}']);
      // Nothing is left: a third replay would apply the effects of fixed items twice.
      await expect(retryFailedItems(queue as never, job.id!)).rejects.toThrow(
        'has no recorded failed items',
      );
      await expect(retryFailedItems(queue as never, again.id!)).rejects.toThrow(
        'has no recorded failed items',
      );
    } finally {
      await worker.close();
    }
  });

  it('two replays enqueued at once never both take a record: every item is replayed once', async () => {
    const queueName = uniqueQueueName('poison-race');
    const queue = b.queue(queueName);
    const broken = new Set(POISON);
    const c = counter({
      total: 1_000,
      onItem: (item) => {
        if (broken.has(item)) throw new BrokenRow(`row ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [c.job], { concurrency: 2 });
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      broken.clear();
      c.seen.length = 0;
      // Both are enqueued before either ran: each names all seven records.
      const [one, two] = await Promise.all([
        retryFailedItems(queue as never, job.id!),
        retryFailedItems(queue as never, job.id!),
      ]);
      const results = await Promise.all([
        summaryOf(queue as never, one.id!),
        summaryOf(queue as never, two.id!),
      ]);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(POISON);
      const processed = results.map((r) => (r as { processed: number }).processed);
      expect(processed.reduce((x, y) => x + y, 0)).toBe(POISON.length);
      expect((await getFailedItems(queue, job.id!)).items).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
