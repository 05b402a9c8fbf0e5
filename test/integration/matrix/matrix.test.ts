// The composition matrix (see combos.ts): each combination runs its job on two workers, one of them
// closed mid-run as a deploy would (the worker that replaces it may run version 2 of the job, with
// a migration, beside the old one), and checks what every combination must keep: each item's
// effects exactly once per step, the counts and status the run reports, and, where items are
// skipped, a list with each broken item once that a replay (after the fix) commits and empties.
// CI runs a sample covering every pair of values; `npm run test:matrix` runs them all.
import { describe, expect, it } from 'vitest';

import type { IterationSummary } from '../../../src/index.js';
import { getFailedItems, getRun, retryFailedItems } from '../../../src/index.js';
import type { AnyQueue } from '../../support/backends.js';
import { backendByName } from '../../support/backends.js';
import { eventually, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import type { Combo } from './combos.js';
import { allCombos, describeCombo, DIMENSIONS, sampleCombos } from './combos.js';
import { matrixWorld, POISON, TOTAL } from './matrix-job.js';

const combos = process.env.MATRIX === 'full' ? allCombos() : sampleCombos();
const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100, concurrency: 3 };

async function finished(queue: AnyQueue, id: string): Promise<IterationSummary> {
  return eventually(
    async () => {
      const job = await queue.getJob(id);
      const state = await job?.getState();
      if (state === 'failed') throw new Error(`job ${id} failed: ${job!.failedReason}`);
      if (state !== 'completed') return undefined;
      return (await queue.getJob(id))!.returnvalue as IterationSummary;
    },
    `job ${id} to complete`,
    90_000,
  );
}

/** The item ids a record stands for: one item, or a batch. */
function idsOf(preview: string): number[] {
  const value = JSON.parse(preview) as number | number[];
  return Array.isArray(value) ? value : [value];
}

describe.each(DIMENSIONS.backend)('composition matrix on %s', (name) => {
  const mine = combos.filter((c) => c.backend === name);
  it.each(mine.map((c) => [describeCombo(c), c] as const))('%s', async (_, combo: Combo) => {
    const b = backendByName(combo.backend);
    const queueName = uniqueQueueName('matrix');
    const queue = b.queue(queueName);
    const world = await matrixWorld(combo);
    const expected = TOTAL * world.steps.length;
    const start = (job = world.job) => iterationWorker(b, queueName, [job], fast);
    const workers = [start(), start()];
    try {
      const job = await world.job.enqueue(queue as never, {});
      // A deploy a third of the way: one worker closes (its runs requeue), another starts, with
      // the same code or version 2 (the old worker gives back what version 2 advanced).
      await eventually(() => (world.done() >= expected / 3 ? true : undefined), 'a third');
      await workers[0]!.close();
      workers.push(start(world.deployed));
      const summary = await finished(queue, job.id!);
      const effects = await world.effects();

      // What was skipped, per step, read back from the list: each broken item once.
      const skipped = new Map<string, Set<number>>(world.steps.map((s) => [s, new Set()]));
      const failures = await getFailedItems(queue, job.id!);
      for (const record of failures.items) {
        const ids = skipped.get(record.step ?? 'main')!;
        for (const id of idsOf(record.item)) {
          expect(ids.has(id), `item ${id} recorded twice`).toBe(false);
          ids.add(id);
        }
      }
      for (const [step, ids] of skipped) {
        expect([...ids].filter((id) => POISON.includes(id)).sort()).toEqual(
          combo.policy === 'skip' ? POISON : [],
        );
        for (let id = 0; id < TOTAL; id++) {
          expect(effects.get(`${step}:${id}`) ?? 0, `${step}:${id}`).toBe(ids.has(id) ? 0 : 1);
        }
      }
      const skippedRows = [...skipped.values()].reduce((n, ids) => n + ids.size, 0);
      expect(summary).toMatchObject({ outcome: 'completed', processed: expected - skippedRows });
      expect(summary.skipped ?? 0).toBe(skippedRows);
      const run = await getRun(queue, job.id!);
      expect(run).toMatchObject({ status: 'completed', processed: expected - skippedRows });
      if (combo.policy !== 'skip') return;

      // The cause is fixed: one replay commits exactly what was skipped, and empties the list.
      world.fix();
      const replay = await retryFailedItems(queue as never, job.id!);
      expect(await finished(queue, replay.id!)).toMatchObject({ processed: skippedRows });
      const after = await world.effects();
      for (const step of world.steps) {
        for (let id = 0; id < TOTAL; id++)
          expect(after.get(`${step}:${id}`), `${step}:${id}`).toBe(1);
      }
      expect((await getFailedItems(queue, job.id!)).items).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });
});
