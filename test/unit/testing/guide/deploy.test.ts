// Example of docs/guides/testing.md (kept identical by ../guide.test.ts): a deploy mid-job.
import { expect, test } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../../src/index.js';
import { array, defineIterationJob } from '../../../../src/index.js';
import { runInline } from '../../../../src/testing/index.js';

const sent: string[] = [];

const sendWelcome = defineIterationJob({
  name: 'send-welcome',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ emails: string[] }, number>) =>
    array(params.emails, { cursor }),
  async eachIteration(email) {
    sent.push(email);
  },
  onComplete: (ctx) => ctx.logger.info('all sent'),
});

test('a deploy in the middle of the job sends every email exactly once', async () => {
  const emails = ['a@example.com', 'b@example.com', 'c@example.com'];
  const run = runInline(sendWelcome, { params: { emails } });

  await run.iterate({ items: 2 }); // two emails, then SIGTERM
  expect(sent).toEqual(['a@example.com', 'b@example.com']);
  expect(run.cursor).toBe(2); // array() cursors are the next index
  expect(run.requeues).toEqual([{ reason: 'shutdown', delayMs: 0 }]);
  expect(run.status).toBe('waiting');

  await run.iterate(); // the next worker takes the job
  expect(sent).toEqual(emails);
  expect(run.status).toBe('completed');
  expect(run.callbacks).toEqual(['onComplete']);
  expect(run.summary).toMatchObject({ processed: 3, timesInterrupted: 1 });
});
