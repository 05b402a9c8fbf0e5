// `bullmq-iteration demo`: the same demo as `npm run demo`, here on the test PostgreSQL.
import { expect, it } from 'vitest';

import { postgresUrl } from '../../support/servers.js';
import { cli } from './support.js';

it('runs the demo and checks every row was processed exactly once', async () => {
  const result = await cli(['demo', '--rows', '3000', '--database-url', postgresUrl()]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('- starting the PostgreSQL …');
  expect(result.stdout).toContain('worker 1: deploy! closing it gracefully');
  expect(result.stdout).toMatch(/rows processed exactly once\s+3,000 of 3,000/);
  expect(result.stdout).toMatch(/interruptions\s+1 \(the deploy\)/);
  expect(result.stdout).toContain('OK: every row was processed exactly once across the deploy.');
});
