// Deploying a new version of a job while a run of it is half done: a keyset job whose v2 adds an
// ordering column continues through its migration with every row once; a migration that is
// missing or throws fails the run once, without retries, its v1 state kept, and `retry` after a
// fixed deploy continues; a step renamed by a migration continues in the renamed step.
import { describe, expect, it } from 'vitest';

import type { MigrationRecord } from '../../../src/index.js';
import { getRun, TransientError } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { iterationWorker, storedState } from '../../support/iteration.js';
import { items, stepsJob } from '../../support/steps-jobs.js';
import { FAST, ids, keysetToV2, onceEach, reaches, rowsWorld, runPartly } from './jobs.js';

const TOTAL = 60;

describe.each(backends)('deploying a new version of a job on $name', (b) => {
  it('a keyset job whose v2 adds an ordering column migrates mid-run: every row once', async () => {
    const world = await rowsWorld(TOTAL);
    const done = () => world.done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-deploy', world.job(1), done, 20);
    const before = (await storedState(b, queueName, id))!;
    expect(before).toMatchObject({ version: 1, cursor: { id: world.done.length } });

    const v2 = iterationWorker(b, queueName, [world.job(2, { 1: keysetToV2 })], FAST);
    try {
      await reaches(queue, id, 'completed');
      expect(onceEach(world.done, ids(1, TOTAL + 1))).toEqual({ twice: [], missing: [] });
      const stood = before.cursor as { id: number };
      expect(world.done.filter((d) => d.version === 1).map((d) => d.id)).toEqual(
        ids(1, stood.id + 1),
      );
      const run = await getRun(queue, id);
      expect(run).toMatchObject({ status: 'completed', version: 2, processed: TOTAL });
      expect(run.migrated).toMatchObject({
        fromVersion: 1,
        toVersion: 2,
        previous: { cursor: stood, params: {}, step: null },
      } satisfies Partial<MigrationRecord>);
      expect(await storedState(b, queueName, id)).toMatchObject({
        version: 2,
        cursor: { batch: 6, id: TOTAL },
      });
    } finally {
      await v2.close();
    }
  });

  it('a missing or failing migration fails the run once, keeps its v1 state, and retry after a fixed deploy continues', async () => {
    const world = await rowsWorld(TOTAL);
    const done = () => world.done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-failing', world.job(1), done, 15);
    const before = (await storedState(b, queueName, id))!;
    const doneByV1 = world.done.length;

    // v2 without its migration: the run fails at once (no BullMQ retry), nothing changed.
    const missing = iterationWorker(b, queueName, [world.job(2)], FAST);
    let failed = await reaches(queue, id, 'failed');
    await missing.close();
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('was stored by version 1 and this worker runs version 2');
    expect(failed.failedReason).toContain('has no migrate[1]');
    expect(await storedState(b, queueName, id)).toMatchObject({
      version: 1,
      cursor: before.cursor,
      processed: before.processed,
    });

    // A migration that throws: the same, after `retry`.
    const broken = iterationWorker(
      b,
      queueName,
      [
        world.job(2, {
          1: () => {
            throw new Error('cannot find the batch of that row');
          },
        }),
      ],
      FAST,
    );
    await failed.retry('failed');
    failed = await reaches(queue, id, 'failed');
    await broken.close();
    expect(failed.failedReason).toContain('migrate[1] threw: cannot find the batch of that row');
    expect(await getRun(queue, id)).toMatchObject({
      status: 'failed',
      version: 1,
      migrated: undefined,
      cursor: before.cursor,
    });
    expect(world.done).toHaveLength(doneByV1);

    // The fixed deploy: retry continues where v1 stood.
    const fixed = iterationWorker(b, queueName, [world.job(2, { 1: keysetToV2 })], FAST);
    try {
      await failed.retry('failed');
      await reaches(queue, id, 'completed');
      expect(onceEach(world.done, ids(1, TOTAL + 1))).toEqual({ twice: [], missing: [] });
      expect(await getRun(queue, id)).toMatchObject({
        version: 2,
        migrated: { fromVersion: 1, toVersion: 2, previous: { cursor: before.cursor } },
      });
    } finally {
      await fixed.close();
    }
  });

  it('a migration that meets an outage (TransientError) is resumed later, not failed', async () => {
    const world = await rowsWorld(30);
    const done = () => world.done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-outage', world.job(1), done, 10);
    let calls = 0;
    const flaky = world.job(2, {
      1: (state) => {
        if (++calls === 1) throw new TransientError('the lookup database is restarting');
        return keysetToV2(state);
      },
    });
    const v2 = iterationWorker(b, queueName, [flaky], FAST);
    try {
      const completed = await reaches(queue, id, 'completed');
      expect(calls).toBe(2);
      // One attempt, the one that completed: the outage failed none.
      expect(completed.attemptsMade).toBe(1);
      expect(completed.failedReason ?? '').toBe('');
      expect(completed.returnvalue).toMatchObject({ transientFailures: 1 });
      expect(onceEach(world.done, ids(1, 31))).toEqual({ twice: [], missing: [] });
    } finally {
      await v2.close();
    }
  });

  it('a step renamed by a migration continues in the renamed step, each item once', async () => {
    const v1 = stepsJob({ exported: 8, cleaned: 30, cleanupStepMs: 5 });
    // v2 renames `cleanup` to `purge`; its items are logged under the step's name as it runs.
    const v2 = stepsJob({
      exported: 8,
      cleaned: 30,
      cleanupStepMs: 5,
      version: 2,
      migrate: { 1: ({ cursor, step }) => ({ cursor, step: step === 'cleanup' ? 'purge' : step }) },
      reshape: (steps) => steps.map((s) => (s.name === 'cleanup' ? { ...s, name: 'purge' } : s)),
    });
    const cleaned = () => v1.seen.filter((s) => s.startsWith('cleanup')).length;
    const { queue, queueName, id } = await runPartly(
      b,
      'versions-step',
      v1.job as never,
      cleaned,
      8,
    );
    expect(await storedState(b, queueName, id)).toMatchObject({
      version: 1,
      step: { name: 'cleanup' },
    });
    const second = iterationWorker(b, queueName, [v2.job], FAST);
    try {
      await reaches(queue, id, 'completed');
      // The renamed step keeps its code (it logs `cleanup:<item>`); ctx.step is its new name.
      const cleanup = [...v1.seen, ...v2.seen].filter((s) => s.startsWith('cleanup:'));
      expect(new Set(cleanup).size).toBe(30);
      expect(cleanup).toHaveLength(30);
      expect(v2.seen.length).toBeGreaterThan(0);
      expect(new Set(v2.steps)).toEqual(new Set(['purge']));
      expect(v1.seen.filter((s) => !s.startsWith('cleanup:'))).toEqual([
        ...items('export', 8),
        'notify',
      ]);
      expect(await getRun(queue, id)).toMatchObject({
        version: 2,
        step: { name: 'purge', index: 2, count: 3 },
        migrated: { previous: { step: 'cleanup' } },
      });
    } finally {
      await second.close();
    }
  });
});
