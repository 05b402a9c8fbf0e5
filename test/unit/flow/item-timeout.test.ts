// Item timeouts without a server: the options are checked when the job is defined, and an inline
// run fails a hung item with ItemTimeoutError (or skips it under an item policy).
import { describe, expect, it } from 'vitest';

import { array, defineIterationJob, ItemTimeoutError } from '../../../src/index.js';
import { runInline } from '../../../src/testing/index.js';

const base = {
  name: 'timed',
  buildEnumerator: ({ cursor }: { cursor: number | null }) => array([1, 2, 3], { cursor }),
  eachIteration: () => {},
};

describe('itemTimeoutMs', () => {
  it.each([
    [{ itemTimeoutMs: 0 }, /`itemTimeoutMs` to be a number of milliseconds ≥ 1, got `0`/],
    [{ itemTimeoutMs: '5s' }, /`itemTimeoutMs`.*got `5s` \(string\)/],
    [{ itemTimeoutMs: 100, itemTimeoutGraceMs: -1 }, /`itemTimeoutGraceMs`.*≥ 0, got `-1`/],
    [{ itemTimeoutGraceMs: 100 }, /`itemTimeoutGraceMs` only applies with `itemTimeoutMs`/],
  ])('rejects %j, naming the job', (extra, message) => {
    expect(() => defineIterationJob({ ...base, ...extra } as never)).toThrow(message);
    expect(() => defineIterationJob({ ...base, ...extra } as never)).toThrow(/"timed"/);
  });

  it('fails a hung item with ItemTimeoutError, or skips it with an item policy', async () => {
    const hung = defineIterationJob({
      ...base,
      itemTimeoutMs: 20,
      itemTimeoutGraceMs: 0,
      eachIteration: (item: number) => (item === 2 ? new Promise<void>(() => {}) : undefined),
    });
    await expect(runInline(hung, { params: {} }).iterate()).rejects.toBeInstanceOf(
      ItemTimeoutError,
    );
    const skipping = defineIterationJob({
      ...base,
      itemTimeoutMs: 20,
      itemTimeoutGraceMs: 0,
      itemErrors: { retries: 0, action: 'skip' },
      eachIteration: (item: number) => (item === 2 ? new Promise<void>(() => {}) : undefined),
    });
    await expect(runInline(skipping, { params: {} }).iterate()).resolves.toMatchObject({
      summary: { processed: 2, skipped: 1 },
    });
  });

  it('gives each item its own signal, made when read, aborted at the deadline even when read late', async () => {
    const seen: { item: number; aborted: boolean; reason: unknown }[] = [];
    const signals = new Set<AbortSignal>();
    const late = defineIterationJob({
      ...base,
      itemTimeoutMs: 20,
      itemTimeoutGraceMs: 200,
      itemErrors: { retries: 0, action: 'skip' },
      async eachIteration(item: number, ctx) {
        // Item 2 reads its signal only after its deadline passed: it must already be aborted.
        if (item === 2) await new Promise((resolve) => setTimeout(resolve, 60));
        signals.add(ctx.signal);
        seen.push({ item, aborted: ctx.signal.aborted, reason: ctx.signal.reason });
      },
    });
    const result = await runInline(late, { params: {} }).iterate();
    expect(seen.map(({ item, aborted }) => [item, aborted])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(seen[1]!.reason).toBeInstanceOf(ItemTimeoutError);
    expect(signals.size).toBe(3);
    expect(result).toMatchObject({ outcome: 'completed', summary: { processed: 2, skipped: 1 } });
  });
});
