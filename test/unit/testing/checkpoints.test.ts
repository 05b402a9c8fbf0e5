// Checkpoint modes behave inline as in production, because the same checkpoint writer runs: strict
// makes each item durable before the next starts; coalesced keeps at most one write in flight and
// never makes the loop wait, yet an interruption, a failure or a completion flushes it, so both end
// with the last finished item stored.
import { describe, expect, it } from 'vitest';

import type { InlineRun } from '../../../src/testing/index.js';
import { runInline } from '../../../src/testing/index.js';
import { syncCounter } from './jobs.js';

function watched(
  checkpointMode: 'strict' | 'coalesced',
  where: 'job' | 'worker',
  checkpointIntervalMs?: number,
) {
  const storedAtItem: (number | null)[] = [];
  const c = syncCounter({
    ...(where === 'job' ? { checkpointMode } : {}),
    // The stored cursor, as a crash at this point would leave it.
    onItem: () => void storedAtItem.push(run.cursor),
  });
  const run: InlineRun<{ total: number }, number> = runInline(c.job, {
    params: { total: 8 },
    ...(where === 'worker' ? { worker: { checkpointMode } } : {}),
    ...(checkpointIntervalMs === undefined ? {} : { worker: { checkpointIntervalMs } }),
  });
  return { run, storedAtItem, seen: c.seen };
}

describe('checkpoint modes inline', () => {
  it.each(['job', 'worker'] as const)(
    'strict (set on the %s): inside each item the previous one is already stored',
    async (where) => {
      const { run, storedAtItem } = watched('strict', where);
      await run.iterate({ items: 5 });
      expect(storedAtItem).toEqual([null, 0, 1, 2, 3]);
      expect(run.cursor).toBe(4);
    },
  );

  it('coalesced: one write in flight, a synchronous loop never waits for it, the interruption flushes', async () => {
    // Back to back (checkpointIntervalMs: 0): item 0's write starts at once; the loop never
    // yields, so it stays in flight and later items only mark the state dirty until the
    // interruption flushes the newest one. (With the store's pace, item 0 waits for it too.)
    const { run, storedAtItem } = watched('coalesced', 'job', 0);
    await run.iterate({ items: 5 });
    expect(storedAtItem).toEqual([null, 0, 0, 0, 0]);
    expect(run).toMatchObject({ cursor: 4, processed: 5 });
  });

  it.each(['strict', 'coalesced'] as const)(
    '%s: a completed job has its last cursor stored, and a failed one its last finished item',
    async (mode) => {
      const done = watched(mode, 'job');
      await done.run.finish();
      expect(done.run).toMatchObject({ cursor: 7, processed: 8 });

      const c = syncCounter({
        checkpointMode: mode,
        onItem: (item) => {
          if (item === 6) throw new Error('broken');
        },
      });
      const failing = runInline(c.job, { params: { total: 8 } });
      await expect(failing.iterate()).rejects.toThrow('broken');
      expect(failing).toMatchObject({ cursor: 5, processed: 6, status: 'failed' });
    },
  );
});
