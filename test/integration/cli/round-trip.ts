// One scenario for every backend: a worker process runs the fixture jobs while other CLI processes
// enqueue, list, pause, resume and cancel; the test follows the run with getRun in-process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from 'bullmq';
import { expect } from 'vitest';

import { createEmbeddedBackend } from '../../../src/embedded/pglite-server.js';
import { getRun, type IterationRunInfo, type RunStatus } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli, type Env, JOBS, startCli, tempDir } from './support.js';

export type CliBackendName = 'redis' | 'postgres' | 'embedded';

interface Place {
  readonly env: Env;
  readonly cwd: string | undefined;
  /** A queue on the same backend, for the test's own reads (after the worker is up). */
  queue(name: string): Queue;
}

export function placeFor(kind: CliBackendName): Place {
  if (kind === 'embedded') {
    const cwd = tempDir('embedded');
    return {
      env: {},
      cwd,
      queue: (name) => {
        // The worker hosts the directory's database; the test is one more client of it.
        const record = JSON.parse(
          readFileSync(join(cwd, '.bullmq-iteration', 'server.json'), 'utf8'),
        ) as { url: string };
        return track(new Queue(name, { connection: record.url }, createEmbeddedBackend)) as never;
      },
    };
  }
  const env =
    kind === 'redis'
      ? { BULLMQ_ITERATION_REDIS_URL: redisUrl() }
      : { BULLMQ_ITERATION_DATABASE_URL: postgresUrl() };
  return { env, cwd: undefined, queue: (name) => backendByName(kind).queue(name) as never };
}

async function runReaches(queue: Queue, id: string, statuses: readonly RunStatus[]) {
  return eventually(
    async () => {
      const run = await getRun(queue as never, id);
      return statuses.includes(run.status) ? run : undefined;
    },
    `job ${id} to be ${statuses.join(' or ')}`,
    45_000,
  );
}

export async function roundTrip(kind: CliBackendName): Promise<void> {
  const place = placeFor(kind);
  const queueName = uniqueQueueName(`cli-${kind}`);
  const opts = { env: place.env, ...(place.cwd ? { cwd: place.cwd } : {}) };
  const run = (...args: string[]) => cli([...args, '-q', queueName], opts);

  const worker = startCli(['worker', JOBS, '-q', queueName, '--concurrency', '2'], opts);
  await worker.waitFor('worker ready');
  const queue = place.queue(queueName);

  const enqueued = await run(
    'enqueue',
    'count-to',
    '-m',
    JOBS,
    '-p',
    '{"total":100000,"stepMs":5}',
  );
  expect(enqueued).toMatchObject({ code: 0 });
  const id = enqueued.stdout.trim();
  expect(id).toMatch(/^\S+$/);
  // The rate needs two progress publications; only then does the line carry every figure.
  await eventually(
    async () => ((await getRun(queue as never, id)).itemsPerSecond ? true : undefined),
    'the run to report a rate',
    45_000,
  );

  // Not a terminal: one logfmt line per run, with fixed keys.
  const listed = await run('status');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(
    new RegExp(
      `^id=${id} job=count-to status=running processed=\\d+ total=100000 percent=[\\d.]+ ` +
        'rate=[\\d.]+ eta_ms=\\d+ interrupted=0 throttled=0 transient=0$',
      'm',
    ),
  );

  const paused = await run('pause', id, '--reason', 'maintenance window');
  expect(paused.code).toBe(0);
  expect(paused.stdout).toMatch(new RegExp(`^id=${id} job=count-to status=(pausing|paused) `));
  const parked: IterationRunInfo = await runReaches(queue, id, ['paused']);
  await worker.waitFor(`paused      count-to #${id}  (maintenance window) at`);
  const detail = await run('status', id, '--json');
  expect(JSON.parse(detail.stdout)).toMatchObject({
    jobId: id,
    status: 'paused',
    processed: parked.processed,
    control: { action: 'pause', reason: 'maintenance window' },
  });

  const resumed = await run('resume', id);
  expect(resumed.code).toBe(0);
  const [again, missing] = await Promise.all([run('resume', id), run('status', 'no-such-job')]);
  expect(again.code).toBe(4);
  expect(again.stderr).toContain(`Job "${id}" of queue "${queueName}" is not paused`);
  expect(missing.code).toBe(4);
  expect(missing.stderr).toContain(`No job with id "no-such-job" in queue "${queueName}"`);
  await worker.waitFor(
    `resumed     count-to #${id}  at ${parked.processed.toLocaleString('en-US')} items`,
  );

  const cancelled = await run('cancel', id, '--reason', 'enough', '--json');
  expect(cancelled.code).toBe(0);
  expect(['cancelling', 'cancelled']).toContain(
    (JSON.parse(cancelled.stdout) as IterationRunInfo).status,
  );
  await worker.waitFor(`cancelled   count-to #${id}  (enough) at`);
  await runReaches(queue, id, ['cancelled']);
  const refused = await run('cancel', id);
  expect(refused.code).toBe(4);
  expect(refused.stderr).toContain('has already been cancelled; there is nothing to cancel');

  const quick = await run('enqueue', 'count-to', '-p', '{"total":5}');
  const quickId = quick.stdout.trim();
  await worker.waitFor(`completed   count-to #${quickId}  5 items in`);

  worker.child.kill('SIGTERM');
  const exit = await worker.exited;
  expect(exit.code).toBe(0);
  expect(exit.stderr).toContain('received SIGTERM: finishing the items in flight');
  expect(exit.stderr).toContain('worker stopped');
  expect(exit.stdout).toMatch(new RegExp(`started     count-to #${id}\\n`));
}
