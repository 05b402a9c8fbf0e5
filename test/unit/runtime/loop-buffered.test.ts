// The loop takes the pairs an enumerator already holds (`nextBuffered`) without awaiting `next()`,
// in both loop variants, and checks them like any other pair.
import { describe, expect, it } from 'vitest';

import { CursorError } from '../../../src/errors.js';
import { CheckpointWriter } from '../../../src/runtime/checkpoint-writer.js';
import { runLoop } from '../../../src/runtime/loop.js';
import { loopRun } from './loop-support.js';

/** `total` items in pages of `page`: `next()` fetches a page and hands out its first pair. */
function paged(total: number, page: number, badCursorAt = -1) {
  let fetched: number[] = [];
  let at = 0;
  const calls = { next: 0, buffered: 0 };
  const pair = (i: number) => [i, i === badCursorAt ? Number.NaN : i] as const;
  const it = {
    async next() {
      calls.next++;
      if (at >= total) return { done: true as const, value: undefined };
      fetched = Array.from({ length: Math.min(page, total - at) }, (_, k) => at + k);
      at += fetched.length;
      return { done: false as const, value: pair(fetched.shift()!) };
    },
    nextBuffered() {
      if (fetched.length === 0) return undefined;
      calls.buffered++;
      return pair(fetched.shift()!);
    },
  };
  return { source: { [Symbol.asyncIterator]: () => it }, calls };
}

function bufferedRun(plainItems: boolean) {
  const stepped: number[] = [];
  const writer = new CheckpointWriter({
    save: async () => true,
    snapshot: () => '{}',
    onLost() {},
  });
  return { ...loopRun(writer, (item) => void stepped.push(item), plainItems), stepped };
}

describe.each([
  { loop: 'plain loop', plainItems: true },
  { loop: 'full loop', plainItems: false },
])('the $loop with an enumerator that buffers', ({ plainItems }) => {
  it('takes buffered pairs without next(), in order, and next() for each page and the end', async () => {
    const { source, calls } = paged(1_000, 100);
    const { run, done, stepped } = bufferedRun(plainItems);
    await expect(runLoop(source, run, undefined)).resolves.toBe('exhausted');
    const all = Array.from({ length: 1_000 }, (_, i) => i);
    expect(stepped).toEqual(all);
    expect(done).toEqual(all);
    expect(calls).toEqual({ next: 11, buffered: 990 });
  });

  it('refuses a bad cursor from the buffer before its item runs', async () => {
    const { source } = paged(50, 10, 23);
    const { run, stepped } = bufferedRun(plainItems);
    const failure = await runLoop(source, run, undefined).catch((error: unknown) => error);
    expect((failure as { error: unknown }).error).toBeInstanceOf(CursorError);
    expect(stepped).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });
});
