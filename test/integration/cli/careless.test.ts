// A CLI worker survives the mistakes job code makes (see src/cli/process-guard.ts): an unhandled
// rejection and an uncaught pg.Pool error are logged and it keeps working; another uncaught
// exception drains it and it exits with code 1. It also warns when npm started it.
import { join } from 'node:path';

import pg from 'pg';
import { afterEach, expect, it } from 'vitest';

import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli, killAllCli, startCli } from './support.js';

const CARELESS = join(import.meta.dirname, '..', '..', 'fixtures', 'cli', 'careless-jobs.ts');

afterEach(() => killAllCli());

it('logs an unhandled rejection and a pool error and keeps working; drains on a bug', async () => {
  const queueName = uniqueQueueName('cli-careless');
  const env = { BULLMQ_ITERATION_REDIS_URL: redisUrl(), CARELESS_DATABASE_URL: postgresUrl() };
  const enqueue = (name: string) => cli(['enqueue', name, '-q', queueName], { env });
  const worker = startCli(['worker', CARELESS, '-q', queueName], {
    env: { ...env, npm_command: 'exec' },
  });
  await worker.waitFor('worker ready');
  expect(worker.stderr()).toContain('warning: started by npm (npm_command=exec)');

  await enqueue('forgot-await');
  await worker.waitFor(/completed\s+forgot-await/);
  await worker.waitFor(
    'unhandled rejection (a step that forgot an `await`?): Error: forgotten promise',
  );

  await enqueue('pool-user');
  await worker.waitFor(/completed\s+pool-user/);
  // The server closes the pool's idle client, as in a restart: an 'error' event nobody listens to.
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await eventually(async () => {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'careless-pool'",
      );
      return (rowCount ?? 0) > 0 ? true : undefined;
    }, 'the pool to hold an idle client');
  } finally {
    await admin.end();
  }
  await worker.waitFor('uncaught connection error');
  expect(worker.stderr()).toContain("Attach pool.on('error', …)");
  await enqueue('pool-user');
  await eventually(
    async () =>
      (worker.stdout().match(/completed\s+pool-user/g) ?? []).length === 2 ? true : undefined,
    'the second pool-user run to complete',
  );

  await enqueue('buggy');
  const exited = await worker.exited;
  expect(exited.stderr).toContain('uncaught exception: TypeError: a bug outside the run; draining');
  expect(exited.code).toBe(1);
});
