// Version skew in a rolling deploy: with a v1 and a v2 worker up at once, the v1 worker never
// processes an item of a run that v2 advanced (it gives the run back, without an attempt, and
// status shows `waiting for version 2`), nothing is lost; in a rollback (only v1 workers left) the
// run fails with VersionSkewError once `versionSkewGraceMs` is over, its v2 state kept, and
// `retry` continues it once v2 is back.
import { describe, expect, it } from 'vitest';

import { getRun, pageRuns, VersionSkewError } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, eventually, iterationWorker, storedState } from '../../support/iteration.js';
import type { Done } from './jobs.js';
import {
  FAST,
  ids,
  keysetToV2,
  numbersJob,
  onceEach,
  reaches,
  rowsWorld,
  runPartly,
  until,
} from './jobs.js';

const TOTAL = 80;

describe.each(backends)('version skew on $name', (b) => {
  it('a rolling deploy: the v1 worker never processes an item of a run v2 advanced; every row once', async () => {
    // Short runs, so the two workers take turns with the job.
    const world = await rowsWorld(TOTAL, { maxItemsPerRun: 5 });
    const v1Job = world.job(1);
    const v2Job = world.job(2, { 1: keysetToV2 });
    const done = () => world.done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-rolling', v1Job, done, 10);
    // Each run requeues behind a short delay, so either worker may take the next one. The v2
    // worker starts first and the v1 one once v2 has advanced the run: which worker wins a race
    // for the job is up to the backend (on a loaded PGlite the v1 one could take every turn and
    // finish the run alone, testing nothing).
    const rolling = { ...FAST, requeueDelayMs: 100 };
    let fresh = iterationWorker(b, queueName, [v2Job], rolling);
    let old: ReturnType<typeof iterationWorker> | undefined;
    const byV2 = () => world.done.filter((d) => d.version === 2).length;
    try {
      await until(() => byV2() >= 1, 'v2 to take the run', 45_000);
      old = iterationWorker(b, queueName, [v1Job], rolling);
      // v2 finishes its short run (5 items) with the v1 worker up beside it, then requeues it.
      // Waiting for v2 to win the job once more would wait on the open liveness problem of a
      // mixed fleet on Redis (the worker that gives a job back tends to win it back), not on
      // what this test checks: that v1 never runs an item of a run v2 advanced.
      await until(() => byV2() >= 5, 'v2 to advance the run', 45_000);
      // The new workers go away for a moment: only the old one is left to take the run.
      await fresh.close();
      const waiting = await eventually(async () => {
        const run = await getRun(queue, id);
        return run.status === 'waiting-for-version' ? run : undefined;
      }, 'the run to wait for version 2');
      expect(waiting).toMatchObject({
        version: 2,
        waitingForVersion: 2,
        statusReason: 'waiting for version 2 (this worker runs version 1)',
        attemptsMade: 0,
      });
      expect((await queue.getJob(id))!.progress).toMatchObject({
        status: 'waiting-for-version',
        waitingForVersion: 2,
        waitingSince: expect.any(Number),
        processed: expect.any(Number),
      });
      // The console's pages of runs find it by that status, with the version it waits for.
      const page = await eventually(async () => {
        const found = await pageRuns(queue, { status: 'waiting-for-version' });
        return found.total === 1 ? found : undefined;
      }, 'a page of runs waiting for a version');
      expect(page.runs.map((r) => [r.jobId, r.version, r.waitingForVersion])).toEqual([[id, 2, 2]]);
      // The deploy ends: the v1 worker is replaced by a v2 one, which finishes the run. (Left
      // running beside it, the v1 worker can win the delayed job back turn after turn on Redis:
      // the worker that delays a job tends to be the one that pops its marker when it is due.)
      await old.close();
      fresh = iterationWorker(b, queueName, [v2Job], FAST);
      await reaches(queue, id, 'completed');
      expect(onceEach(world.done, ids(1, TOTAL + 1))).toEqual({ twice: [], missing: [] });
      const firstV2 = world.done.findIndex((d) => d.version === 2);
      expect(world.done.slice(firstV2).filter((d) => d.version === 1)).toEqual([]);
      expect(await getRun(queue, id)).toMatchObject({ status: 'completed', version: 2 });
    } finally {
      await Promise.all([old?.close(), fresh.close()]);
    }
  });

  it('a rollback: v1 workers give a v2 run back, then fail it with VersionSkewError; retry continues on v2', async () => {
    const world = await rowsWorld(40);
    const v2Job = world.job(2, { 1: keysetToV2 });
    const done = () => world.done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-rollback', v2Job, done, 10);
    const stood = (await storedState(b, queueName, id))!;
    expect(stood).toMatchObject({ version: 2 });
    const rolledBack = iterationWorker(b, queueName, [world.job(1)], {
      ...FAST,
      versionSkewGraceMs: 1_500,
    });
    const failure = completion(rolledBack, id).catch((error: unknown) => error);
    try {
      const error = (await failure) as VersionSkewError;
      expect(error).toBeInstanceOf(VersionSkewError);
      expect(error).toMatchObject({ jobName: 'rows', storedVersion: 2, workerVersion: 1 });
      expect(error.message).toContain('Deploy version 2 or later, then retry the job');
      const failed = await reaches(queue, id, 'failed');
      expect(failed.attemptsMade).toBe(1);
      expect(world.done.filter((d) => d.version === 1)).toEqual([]);
      // Nothing was written by the old workers: the v2 state stands.
      expect(await storedState(b, queueName, id)).toMatchObject({
        version: 2,
        cursor: stood.cursor,
        processed: stood.processed,
      });
    } finally {
      await rolledBack.close();
    }
    const back = iterationWorker(b, queueName, [v2Job], FAST);
    try {
      await (await queue.getJob(id))!.retry('failed');
      await reaches(queue, id, 'completed');
      expect(onceEach(world.done, ids(1, 41))).toEqual({ twice: [], missing: [] });
    } finally {
      await back.close();
    }
  });

  it('a rollback of a parallel run: its partitions and its parent are given back, then fail', async () => {
    const done: Done[] = [];
    const plan = [0, 1].map((i) => ({ from: i * 24, to: (i + 1) * 24 }));
    const parallel = { partitions: () => plan };
    const v2 = numbersJob(2, 48, done, parallel);
    const count = () => done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-parallel', v2, count, 10);
    expect(await storedState(b, queueName, id)).toMatchObject({
      version: 2,
      parallel: { version: 2 },
    });
    const v1 = numbersJob(1, 48, done, parallel);
    const rolledBack = iterationWorker(b, queueName, [v1], { ...FAST, versionSkewGraceMs: 1_000 });
    try {
      const parent = await reaches(queue, id, 'failed');
      // The parent's own give-back, not the failure of its partitions.
      expect(parent.failedReason).toMatch(
        /^parallel run "numbers" \(id \S+\) was last run by version 2 of its job/,
      );
      const run = await getRun(queue, id);
      for (const partition of run.partitions!) {
        const own = (await queue.getJob(partition.jobId))!;
        expect(own.failedReason).toContain('only workers of version 1 took it');
      }
      expect(done.filter((d) => d.version === 1)).toEqual([]);
      expect(await storedState(b, queueName, id)).toMatchObject({ version: 2 });
    } finally {
      await rolledBack.close();
    }
  });
});
