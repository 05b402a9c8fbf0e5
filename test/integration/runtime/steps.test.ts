// Multi-step jobs: steps run in order, each with its own enumerator (or one call); the stored state
// records the step beside its cursor, so a resume continues inside the step and a finished step is
// never run again; isolated steps start in a fresh run; a stored step the job lost fails the run.
import { afterEach, describe, expect, it } from 'vitest';

import type { InterruptReason, IterationEvent, IterationStepEvent } from '../../../src/index.js';
import {
  cancelRun,
  getFailedItems,
  getRun,
  pauseRun,
  resumeRun,
  retryFailedItems,
} from '../../../src/index.js';
import { FIRST_STEP_ITEMS, SECOND_STEP_FROM } from '../../fixtures/crashy-steps.js';
import { backends } from '../../support/backends.js';
import {
  completion,
  eventually,
  iterationWorker,
  nextEvent,
  storedState,
  summaryOf,
} from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import {
  killAll,
  recordedItems,
  spawnWorker,
  tempFile,
  waitForItems,
  waitForOutput,
} from '../../support/processes.js';
import { redisUrl } from '../../support/servers.js';
import { items, stepsJob } from '../../support/steps-jobs.js';

afterEach(() => killAll());

type Interrupted = IterationEvent & { readonly reason: InterruptReason };

/** Items seen more than once. */
function repeated(seen: readonly string[]): string[] {
  return seen.filter((item, i) => seen.indexOf(item) !== i);
}

