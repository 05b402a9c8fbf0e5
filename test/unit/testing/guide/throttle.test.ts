// Example of docs/guides/testing.md (kept identical by ../guide.test.ts): a throttle holds.
import { expect, test } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../../src/index.js';
import { array, defineIterationJob } from '../../../../src/index.js';
import { runInline } from '../../../../src/testing/index.js';

const reindexed: number[] = [];
let maintenance = false;

const reindex = defineIterationJob({
  name: 'reindex',
  throttle: { name: 'maintenance-window', check: () => maintenance, backoffMs: 60_000 },
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ ids: number[] }, number>) =>
    array(params.ids, { cursor }),
  async eachIteration(id) {
    reindexed.push(id);
    if (id === 2) maintenance = true; // the window opens during the second item
  },
});

test('steps aside during maintenance and resumes after the backoff', async () => {
  const run = runInline(reindex, { params: { ids: [1, 2, 3] } });

  await run.iterate();
  expect(reindexed).toEqual([1, 2]);
  expect(run.requeues).toEqual([
    {
      reason: 'throttled',
      delayMs: 60_000,
      throttle: {
        condition: 'maintenance-window',
        reason: 'check returned true',
        delayMs: 60_000,
        consecutive: 1,
      },
    },
  ]);
  expect(run.status).toBe('delayed');
  expect(run.job.attemptsMade).toBe(0); // a throttle is not an attempt

  maintenance = false;
  await run.finish(); // runs again at once: delays are recorded, not waited for
  expect(reindexed).toEqual([1, 2, 3]);
});
