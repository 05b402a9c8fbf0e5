// The pace of coalesced checkpoint writes, without a server: the store's pace spaces writes by its
// latency and the writers and partitions sharing it, within half the lag bound in time; a fast loop
// starts a write early once half the item bound waits; backpressure waits for the write in flight
// only; and a job's own checkpointIntervalMs wins over the worker's.
import { describe, expect, it } from 'vitest';

import { defineIterationJob } from '../../../src/index.js';
import type { CheckpointPace } from '../../../src/runtime/checkpoint-pace.js';
import { PACE_SHARE, storePace } from '../../../src/runtime/checkpoint-pace.js';
import { CheckpointWriter } from '../../../src/runtime/checkpoint-writer.js';
import { coarseNow } from '../../../src/runtime/coarse-clock.js';
import { runInline } from '../../../src/testing/index.js';

/** An adaptive pace whose interval the test sets. */
function pace(intervalMs: number): CheckpointPace & { observed: number[] } {
  const observed: number[] = [];
  return {
    adaptive: true,
    observed,
    intervalMs: () => intervalMs,
    observe: (ms) => void observed.push(ms),
    leave() {},
  };
}

/** A store whose writes the test lands by hand. */
function manual() {
  const pending: ((saved: boolean) => void)[] = [];
  return {
    pending,
    save: () => new Promise<boolean>((resolve) => pending.push(resolve)),
    async land() {
      pending.shift()!(true);
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("the store's pace", () => {
  it('spaces writes by the latency, the writers here and the partitions, capped at half the lag', () => {
    const store = {};
    const a = storePace(store, 1, 1_000);
    // No write measured yet: nothing to space by.
    expect(a.intervalMs()).toBe(0);
    a.observe(0.2);
    expect(a.intervalMs()).toBeCloseTo(PACE_SHARE * 0.2);
    const b = storePace(store, 1, 1_000);
    expect(a.intervalMs()).toBeCloseTo(PACE_SHARE * 0.2 * 2);
    const wide = storePace(store, 16, 1_000);
    expect(wide.intervalMs()).toBeCloseTo(PACE_SHARE * 0.2 * 16);
    b.leave();
    b.leave();
    wide.leave();
    expect(a.intervalMs()).toBeCloseTo(PACE_SHARE * 0.2);
    // A slow store: never later than half of maxCheckpointLagMs.
    for (let i = 0; i < 50; i++) a.observe(400);
    expect(a.intervalMs()).toBe(500);
    // Another store has a pace of its own.
    expect(storePace({}, 1, 1_000).intervalMs()).toBe(0);
  });
});

describe('CheckpointWriter with an adaptive pace', () => {
  it('waits for the pace, but starts a write early once half of maxLagItems items wait', async () => {
    const store = manual();
    const writer = new CheckpointWriter({
      save: store.save,
      snapshot: () => '{}',
      onLost: () => {},
      pace: pace(60_000),
      maxLagItems: 10,
    });
    const now = coarseNow();
    // The first item writes at once: nothing was written yet.
    expect(writer.itemDone(now)).toBe(true);
    expect(writer.attend(now)).toBeUndefined();
    expect(store.pending).toHaveLength(1);
    await store.land();
    // The first item past it asks once, to set the pace's timer; too soon to write.
    expect(writer.itemDone(now)).toBe(true);
    expect(writer.attend(now)).toBeUndefined();
    // Then items wait without asking the loop for anything.
    for (let i = 0; i < 3; i++) expect(writer.itemDone(now)).toBe(false);
    expect(store.pending).toHaveLength(0);
    // The fifth item past the durable checkpoint is half the bound: a write starts.
    expect(writer.itemDone(now)).toBe(true);
    expect(writer.attend(now)).toBeUndefined();
    expect(store.pending).toHaveLength(1);
    expect(writer.writes).toBe(1);
  });

  it('backpressure waits for the write in flight only, not for a second write', async () => {
    const store = manual();
    const writer = new CheckpointWriter({
      save: store.save,
      snapshot: () => '{}',
      onLost: () => {},
      pace: pace(0),
      maxLagItems: 3,
    });
    const now = coarseNow();
    let waits = 0;
    let landing: Promise<void> | undefined;
    for (let i = 0; i < 5 && landing === undefined; i++) {
      if (writer.itemDone(now)) landing = writer.attend(now);
      if (landing !== undefined) waits++;
    }
    expect(waits).toBe(1);
    expect(writer.lagItems).toBe(4);
    expect(store.pending).toHaveLength(1);
    let landed = false;
    void landing!.then(() => (landed = true));
    await store.land();
    // The loop goes on as soon as that write landed; the newest state is in flight already.
    expect(landed).toBe(true);
    expect(store.pending).toHaveLength(1);
    expect(writer.behind(now)).toBe(false);
  });

  it('reports the latency of every landed write to its pace', async () => {
    const store = manual();
    const measured = pace(0);
    const writer = new CheckpointWriter({
      save: store.save,
      snapshot: () => '{}',
      onLost: () => {},
      pace: measured,
    });
    writer.markDirty();
    await store.land();
    expect(measured.observed).toHaveLength(1);
    expect(measured.observed[0]).toBeGreaterThanOrEqual(0);
  });
});

describe('checkpointIntervalMs of a job', () => {
  it("wins over the worker's: the stored cursor waits for the job's interval", async () => {
    let storedAtItem50: unknown;
    const runs: ReturnType<typeof runInline>[] = [];
    const job = defineIterationJob({
      name: 'paced',
      checkpointIntervalMs: 60_000,
      buildEnumerator: ({ cursor }: { cursor: number | null }) =>
        (function* () {
          for (let i = cursor === null ? 0 : cursor + 1; i < 100; i++) yield [i, i] as const;
        })(),
      async eachIteration(item: number) {
        await new Promise((r) => setImmediate(r));
        if (item === 50) storedAtItem50 = runs[0]!.cursor;
      },
    });
    // The worker writes back to back; the job asks for a minute between writes.
    const run = runInline(job, { params: {}, worker: { checkpointIntervalMs: 0 } });
    runs.push(run);
    await run.finish();
    // Nothing past the state stored when the job began (the final flush writes the rest); with
    // the worker's pace the cursor would stand a round trip behind item 50.
    expect(storedAtItem50).toBeNull();
    expect(run.cursor).toBe(99);
  });

  it('is validated at definition time, naming the job and the value', () => {
    const base = { name: 'paced', buildEnumerator: () => [], eachIteration() {} };
    expect(() => defineIterationJob({ ...base, checkpointIntervalMs: 0 })).not.toThrow();
    expect(() => defineIterationJob({ ...base, checkpointIntervalMs: -1 })).toThrow(
      /iteration job "paced": expected `checkpointIntervalMs` to be a non-negative finite number of milliseconds, got `-1`/,
    );
  });
});
