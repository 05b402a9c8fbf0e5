// Versions compose with the other features: each partition of a parallel run migrates itself (a
// partition not started yet starts in its plan's version and migrates too) and the parent's plan
// records the version it was planned with; a transactional job commits its migrated cursor in the
// data database's fence row; records skipped by v1 are migrated when a replay on v2 takes them,
// and replayed exactly once (a v1 worker that takes the replay does the v1 records and gives the
// run back at a v2 one); a restart from a v1 cursor records that version and migrates it.
import { describe, expect, it } from 'vitest';

import {
  getFailedItems,
  getRun,
  pgTransactions,
  restartRun,
  retryFailedItems,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { duplicatesAndMissing } from '../../support/data-db.js';
import { eventually, iterationWorker, storedState } from '../../support/iteration.js';
import type { Done } from './jobs.js';
import { dataDb, FAST, ids, numbersJob, onceEach, reaches, runPartly } from './jobs.js';

const TOTAL = 48;
const POISON = [10, 30];

describe.each(backends)('versions composed with other features on $name', (b) => {
  it('partitions: each migrates itself, a pending one starts in its plan version; the plan keeps it', async () => {
    const done: Done[] = [];
    const plan = [0, 1, 2].map((i) => ({ from: i * 16, to: (i + 1) * 16 }));
    const parallel = { partitions: () => plan, maxConcurrentPartitions: 2 };
    const v1 = numbersJob(1, TOTAL, done, parallel);
    const count = () => done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-partitions', v1, count, 10);
    const v2 = iterationWorker(b, queueName, [numbersJob(2, TOTAL, done, parallel)], FAST);
    try {
      await reaches(queue, id, 'completed');
      expect(onceEach(done, ids(0, TOTAL))).toEqual({ twice: [], missing: [] });
      expect(await storedState(b, queueName, id)).toMatchObject({
        version: 2,
        parallel: { plan, version: 1 },
      });
      const run = await getRun(queue, id);
      expect(run.partitions).toHaveLength(3);
      for (const partition of run.partitions!) {
        const own = await getRun(queue, partition.jobId);
        expect(own).toMatchObject({ status: 'completed', version: 2, processed: 16 });
        expect(own.migrated).toMatchObject({ fromVersion: 1, toVersion: 2 });
      }
      // The third partition was added after the deploy, with the plan's version: it migrated
      // before its first item, from the start.
      const pending = await getRun(queue, run.partitions![2]!.jobId);
      expect(pending.migrated?.previous.cursor).toBeNull();
      expect(done.filter((d) => d.id >= 32).every((d) => d.version === 2)).toBe(true);
    } finally {
      await v2.close();
    }
  });

  it('transactional with skips: the migrated cursor is committed in the fence row; v1 records replay once on v2', async () => {
    const db = await dataDb(4);
    const broken = new Set(POISON);
    const done: Done[] = [];
    const each = async (id: number, ctx: { tx: unknown }) => {
      const tx = ctx.tx as { query(text: string, values: unknown[]): Promise<unknown> };
      await tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [id]);
      if (broken.has(id)) throw new Error(`row ${id} is broken`);
    };
    const options = {
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      itemErrors: { retries: 0, action: 'skip' as const },
    };
    const v1 = numbersJob(1, TOTAL, done, options, each);
    const count = () => done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-tx', v1, count, 20);
    const v2Job = numbersJob(2, TOTAL, done, options, each);
    let v2 = iterationWorker(b, queueName, [v2Job], FAST);
    let old: ReturnType<typeof iterationWorker> | undefined;
    try {
      await reaches(queue, id, 'completed');
      const { rows } = await db.pool.query<{ cursor: unknown; extras: Record<string, unknown> }>(
        `SELECT cursor, extras FROM "${db.schema}".iteration_cursor WHERE queue = $1 AND job_id = $2`,
        [queueName, id],
      );
      expect(rows[0]).toMatchObject({
        cursor: { at: TOTAL - 1 },
        extras: { version: 2, migrated: { fromVersion: 1, toVersion: 2 } },
      });
      // One skipped before the deploy, one after: each record is in its version's format.
      const records = (await getFailedItems(queue, id)).items;
      expect(records.map((r) => [r.after, r.version])).toEqual([
        [11, 1],
        [{ at: 30 }, 2],
      ]);
      expect(duplicatesAndMissing(await db.counts(), TOTAL).missing).toEqual(POISON);

      // The replay meets an old worker first: it replays the v1 record, then gives the run back
      // at the v2 one, for the v2 worker that comes back.
      broken.clear();
      await v2.close();
      old = iterationWorker(b, queueName, [v1], FAST);
      const replay = await retryFailedItems(queue as never, id);
      await eventually(async () => {
        const run = await getRun(queue, replay.id!);
        return run.status === 'waiting-for-version' && run.processed === 1 ? run : undefined;
      }, 'the replay to wait for version 2 after the v1 record');
      expect(done.filter((d) => POISON.includes(d.id))).toEqual([{ version: 1, id: 10 }]);
      v2 = iterationWorker(b, queueName, [v2Job], FAST);
      expect((await reaches(queue, replay.id!, 'completed')).returnvalue).toMatchObject({
        processed: 2,
      });
      expect(done.filter((d) => POISON.includes(d.id))).toEqual([
        { version: 1, id: 10 },
        { version: 2, id: 30 },
      ]);
      expect(duplicatesAndMissing(await db.counts(), TOTAL)).toEqual({
        duplicates: 0,
        missing: [],
      });
      expect((await getFailedItems(queue, id)).items).toEqual([]);
    } finally {
      await Promise.all([v2.close(), old?.close()]);
    }
  });

  it('a restart from a v1 cursor records its version and starts there on v2', async () => {
    // Version 1's cursor is `range`'s, the next number: 39 starts at item 39.
    const done: Done[] = [];
    const v1 = numbersJob(1, TOTAL, done);
    const count = () => done.length;
    const { queue, queueName, id } = await runPartly(b, 'versions-restart', v1, count, 5);
    const old = iterationWorker(b, queueName, [v1], FAST);
    await reaches(queue, id, 'completed');
    await old.close();
    const { job } = await restartRun(queue as never, id, { fromCursor: 39 });
    const v2 = iterationWorker(b, queueName, [numbersJob(2, TOTAL, done)], FAST);
    try {
      await reaches(queue, job.id!, 'completed');
      expect(done.filter((d) => d.version === 2).map((d) => d.id)).toEqual(ids(39, TOTAL));
      expect(await getRun(queue, job.id!)).toMatchObject({
        version: 2,
        restart: { of: id, from: 39, version: 1 },
        migrated: { fromVersion: 1, toVersion: 2, previous: { cursor: 39 } },
        cursor: { at: TOTAL - 1 },
        processed: TOTAL - 39,
      });
    } finally {
      await v2.close();
    }
  });
});
