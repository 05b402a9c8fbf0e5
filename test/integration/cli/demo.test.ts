// `bullmq-iteration demo`: the same demo as `npm run demo`, here on the test PostgreSQL: a worker
// process gets a real SIGTERM part way, a second one resumes, every row is checked.
import { expect, it } from 'vitest';

import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli } from './support.js';

it('runs the demo across a real SIGTERM and checks every row was processed exactly once', async () => {
  const result = await cli(['demo', '--rows', '3000', '--database-url', postgresUrl()]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('- starting the PostgreSQL …');
  expect(result.stdout).toContain('(from --database-url)');
  const deploy = /deploy! SIGTERM to worker 1 \(pid \d+\) at batch (\d) of 6/.exec(result.stdout);
  expect(deploy).not.toBeNull();
  // Never exactly half way: batch 2 or 4 of 6.
  expect(['2', '4']).toContain(deploy![1]);
  const rows = Number(deploy![1]) * 500;
  expect(result.stdout).toMatch(
    new RegExp(
      `after ${deploy![1]} batches \\(${rows.toLocaleString('en-US')} rows\\), requeued the job and exited by SIGTERM`,
    ),
  );
  expect(result.stdout).toMatch(/rows processed exactly once\s+3,000 of 3,000/);
  expect(result.stdout).toMatch(
    new RegExp(`interruptions\\s+1 \\(the SIGTERM at ${rows.toLocaleString('en-US')} rows\\)`),
  );
  // The progress line ends where the summary does.
  expect(result.stdout).toMatch(/100\.0%\s+3,000 rows\s+worker 2/);
  expect(result.stdout).toContain('OK: every row was processed exactly once across the deploy.');
});

it('on Redis without a table database it says so in one line', async () => {
  const result = await cli(['demo', '--redis-url', redisUrl()]);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([
    'bullmq-iteration demo: On Redis the demo also needs a PostgreSQL for its table: set DEMO_DATABASE_URL=postgres://…, or run it without a Redis URL (on the embedded database).',
    'See bullmq-iteration demo --help.',
  ]);
});
