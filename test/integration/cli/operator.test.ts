// The operator commands as subprocesses against a CLI worker on Redis: retry resumes a failed run
// at its cursor, restart runs a job again from the beginning or from a chosen cursor keeping the
// old one as a record (with the version of the cursor's format), enqueue takes --attempts and
// --backoff over the job's defaultJobOptions, jobs -m lists a module.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';

import type { RunStatus } from '../../../src/control/status.js';
import { getRun } from '../../../src/control/status.js';
import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, killAllCli, startCli, tempDir } from './support.js';

const JOBS = join(import.meta.dirname, '..', '..', 'fixtures', 'cli', 'operator-jobs.ts');

const env = () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() });

afterEach(() => killAllCli());

async function reaches(queue: Queue, id: string, status: RunStatus) {
  return eventually(
    async () => {
      const run = await getRun(queue as never, id);
      return run.status === status ? run : undefined;
    },
    `job ${id} to be ${status}`,
    45_000,
  );
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map(Number);

describe('operator commands', () => {
  it('retry resumes a failed run at its cursor; restart runs it again from the beginning or a cursor', async () => {
    const queueName = uniqueQueueName('cli-retry');
    const run = (...args: string[]) => cli([...args, '-q', queueName], { env: env() });
    const worker = startCli(['worker', JOBS, '-q', queueName], { env: env() });
    await worker.waitFor('worker ready');
    expect(worker.stdout()).toContain('(from BULLMQ_ITERATION_REDIS_URL)');
    const queue = backendByName('redis').queue(queueName) as unknown as Queue;
    const log = join(tempDir('retry'), 'items.log');

    const params = JSON.stringify({ total: 6, failAt: 3, log });
    const enqueued = await run('enqueue', 'flaky-once', '-m', JOBS, '-p', params);
    const id = enqueued.stdout.trim();
    const failed = await reaches(queue, id, 'failed');
    expect(failed.cursor).toBe(3); // the index of the next item

    const retried = await run('retry', id);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(
      `job ${id} (flaky-once): waiting — resumes at cursor 3 after 3 items`,
    );
    expect(retried.stdout).toContain('failed with: item 3 failed once');
    await reaches(queue, id, 'completed');
    // Items 0–2 ran before the failure and were not redone.
    expect(lines(log)).toEqual([0, 1, 2, 3, 4, 5]);

    const again = await run('retry', id);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`Job ${id} of queue "${queueName}" is completed, not failed`);
    expect(again.stderr).toContain(`bullmq-iteration restart ${id}`);

    const restarted = await run('restart', id);
    expect(restarted.code).toBe(0);
    const copy = restarted.stdout.trim();
    expect(copy).not.toBe(id);
    await reaches(queue, copy, 'completed');
    expect(lines(log)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    // The old job keeps its record; each log names the other.
    expect((await getRun(queue as never, id)).cursor).toBe(6);
    expect((await queue.getJobLogs(id)).logs.join('\n')).toContain(
      `restarted as job ${copy} from the beginning; this job stood at cursor 6 after 6 items`,
    );
    expect((await queue.getJobLogs(copy)).logs).toEqual([
      `restart of job ${id} from the beginning; job ${id} stood at cursor 6 after 6 items`,
    ]);
    expect(restarted.stderr).toContain(
      `restarted job ${id} (flaky-once) as job ${copy} from the beginning; job ${id} keeps its cursor 6 (after 6 items) as a record`,
    );

    // From a chosen cursor: the items before it are left out, the old cursor is printed and
    // recorded in the new job's state (status shows it).
    const skipping = await run('restart', copy, '--from-cursor', '4');
    expect(skipping.code).toBe(0);
    const skipper = skipping.stdout.trim();
    expect(skipping.stderr).toContain(
      `restarted job ${copy} (flaky-once) as job ${skipper} from cursor 4; job ${copy} keeps its cursor 6 (after 6 items) as a record`,
    );
    await reaches(queue, skipper, 'completed');
    expect(lines(log)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 4, 5]);
    const detail = await run('status', skipper, '--json');
    expect(JSON.parse(detail.stdout)).toMatchObject({
      processed: 2,
      restart: { of: copy, from: 4, oldCursor: 6, oldProcessed: 6, version: 1 },
    });
    // --cursor-version records a newer format with the cursor: this version-1 worker gives the
    // new job back, waiting for a worker of version 2, instead of reading a cursor it may not know.
    const newer = await run('restart', copy, '--from-cursor', '4', '--cursor-version', '2');
    expect(newer.code).toBe(0);
    expect(await reaches(queue, newer.stdout.trim(), 'waiting-for-version')).toMatchObject({
      waitingForVersion: 2,
      statusReason: 'waiting for version 2 (this worker runs version 1)',
      processed: 0,
    });
    const zero = await run('restart', copy, '--from-cursor', '4', '--cursor-version', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--cursor-version');

    const badCursor = await run('restart', copy, '--from-cursor', '{id:4}');
    expect(badCursor.code).toBe(2);
    expect(badCursor.stderr).toContain(
      `bullmq-iteration restart: cannot restart job ${copy}: --from-cursor is not valid JSON`,
    );
    expect(badCursor.stderr).toContain(`Quote the whole value for your shell`);

    const active = await run('restart', 'no-such-job');
    expect(active.code).toBe(4);
    expect(active.stderr).toContain('No job with id "no-such-job"');
  });

  it('enqueue --attempts/--backoff win over the defaultJobOptions of the definition', async () => {
    const queueName = uniqueQueueName('cli-attempts');
    const run = (...args: string[]) => cli([...args, '-q', queueName], { env: env() });
    const queue = backendByName('redis').queue(queueName) as unknown as Queue;
    const [defaults, flags, bad] = await Promise.all([
      run('enqueue', 'with-defaults', '-m', JOBS),
      run(
        'enqueue',
        'with-defaults',
        '-m',
        JOBS,
        '--attempts',
        '2',
        '--backoff',
        'exponential:500',
      ),
      run('enqueue', 'with-defaults', '--backoff', 'soon'),
    ]);
    expect((await queue.getJob(defaults.stdout.trim()))!.opts).toMatchObject({
      attempts: 4,
      backoff: { type: 'fixed', delay: 50 },
    });
    expect((await queue.getJob(flags.stdout.trim()))!.opts).toMatchObject({
      attempts: 2,
      backoff: { type: 'exponential', delay: 500 },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--backoff expects <ms>, fixed:<ms> or exponential:<ms>, got "soon"',
    );
  });

  it('jobs -m lists the jobs of a module with their options, without connecting', async () => {
    const [text, json] = await Promise.all([
      cli(['jobs', '-m', JOBS]),
      cli(['jobs', '-m', JOBS, '--json']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('flaky-once  parseParams  version 1\n');
    expect(text.stdout).toContain(
      'with-defaults  maxRuntimeMs 60000  defaultJobOptions {"attempts":4,"backoff":{"type":"fixed","delay":50}}  version 1',
    );
    const listed = JSON.parse(json.stdout) as { name: string }[];
    expect(listed.map((job) => job.name)).toEqual(['flaky-once', 'with-defaults']);
    const counting = await cli([
      'jobs',
      '-m',
      join(import.meta.dirname, '..', '..', 'fixtures', 'cli', 'jobs.ts'),
    ]);
    expect(counting.stdout).toContain('count-to  parseParams  throttle warm-up');
  });
});
