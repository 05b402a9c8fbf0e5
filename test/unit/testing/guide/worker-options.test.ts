// Example of docs/guides/testing.md (kept identical by ../guide.test.ts): the worker's options.
import { expect, test } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../../src/index.js';
import { array, defineIterationJob } from '../../../../src/index.js';
import { runInline } from '../../../../src/testing/index.js';

const notify = defineIterationJob({
  name: 'notify',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ users: string[] }, number>) =>
    array(params.users, { cursor }),
  async eachIteration() {},
});

test('runs under the options of the worker that would take it', async () => {
  const run = runInline(notify, {
    params: { users: ['ann', 'bob', 'cid'] },
    worker: { checkpointMode: 'strict', requeueDelayMs: 30_000 },
  });

  await run.once(); // one item, then interrupted
  expect(run.requeues).toEqual([{ reason: 'shutdown', delayMs: 30_000 }]);
  expect(run.status).toBe('delayed');
  expect(run.events.map((e) => e.event)).toEqual(['iteration.started', 'iteration.interrupted']);
  expect(run.progress).toMatchObject({ status: 'interrupted', processed: 1, total: 3 });
});
