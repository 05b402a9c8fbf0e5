// Example of docs/guides/testing.md (kept identical by ../guide.test.ts): retries and bad cursors.
import { expect, test } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../../src/index.js';
import { array, CursorError, defineIterationJob } from '../../../../src/index.js';
import { runInline } from '../../../../src/testing/index.js';

const inserted: number[] = [];
let databaseDown = true;

const importRows = defineIterationJob({
  name: 'import-rows',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ rows: number[] }, number>) =>
    array(params.rows, { cursor }),
  async eachIteration(row) {
    if (row === 3 && databaseDown) throw new Error('database unavailable');
    inserted.push(row);
  },
});

test('a failing row fails the attempt; the retry starts again at that row', async () => {
  const run = runInline(importRows, {
    params: { rows: [1, 2, 3, 4] },
    opts: { attempts: 3, backoff: { type: 'fixed', delay: 1_000 } },
  });

  await expect(run.iterate()).rejects.toThrow('database unavailable');
  expect(run.status).toBe('delayed'); // BullMQ retries after the 1 s backoff
  expect(run.job.attemptsMade).toBe(1);
  expect(run.cursor).toBe(2); // rows 1 and 2 are done

  databaseDown = false;
  await run.iterate(); // the retry
  expect(inserted).toEqual([1, 2, 3, 4]);
});

test('a cursor that is not JSON fails the job at once, keeping the last good checkpoint', async () => {
  const events = [{ at: new Date('2024-01-01') }, { at: new Date('2024-01-02') }];
  // @ts-expect-error TypeScript refuses the Date cursor; JavaScript code gets the run-time check
  const replayEvents = defineIterationJob({
    name: 'replay-events',
    // A mistake: a Date cannot be stored as a cursor.
    buildEnumerator: () => events.map((event) => [event, event.at] as const),
    eachIteration() {},
  });
  const run = runInline(replayEvents, { params: {}, opts: { attempts: 5 } });

  await expect(run.iterate()).rejects.toThrow(CursorError);
  expect(run.status).toBe('failed'); // not retried, whatever the attempts
  expect(run.processed).toBe(0);
});
