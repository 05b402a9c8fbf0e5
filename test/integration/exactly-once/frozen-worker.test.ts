// A worker frozen with SIGSTOP in the middle of a transactional job, past its lock: another worker
// takes the job over and finishes it; when the frozen one is let go (SIGCONT), its transaction in
// flight is fenced out. No item has two rows, and the committed cursor never moved backwards.
import { afterEach, describe, expect, it } from 'vitest';

import { pgTransactions } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { eventually, sleep } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { killAll } from '../../support/processes.js';
import { finished, Storm, STORM_TIMING } from '../../support/storm.js';

const TOTAL = 6_000;

afterEach(() => killAll());

describe('frozen worker, exactly-once', () => {
  it.each(['redis', 'postgres'] as const)(
    'on the %s queue backend: the frozen run commits nothing when it wakes',
    async (backend) => {
      const b = backendByName(backend);
      const db = await dataDb();
      const queue = b.queue(uniqueQueueName('tx-frozen'));
      // Every committed move of the cursor, recorded by a trigger on the checkpoint table.
      await pgTransactions(db.pool, { schema: db.schema }).migrate();
      const s = `"${db.schema}"`;
      await db.pool.query(`CREATE TABLE ${s}.moves (before jsonb, after jsonb)`);
      await db.pool.query(`CREATE FUNCTION ${s}.record_move() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO ${s}.moves VALUES (OLD.cursor, NEW.cursor); RETURN NEW; END $$`);
      await db.pool.query(`CREATE TRIGGER moves AFTER UPDATE ON ${s}.iteration_cursor
        FOR EACH ROW EXECUTE FUNCTION ${s}.record_move()`);
      const storm = new Storm(b, queue, db, { transactional: true, total: TOTAL });
      try {
        await storm.start(2);
        const job = await queue.add('effects', {});
        await eventually(
          async () => ((await db.counts()).size > TOTAL / 4 ? true : undefined),
          'a quarter done',
          30_000,
        );
        const frozen = await eventually(() => storm.busy(db), 'the busy worker', 10_000);
        frozen.child.kill('SIGSTOP');
        const frozenPid = String(frozen.child.pid);
        const { rows: before } = await db.pool.query<{ last: number }>(
          `SELECT max(item) AS last FROM ${db.effects}`,
        );
        // Well past its lock: the other worker takes the job over and moves on. (If the freeze
        // caught the frozen worker between its cursor write and its COMMIT, it holds the job's
        // row lock and the takeover waits for SIGCONT: slower, still exactly-once.)
        await sleep(STORM_TIMING.LOCK_DURATION_MS * 4);
        frozen.child.kill('SIGCONT');
        await finished(queue, job.id!, 60_000);
        // Give the woken worker time to try its commit.
        await sleep(1_000);
        const { rows: taken } = await db.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${db.effects} WHERE worker <> $1 AND item > $2`,
          [frozenPid, before[0]!.last],
        );
        expect(Number(taken[0]!.n)).toBeGreaterThan(0);
        expect(duplicatesAndMissing(await db.counts(), TOTAL)).toEqual({
          duplicates: 0,
          missing: [],
        });
        const { rows: backwards } = await db.pool.query(
          `SELECT before, after FROM ${s}.moves
            WHERE jsonb_typeof(before) = 'number'
              AND (jsonb_typeof(after) <> 'number' OR (after)::int < (before)::int)`,
        );
        expect(backwards).toEqual([]);
      } finally {
        await storm.stopAll();
      }
    },
    120_000,
  );
});