describe.each(backends)('steps on $name', (b) => {
  it('runs the steps in order, each with its own enumerator from a null cursor; ctx, events and progress carry the step', async () => {
    const queueName = uniqueQueueName('steps-order');
    const queue = b.queue(queueName);
    const s = stepsJob();
    const worker = iterationWorker(b, queueName, [s.job]);
    const events: string[] = [];
    const on = (name: string) => (e: IterationStepEvent) =>
      events.push(`${name} ${e.step} ${e.index}/${e.count}`);
    worker.on('iteration.stepStarted', on('started'));
    worker.on('iteration.stepCompleted', on('completed'));
    const completed = nextEvent<IterationEvent>(worker, 'iteration.completed');
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 5)]);
      expect(s.built).toEqual(['export@null', 'cleanup@null']);
      expect(s.steps).toEqual([...Array(10).fill('export'), 'notify', ...Array(5).fill('cleanup')]);
      expect(events).toEqual([
        'started export 0/3',
        'completed export 0/3',
        'started notify 1/3',
        'completed notify 1/3',
        'started cleanup 2/3',
        'completed cleanup 2/3',
      ]);
      // A call step is not an item: only the items of the two iterating steps count.
      expect(result).toMatchObject({ processed: 15, timesInterrupted: 0, cursor: 4 });
      expect((await completed).step).toBe('cleanup');
      const step = { name: 'cleanup', index: 2, count: 3 };
      expect((await queue.getJob(job.id!))!.progress).toMatchObject({ status: 'completed', step });
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ step, cursor: 4 });
      expect(await getRun(queue, job.id!)).toMatchObject({ status: 'completed', step });
    } finally {
      await worker.close();
    }
  });

  it('close() mid-step: the next run resumes inside that step at its cursor; finished steps never run again', async () => {
    const queueName = uniqueQueueName('steps-resume');
    const queue = b.queue(queueName);
    const s = stepsJob({ cleaned: 200, cleanupStepMs: 2 });
    const first = iterationWorker(b, queueName, [s.job]);
    const job = await s.job.enqueue(queue, {}, { attempts: 1 });
    await nextEvent<IterationStepEvent>(
      first,
      'iteration.stepStarted',
      (e) => e.step === 'cleanup',
    );
    await eventually(() => (s.seen.length > 20 ? true : undefined), 'items of cleanup');
    await first.close();
    const stored = (await storedState(b, queueName, job.id!))!;
    expect(stored.step).toEqual({ name: 'cleanup', index: 2, count: 3 });
    const cursor = stored.cursor as number;
    expect(s.seen.at(-1)).toBe(`cleanup:${cursor}`);
    const between = await getRun(queue, job.id!);
    // Due at once: on PostgreSQL the requeued job is waiting, on Redis delayed (interrupted).
    expect(['interrupted', 'waiting']).toContain(between.status);
    expect(between.step).toEqual(stored.step);

    const second = iterationWorker(b, queueName, [s.job]);
    try {
      const result = await completion(second, job.id!);
      expect(s.built).toEqual(['export@null', 'cleanup@null', `cleanup@${cursor}`]);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 200)]);
      expect(result).toMatchObject({ processed: 210, timesInterrupted: 1 });
    } finally {
      await second.close();
    }
  });

  it('an isolated step starts in a fresh run: the job is requeued before it (reason step), no attempt counted', async () => {
    const queueName = uniqueQueueName('steps-isolated');
    const queue = b.queue(queueName);
    const runs: string[] = [];
    const s = stepsJob({
      isolatedCleanup: true,
      onStart: () => void runs.push('start'),
      onResume: (ctx) => void runs.push(`resume in ${String(ctx.step)} at ${String(ctx.cursor)}`),
      onItem: (step, item) => void (item === 0 && runs.push(`first item of ${step}`)),
    });
    const worker = iterationWorker(b, queueName, [s.job]);
    const interrupted: Interrupted[] = [];
    worker.on('iteration.interrupted', (e) => interrupted.push(e));
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(interrupted.map((e) => [e.reason, e.step])).toEqual([['step', 'cleanup']]);
      expect(runs).toEqual([
        'start',
        'first item of export',
        'resume in cleanup at null',
        'first item of cleanup',
      ]);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 5)]);
      expect(result).toMatchObject({ processed: 15, timesInterrupted: 1 });
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('a stored step the job no longer has fails the run with an error naming it; nothing restarts', async () => {
    const queueName = uniqueQueueName('steps-removed');
    const queue = b.queue(queueName);
    const v1 = stepsJob({ cleaned: 200, cleanupStepMs: 2 });
    const first = iterationWorker(b, queueName, [v1.job]);
    const job = await v1.job.enqueue(queue, {}, { attempts: 3 });
    await nextEvent<IterationStepEvent>(
      first,
      'iteration.stepStarted',
      (e) => e.step === 'cleanup',
    );
    await first.close();
    expect((await storedState(b, queueName, job.id!))!.step?.name).toBe('cleanup');

    // The next deploy renamed `cleanup` to `purge`.
    const v2 = stepsJob({
      reshape: (steps) => steps.map((s) => (s.name === 'cleanup' ? { ...s, name: 'purge' } : s)),
    });
    const second = iterationWorker(b, queueName, [v2.job]);
    try {
      const error = await completion(second, job.id!).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name).toBe('CheckpointError');
      expect(error?.message).toContain('is stored in step "cleanup", which no longer exists');
      expect(error?.message).toContain('its steps are "export", "notify", "purge"');
      // Not retried (the same definition would fail the same way) and nothing of v2 ran.
      const failed = (await queue.getJob(job.id!))!;
      expect(await failed.getState()).toBe('failed');
      expect(failed.attemptsMade).toBe(1);
      expect(v2.seen).toEqual([]);
      expect((await storedState(b, queueName, job.id!))!.step?.name).toBe('cleanup');
    } finally {
      await second.close();
    }
  });

  it('maxItemsPerRun requeues inside and across steps without counting an attempt', async () => {
    const queueName = uniqueQueueName('steps-max-items');
    const queue = b.queue(queueName);
    const s = stepsJob({ exported: 10, cleaned: 6, maxItemsPerRun: 4 });
    const worker = iterationWorker(b, queueName, [s.job]);
    const interrupted: Interrupted[] = [];
    worker.on('iteration.interrupted', (e) => interrupted.push(e));
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(interrupted.map((e) => [e.reason, e.step, e.processed])).toEqual([
        ['max-items', 'export', 4],
        ['max-items', 'export', 8],
        ['max-items', 'cleanup', 12],
        ['max-items', 'cleanup', 16],
      ]);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 6)]);
      expect(result).toMatchObject({ processed: 16, timesInterrupted: 4 });
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('interruptWhen sees ctx.step and requeues inside the step (reason condition)', async () => {
    const queueName = uniqueQueueName('steps-condition');
    const queue = b.queue(queueName);
    const s = stepsJob({
      interruptWhen: (ctx) => ctx.step === 'cleanup' && ctx.cursor === 2,
    });
    const worker = iterationWorker(b, queueName, [s.job]);
    const interrupted: Interrupted[] = [];
    worker.on('iteration.interrupted', (e) => interrupted.push(e));
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      await completion(worker, job.id!);
      expect(interrupted.map((e) => [e.reason, e.step, e.cursor])).toEqual([
        ['condition', 'cleanup', 2],
      ]);
      expect(s.built).toEqual(['export@null', 'cleanup@null', 'cleanup@2']);
      expect(repeated(s.seen)).toEqual([]);
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('pause and resume inside a step: the job parks in the step and continues there', async () => {
    const queueName = uniqueQueueName('steps-pause');
    const queue = b.queue(queueName);
    const s = stepsJob({ cleaned: 300, cleanupStepMs: 2 });
    const worker = iterationWorker(b, queueName, [s.job], { controlPollIntervalMs: 50 });
    try {
      const job = await s.job.enqueue(queue, {});
      await nextEvent<IterationStepEvent>(
        worker,
        'iteration.stepStarted',
        (e) => e.step === 'cleanup',
      );
      const paused = nextEvent<IterationEvent>(worker, 'iteration.paused');
      await pauseRun(queue, job.id!);
      expect((await paused).step).toBe('cleanup');
      expect(await getRun(queue, job.id!)).toMatchObject({
        status: 'paused',
        step: { name: 'cleanup' },
      });
      await resumeRun(queue, job.id!);
      await completion(worker, job.id!);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 300)]);
    } finally {
      await worker.close();
    }
  });

  it('a throttle that holds inside a step requeues the job, which resumes in that step', async () => {
    const queueName = uniqueQueueName('steps-throttle');
    const queue = b.queue(queueName);
    let hold = false;
    let held = 0;
    const s = stepsJob({
      throttle: [
        {
          name: 'once',
          backoffMs: 10,
          check: () => {
            if (!hold) return false;
            hold = false;
            held++;
            return true;
          },
        },
      ],
      onItem: (step, item) =>
        void (step === 'cleanup' && item === 1 && held === 0 && (hold = true)),
    });
    const worker = iterationWorker(b, queueName, [s.job]);
    const throttled: IterationEvent[] = [];
    worker.on('iteration.throttled', (e) => throttled.push(e));
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(throttled.map((e) => [e.step, e.cursor])).toEqual([['cleanup', 1]]);
      expect(s.built).toEqual(['export@null', 'cleanup@null', 'cleanup@1']);
      expect(s.seen).toEqual([...items('export', 10), 'notify', ...items('cleanup', 5)]);
      expect(result).toMatchObject({ timesThrottled: 1, timesInterrupted: 0 });
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('cancel inside a step ends the job there; the steps left do not run', async () => {
    const queueName = uniqueQueueName('steps-cancel');
    const queue = b.queue(queueName);
    const s = stepsJob({
      reshape: (steps) => [...steps, { name: 'report', run: () => void s.seen.push('report') }],
      cleaned: 300,
      cleanupStepMs: 2,
    });
    const worker = iterationWorker(b, queueName, [s.job], { controlPollIntervalMs: 50 });
    try {
      const job = await s.job.enqueue(queue, {});
      await nextEvent<IterationStepEvent>(
        worker,
        'iteration.stepStarted',
        (e) => e.step === 'cleanup',
      );
      const done = completion(worker, job.id!);
      await cancelRun(queue, job.id!);
      expect(await done).toMatchObject({ outcome: 'cancelled' });
      expect(s.seen).not.toContain('report');
      expect(s.seen.length).toBeLessThan(10 + 1 + 300);
      expect(await getRun(queue, job.id!)).toMatchObject({
        status: 'cancelled',
        step: { name: 'cleanup', index: 2, count: 4 },
      });
    } finally {
      await worker.close();
    }
  });

  it('skipped items record their step; retryFailedItems replays each in its own step', async () => {
    const queueName = uniqueQueueName('steps-replay');
    const queue = b.queue(queueName);
    const broken = new Set(['export:3', 'cleanup:1']);
    const s = stepsJob({
      itemErrors: { retries: 0, action: 'skip' },
      onItem: (step, item) => {
        if (broken.has(`${step}:${item}`)) throw new Error(`${step} item ${item} is broken`);
      },
    });
    const worker = iterationWorker(b, queueName, [s.job]);
    try {
      const job = await s.job.enqueue(queue, {}, { attempts: 1 });
      expect(await completion(worker, job.id!)).toMatchObject({ processed: 13, skipped: 2 });
      const failed = await getFailedItems(queue, job.id!);
      expect(failed.items.map((f) => [f.step, f.item, f.cursor])).toEqual([
        ['export', '3', 2],
        ['cleanup', '1', 0],
      ]);

      broken.clear();
      s.seen.length = 0;
      s.steps.length = 0;
      const replay = await retryFailedItems(queue as never, job.id!);
      expect(await summaryOf(queue as never, replay.id!)).toMatchObject({ processed: 2 });
      // Exactly the two items, each through its own step's eachIteration; no call step again.
      expect(s.seen).toEqual(['export:3', 'cleanup:1']);
      expect(s.steps).toEqual(['export', 'cleanup']);
      expect((await getFailedItems(queue, replay.id!)).items).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('SIGKILL of a worker process mid-step: the next worker resumes in that step; the finished step and the call are not redone', async () => {
    const queueName = uniqueQueueName('steps-sigkill');
    const queue = b.queue(queueName);
    const out = tempFile('items');
    const total = 200;
    const job = await queue.add('crashy-steps', {});
    const env = {
      BACKEND: b.name,
      URL: b.name === 'redis' ? redisUrl() : b.connection,
      QUEUE: queueName,
      TOTAL: total,
      STEP_MS: 5,
      OUT_FILE: out,
      STALLED_INTERVAL_MS: 300,
      LOCK_DURATION_MS: 1_500,
    };
    const first = spawnWorker(env);
    // The first step and the call are done, and 50 items of the second.
    await waitForItems(out, FIRST_STEP_ITEMS + 1 + 50, first);
    first.child.kill('SIGKILL');
    await first.exited;
    const saved = (await storedState(b, queueName, job.id!))!;
    expect(saved.step).toEqual({ name: 'second', index: 2, count: 3 });

    const second = spawnWorker(env);
    await waitForOutput(second, 'ready');
    await eventually(
      async () =>
        (await (await queue.getJob(job.id!))?.getState()) === 'completed' ? true : undefined,
      'the job to complete',
      60_000,
    );
    second.child.kill('SIGTERM');
    await second.exited;

    const recorded = recordedItems(out);
    expect(recorded.filter((i) => i >= 0 && i < SECOND_STEP_FROM)).toEqual(range(FIRST_STEP_ITEMS));
    expect(recorded.filter((i) => i === -1)).toEqual([-1]);
    const secondStep = recorded.filter((i) => i >= SECOND_STEP_FROM);
    expect([...new Set(secondStep)].sort((x, y) => x - y)).toEqual(
      range(total).map((i) => i + SECOND_STEP_FROM),
    );
    // Redone: only items of the second step after its saved cursor, which the killed worker had started.
    for (const item of duplicates(secondStep)) expect(item).toBeGreaterThan(saved.cursor as number);
    const done = (await queue.getJob(job.id!))!;
    expect(done.returnvalue).toMatchObject({ processed: FIRST_STEP_ITEMS + total });
    expect(done.attemptsMade).toBe(1);
  });
});
