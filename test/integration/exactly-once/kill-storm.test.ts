// The reason transactional mode exists. 20,000 items, each inserting one row into an effects table
// with no unique constraint; three worker processes, the one running the job SIGKILLed eight times
// at evenly spaced points of its progress (a second or two apart) and replaced each time. With
// `transactional`, the table ends with exactly one row per item. The same storm without it shows what at-least-once means: the items
// done after the last durable checkpoint are done again by the next worker (duplicates > 0),
// though none is skipped.
//
// One transaction per item, as the issue states it: about 22 s per storm on a quiet 2-core machine
// (the kills are paced by progress, so a slower machine only makes a storm longer).
import { afterEach, describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { sleep } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { killAll } from '../../support/processes.js';
import { finished, Storm, untilProgress } from '../../support/storm.js';

const TOTAL = 20_000;
const KILLS = 8;

afterEach(() => killAll());

async function storm(
  backend: 'redis' | 'postgres',
  transactional: boolean,
  itemsPerTransaction = 1,
) {
  const b = backendByName(backend);
  const db = await dataDb();
  const queue = b.queue(uniqueQueueName(`storm-${transactional ? 'tx' : 'plain'}`));
  const s = new Storm(b, queue, db, { transactional, total: TOTAL, itemsPerTransaction });
  try {
    await s.start(3);
    const job = await queue.add('effects', {});
    const started = Date.now();
    let kills = 0;
    const replacements: Promise<void>[] = [];
    while (kills < KILLS && (await queue.getJobState(job.id!)) !== 'completed') {
      // Paced by progress, not by the clock: kill k lands once the run is k/(KILLS+1) through, on
      // the worker running it then (after a takeover, as soon as the new owner has written), so
      // all eight hit a running job on a fast machine as on a loaded one.
      await untilProgress(db, Math.floor(((kills + 1) * TOTAL) / (KILLS + 1)));
      const busy = await s.busy(db);
      if (busy === undefined) {
        // The newest effect is the killed worker's: no one has taken the job over yet.
        await sleep(50);
        continue;
      }
      await s.kill(busy);
      kills++;
      if (process.env.STORM_LOG) console.log(`kill ${kills} at ${Date.now() - started} ms`);
      // Replaced as an orchestrator would, without waiting: the two others take the job over.
      replacements.push(s.start(1));
    }
    await Promise.all(replacements);
    await finished(queue, job.id!, 60_000);
    if (process.env.STORM_LOG) console.log(`done at ${Date.now() - started} ms`);
    return { kills, ...duplicatesAndMissing(await db.counts(), TOTAL) };
  } finally {
    await s.stopAll();
  }
}

describe('kill storm, exactly-once', () => {
  it.each(['redis', 'postgres'] as const)(
    'on the %s queue backend: exactly one row per item after 8 SIGKILLs',
    async (backend) => {
      // All eight kills hit the job while it ran, not after it had finished.
      expect(await storm(backend, true)).toEqual({
        kills: KILLS,
        duplicates: 0,
        missing: [],
      });
    },
    120_000,
  );

  it('the same storm without `transactional` redoes items (the documented contrast)', async () => {
    const { kills, duplicates, missing } = await storm('redis', false);
    expect(kills).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(duplicates).toBeGreaterThan(0);
  }, 120_000);
});
