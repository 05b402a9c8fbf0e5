// Poison items without a server: the `itemErrors` option's validation, the share threshold, retries
// before failing, transient errors left to the run, and the bounded list of records.
import { describe, expect, it } from 'vitest';

import type { FailedItem } from '../../../src/index.js';
import {
  defineIterationJob,
  ItemFailuresExceededError,
  TransientError,
} from '../../../src/index.js';
import { RunLedger } from '../../../src/runtime/ledger.js';
import { runInline } from '../../../src/testing/index.js';
import { counter, range } from '../../support/jobs.js';

const valid = {
  name: 'valid',
  buildEnumerator: () => [],
  eachIteration: () => {},
};

describe('itemErrors', () => {
  it.each([
    [true, 'expected `itemErrors` to be an object, got true'],
    [{ action: 'ignore' }, "expected `itemErrors.action` to be 'fail' or 'skip', got `ignore`"],
    [{ retries: -1 }, 'expected `itemErrors.retries` to be a whole number ≥ 0, got `-1` (number)'],
    [{ retryDelayMs: Number.NaN }, 'expected `itemErrors.retryDelayMs` to be a non-negative'],
    [{ maxSkippedShare: 0 }, 'expected `itemErrors.maxSkippedShare` to be a share above 0'],
    [
      { maxSkippedShare: 1.5 },
      'expected `itemErrors.maxSkippedShare` to be a share above 0 and at most 1',
    ],
    [{ maxRecorded: 2.5 }, 'expected `itemErrors.maxRecorded` to be a whole number ≥ 0'],
  ])('rejects %j', (itemErrors, message) => {
    expect(() => defineIterationJob({ ...valid, itemErrors: itemErrors as never })).toThrow(
      `iteration job "valid": ${message}`,
    );
  });

  it('fails the run once more than maxSkippedShare of the visited items were skipped', async () => {
    const c = counter({
      total: 300,
      onItem: (item) => {
        if (item % 5 === 0) throw new Error(`item ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip', maxSkipped: 1_000, maxSkippedShare: 0.1 },
    });
    const run = runInline(c.job, { params: {} });
    const error = await run.iterate().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Judged from the 100th item visited on: item 100 would make 21 skips out of 101 items.
    expect(error).toBeInstanceOf(ItemFailuresExceededError);
    expect(error).toMatchObject({ skipped: 20, processed: 80, jobName: 'counter' });
    expect((error as Error).cause).toEqual(new Error('item 100 is broken'));
    expect(run).toMatchObject({ cursor: 99, processed: 80 });
  });

  it('never completes a small run whose every item failed, nor one above maxSkippedShare', async () => {
    // 50 items, all failing: under SHARE_MIN_ITEMS and under maxSkipped, the share is judged at
    // the end, over every item visited.
    const all = counter({
      total: 50,
      onItem: (item) => {
        throw new Error(`item ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip', maxSkippedShare: 0.05 },
    });
    const run = runInline(all.job, { params: {} });
    const error = await run.iterate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ItemFailuresExceededError);
    expect(error).toMatchObject({ skipped: 50, processed: 0, jobName: 'counter' });
    expect((error as Error).message).toMatch(/every one of the 50 items it visited failed/);
    // The records and the cursor stay, for a replay once the cause is fixed.
    expect(run).toMatchObject({ cursor: 49, processed: 0 });
    expect(run.events.filter((e) => e.event === 'iteration.itemSkipped')).toHaveLength(50);

    // Without a share set, a run whose every item failed does not complete either.
    const noShare = counter({
      total: 10,
      onItem: () => {
        throw new Error('down');
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    await expect(runInline(noShare.job, { params: {} }).iterate()).rejects.toThrow(
      ItemFailuresExceededError,
    );

    // Above the share at the end: 3 of 20 skipped (15 %) with maxSkippedShare 0.1.
    const some = counter({
      total: 20,
      onItem: (item) => {
        if (item % 7 === 0) throw new Error(`item ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip', maxSkippedShare: 0.1 },
    });
    await expect(runInline(some.job, { params: {} }).iterate()).rejects.toThrow(
      /3 of the 20 items it visited were skipped, more than maxSkippedShare \(10 %\)/,
    );
    // Under it, the run completes with its skips recorded.
    const fine = counter({
      total: 20,
      onItem: (item) => {
        if (item === 7) throw new Error('item 7 is broken');
      },
      itemErrors: { retries: 0, action: 'skip', maxSkippedShare: 0.1 },
    });
    await expect(runInline(fine.job, { params: {} }).iterate()).resolves.toMatchObject({
      outcome: 'completed',
      summary: { processed: 19, skipped: 1 },
    });
  });

  it("action 'fail' retries the item in place, then fails the attempt with its error", async () => {
    let failures = 0;
    const c = counter({
      total: 10,
      onItem: (item) => {
        if (item === 4 && failures++ < 2) throw new Error('flaky');
        if (item === 7) throw new Error('item 7 is broken');
      },
      itemErrors: { retries: 2, retryDelayMs: 1 },
    });
    const run = runInline(c.job, { params: {} });
    await expect(run.iterate()).rejects.toThrow('item 7 is broken');
    expect(c.seen).toEqual([0, 1, 2, 3, 4, 4, 4, 5, 6, 7, 7, 7]);
    expect(run).toMatchObject({ cursor: 6, processed: 7, timesInterrupted: 0 });
    expect(run.events.some((e) => e.event === 'iteration.itemSkipped')).toBe(false);
  });

  it('an error marked transient goes to the run (rebuild at the item), never skipped', async () => {
    let thrown = false;
    const c = counter({
      total: 10,
      onItem: (item) => {
        if (item === 5 && !thrown) {
          thrown = true;
          throw new TransientError('billing answered 503');
        }
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    const summary = await runInline(c.job, { params: {} }).finish();
    expect(summary).toMatchObject({ processed: 10 });
    expect(summary.skipped).toBeUndefined();
    expect(c.seen).toEqual([...range(6), ...range(5).map((i) => i + 5)]);
  });

  it('keeps the oldest records up to maxRecorded and counts the rest', () => {
    const ledger = new RunLedger();
    const record = (n: number): FailedItem => ({
      cursor: n - 1,
      after: n,
      item: String(n),
      error: { name: 'Error', message: `item ${n}` },
      at: 0,
      attempt: 1,
      tries: 1,
    });
    for (const n of [3, 8, 9]) ledger.skip(n, record(n), 2, 1);
    expect(ledger.state).toMatchObject({
      cursor: 9,
      processed: 0,
      skipped: 3,
      failedItemsDropped: 1,
      failedItems: [record(3), record(8)],
    });
  });
});
