// `status` as a subprocess: it flags a run whose worker stopped reporting (BullMQ lock gone, or
// progress too old) on Redis and PostgreSQL, lists unstarted, delayed and unknown-name
// runs by default, shows the transient figures of a recovering run, and never migrates.
import type { Job } from 'bullmq';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { IterationRunInfo } from '../../../src/control/status.js';
import type { BackendUnderTest, PostgresBackendUnderTest } from '../../support/backends.js';
import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli } from './support.js';

const kinds = [
  { name: 'redis', env: () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() }) },
  { name: 'postgres', env: () => ({ BULLMQ_ITERATION_DATABASE_URL: postgresUrl() }) },
] as const;

const progress = (fields: Record<string, unknown>) => ({
  processed: 10,
  cursor: 10,
  timesInterrupted: 0,
  timesThrottled: 0,
  throttledMs: 0,
  totalTimeMs: 1_000,
  status: 'running',
  updatedAt: Date.now(),
  ...fields,
});

async function statusJson(env: Record<string, string>, queueName: string, id?: string) {
  const result = await cli(['status', ...(id ? [id] : []), '-q', queueName, '--json'], { env });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as IterationRunInfo | IterationRunInfo[];
}

describe.each(kinds)('status on $name', (kind) => {
  const b: BackendUnderTest = backendByName(kind.name);
  let release: (() => void) | undefined;

  /** A job held active by a worker of this test whose processor never returns. */
  async function activeJob(queueName: string): Promise<{ job: Job; close(): Promise<void> }> {
    const queue = b.queue(queueName);
    const held = new Promise<void>((resolve) => (release = resolve));
    let picked!: (job: Job) => void;
    const started = new Promise<Job>((resolve) => (picked = resolve));
    const worker = b.worker(
      queueName,
      async (job: Job) => {
        picked(job);
        await held;
      },
      { ...b.workerDefaults, lockDuration: 120_000 },
    );
    await queue.add('count-to', { total: 100 });
    const job = await started;
    return {
      job,
      close: async () => {
        release?.();
        await worker.close();
      },
    };
  }

  it('a running job whose lock is gone, or whose progress is old, is stale', async () => {
    const queueName = uniqueQueueName(`status-stale-${kind.name}`);
    const { job, close } = await activeJob(queueName);
    await job.updateProgress(progress({}));
    expect(await statusJson(kind.env(), queueName, job.id)).toMatchObject({ status: 'running' });

    await job.updateProgress(progress({ updatedAt: Date.now() - 125_000 }));
    expect(await statusJson(kind.env(), queueName, job.id)).toMatchObject({
      status: 'stale',
      staleReason: expect.stringMatching(/^no progress for 2 min/),
    });

    await job.updateProgress(progress({}));
    // What a dead worker leaves: its lock expired (removed here rather than waited for).
    if (b.name === 'redis') await b.redis().del(`bull:${queueName}:${job.id}:lock`);
    else {
      await (b as PostgresBackendUnderTest).sql(
        'UPDATE job SET locked_until_ms = 0 WHERE queue = $1 AND id = $2',
        [queueName, job.id],
      );
    }
    const stale = (await statusJson(kind.env(), queueName)) as IterationRunInfo[];
    expect(stale).toEqual([
      expect.objectContaining({
        jobId: job.id,
        status: 'stale',
        staleReason: 'lock gone: its worker stopped renewing it',
      }),
    ]);
    await close();
  });

  it('lists never-started, unknown-job and recovering runs by default', async () => {
    const queueName = uniqueQueueName(`status-list-${kind.name}`);
    const queue = b.queue(queueName);
    const waiting = await queue.add('never-started', {});
    const unknown = await queue.add('renamed-job', {}, { delay: 60_000 });
    const unknownSince = Date.now() - 30_000;
    await unknown.updateProgress(progress({ status: 'unknown-job', unknownSince, processed: 0 }));
    const recovering = await queue.add('count-to', { total: 100 }, { delay: 60_000 });
    await recovering.updateProgress(
      progress({ status: 'recovering', transientFailures: 3, transientMs: 45_000 }),
    );
    const runs = (await statusJson(kind.env(), queueName)) as IterationRunInfo[];
    const byId = new Map(runs.map((run) => [run.jobId, run]));
    expect(byId.get(waiting.id!)).toMatchObject({ status: 'waiting', jobName: 'never-started' });
    expect(byId.get(unknown.id!)).toMatchObject({ status: 'unknown-job', unknownSince });
    expect(byId.get(recovering.id!)).toMatchObject({
      status: 'recovering',
      transientFailures: 3,
      transientMs: 45_000,
    });
    const plain = await cli(['status', '-q', queueName], { env: kind.env() });
    expect(plain.stdout).toMatch(
      new RegExp(`id=${recovering.id} job=count-to status=recovering .* transient=3`),
    );
  });

  it('--verbose names the backend and the variable that chose it', async () => {
    const queueName = uniqueQueueName(`status-verbose-${kind.name}`);
    const result = await cli(['status', '-q', queueName, '--verbose'], { env: kind.env() });
    expect(result.code).toBe(0);
    const variable =
      kind.name === 'redis' ? 'BULLMQ_ITERATION_REDIS_URL' : 'BULLMQ_ITERATION_DATABASE_URL';
    expect(result.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^backend: (Redis|PostgreSQL) at .* \\(from ${variable}\\); queue "${queueName}"$`,
      ),
    );
  });
});

describe('read-only commands never migrate', () => {
  it('status on a database without BullMQ tables says so and creates nothing; migrate does', async () => {
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    const database = `app_${Date.now().toString(36)}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(postgresUrl());
    url.pathname = `/${database}`;
    const env = { BULLMQ_ITERATION_DATABASE_URL: url.toString() };
    const app = new pg.Client({ connectionString: url.toString() });
    try {
      const results = await Promise.all(
        [
          ['status'],
          ['pause', '1'],
          ['resume', '1'],
          ['cancel', '1'],
          ['retry', '1'],
          ['restart', '1', '--from-cursor', '2'],
        ].map((args) => cli(args, { env })),
      );
      for (const result of results) {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
          'has no BullMQ schema yet, and this command does not create one',
        );
      }
      await app.connect();
      const schemas = await app.query("SELECT 1 FROM pg_namespace WHERE nspname = 'bullmq'");
      expect(schemas.rowCount).toBe(0);

      const migrated = await cli(['migrate'], { env });
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain("migrated BullMQ's tables on postgres://");
      const status = await eventually(async () => {
        const result = await cli(['status', '-q', 'empty'], { env });
        return result.code === 0 ? result : undefined;
      }, 'status to answer after migrate');
      expect(status.stdout).toBe('');
    } finally {
      await app.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  });
});
