// Incidents are resumes, not failures: slow steps, transient errors of the enumerator or the step,
// a job paused before it ever ran, a slow callback at the shutdown deadline, a renewal failure for
// a token that is no longer the run's. Server restarts are in the chaos suite (npm run chaos).
import { afterEach, describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationWorker } from '../../../src/index.js';
import { defineIterationJob, pauseRun, resumeRun, TransientError } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import {
  completion,
  eventually,
  iterationWorker,
  nextEvent,
  sleep,
  storedState,
} from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // A CPU-bound step: parsing, hashing, image resizing.
  }
}

/** A connection error as node-postgres raises it when the server goes away. */
function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

describe.each(backends)('incidents on $name', (b) => {
  const open: IterationWorker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((worker) => worker.close()));
  });

  it('slow synchronous steps keep the lock: each item runs once, no lock is lost', async () => {
    const queueName = uniqueQueueName('slow-sync');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    const job = defineIterationJob({
      name: 'slow-sync',
      // A sync iterable and a sync step of 150 ms: the event loop turns only if the loop yields.
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
        range(16)
          .slice(cursor ?? 0)
          .map((item) => [item, item + 1] as const),
      eachIteration(item: number) {
        seen.push(item);
        busy(150);
      },
    });
    // A 1 s lock renewed every 500 ms: 16 items of 150 ms without a turn would let it lapse.
    const worker = iterationWorker(b, queueName, [job], { lockDuration: 1_000 });
    open.push(worker);
    let lost = 0;
    worker.on('iteration.lockLost', () => lost++);
    const added = await job.enqueue(queue, {});
    await expect(completion(worker, added.id!)).resolves.toMatchObject({ processed: 16 });
    expect(lost).toBe(0);
    expect(seen).toEqual(range(16));
  });

  it('an enumerator failing with a connection error is rebuilt at the last finished item', async () => {
    const queueName = uniqueQueueName('enum-transient');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    const builtAt: (number | null)[] = [];
    let failures = 2;
    const job = defineIterationJob({
      name: 'flaky-source',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) => {
        builtAt.push(cursor);
        return (async function* () {
          for (let i = cursor === null ? 0 : cursor + 1; i < 30; i++) {
            // The database goes away twice, at item 10: the page read fails.
            if (i === 10 && failures-- > 0) throw connectionRefused();
            yield [i, i] as const;
          }
        })();
      },
      eachIteration(item: number) {
        seen.push(item);
      },
    });
    const worker = iterationWorker(b, queueName, [job]);
    open.push(worker);
    let failed = 0;
    worker.on('iteration.failed', () => failed++);
    const added = await job.enqueue(queue, {});
    await expect(completion(worker, added.id!)).resolves.toMatchObject({ processed: 30 });
    expect(seen).toEqual(range(30));
    expect(builtAt).toEqual([null, 9, 9]);
    expect(failed).toBe(0);
    expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
  });

  it('a step error marked TransientError is retried in place; an unmarked one fails the attempt', async () => {
    const queueName = uniqueQueueName('step-transient');
    const queue = b.queue(queueName);
    let marked = 1;
    let unmarked = 1;
    const c = counter({
      total: 20,
      onItem(item) {
        if (item === 5 && marked-- > 0) throw new TransientError('billing answered 503');
        if (item === 15 && unmarked-- > 0) throw connectionRefused();
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    open.push(worker);
    const failure = nextEvent<{ error: Error; processed: number }>(worker, 'iteration.failed');
    const added = await c.job.enqueue(queue, {}, { attempts: 2 });
    // The step's own connection error is the job's business: one attempt, as before.
    expect(await failure).toMatchObject({ processed: 15, error: { code: 'ECONNREFUSED' } });
    await expect(completion(worker, added.id!)).resolves.toMatchObject({ processed: 20 });
    expect(duplicates(c.seen)).toEqual([5, 15]);
    expect((await queue.getJob(added.id!))!.attemptsMade).toBe(2);
  });

  it('an outage longer than transientRetryMs requeues with a backoff, counting no attempt', async () => {
    const queueName = uniqueQueueName('outage');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    let downUntil = 0;
    const job = defineIterationJob({
      name: 'outage',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
        (async function* () {
          for (let i = cursor === null ? 0 : cursor + 1; i < 20; i++) {
            if (i === 8 && downUntil === 0) downUntil = Date.now() + 1_200;
            if (Date.now() < downUntil) throw connectionRefused();
            yield [i, i] as const;
          }
        })(),
      eachIteration(item: number) {
        seen.push(item);
      },
    });
    const worker = iterationWorker(b, queueName, [job], { transientRetryMs: 300 });
    open.push(worker);
    const recovering = nextEvent<{
      delayMs: number;
      consecutive: number;
      transientFailures: number;
      error: Error;
    }>(worker, 'iteration.recovering');
    const added = await job.enqueue(queue, {});
    const event = await recovering;
    expect(event).toMatchObject({ consecutive: 1, transientFailures: 1 });
    expect(event.error.message).toMatch(/ECONNREFUSED/);
    expect(event.delayMs).toBeGreaterThan(0);
    const parked = (await queue.getJob(added.id!))!;
    expect(parked.progress).toMatchObject({ status: 'recovering', transientFailures: 1 });
    expect(await storedState(b, queueName, added.id!)).toMatchObject({
      cursor: 7,
      outage: {
        timesRequeued: 1,
        consecutive: 1,
        lastError: expect.stringMatching(/ECONNREFUSED/),
      },
    });
    const summary = await completion(worker, added.id!);
    expect(summary).toMatchObject({ processed: 20, transientFailures: 1 });
    expect(seen).toEqual(range(20));
    const done = (await queue.getJob(added.id!))!;
    expect(done.attemptsMade).toBe(1);
    // The outage is over: its streak closed with the first item after it.
    expect((await storedState(b, queueName, added.id!))?.outage).toMatchObject({
      consecutive: 0,
      since: null,
    });
  });

  it('an outage that outlasts maxOutageMs fails the attempt with its error', async () => {
    const queueName = uniqueQueueName('outage-over');
    const queue = b.queue(queueName);
    const job = defineIterationJob({
      name: 'never-back',
      buildEnumerator: () =>
        // eslint-disable-next-line require-yield
        (async function* () {
          throw connectionRefused();
        })(),
      eachIteration() {},
    });
    const worker = iterationWorker(b, queueName, [job], {
      transientRetryMs: 100,
      maxOutageMs: 1_500,
    });
    open.push(worker);
    let recovered = 0;
    worker.on('iteration.recovering', () => recovered++);
    const added = await job.enqueue(queue, {});
    await expect(completion(worker, added.id!)).rejects.toThrow(/ECONNREFUSED/);
    expect(recovered).toBeGreaterThanOrEqual(1);
    expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
  });

  it('a job paused before its first run gets onStart, not onResume, when resumed', async () => {
    const queueName = uniqueQueueName('pause-first');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    const c = counter({
      total: 5,
      onStart: () => void calls.push('start'),
      onResume: () => void calls.push('resume'),
      onComplete: () => void calls.push('complete'),
    });
    const added = await c.job.enqueue(queue, {});
    await pauseRun(queue, added.id!);
    const worker = iterationWorker(b, queueName, [c.job], { controlPollIntervalMs: 100 });
    open.push(worker);
    const events: string[] = [];
    for (const name of ['iteration.started', 'iteration.resumed', 'iteration.paused'] as const) {
      worker.on(name, () => void events.push(name));
    }
    await eventually(
      async () =>
        ((await queue.getJob(added.id!))!.progress as { status?: string }).status === 'paused' ||
        undefined,
      'the job to park',
    );
    expect(calls).toEqual([]);
    const done = completion(worker, added.id!);
    await resumeRun(queue, added.id!);
    await expect(done).resolves.toMatchObject({ processed: 5 });
    expect(calls).toEqual(['start', 'complete']);
    expect(events).toEqual(['iteration.paused', 'iteration.started']);
  });

  it('a slow onShutdown at the shutdown deadline ends the run once: one interruption, one requeue', async () => {
    const queueName = uniqueQueueName('slow-shutdown');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    const c = counter({
      total: 200,
      stepMs: 5,
      onResume: () => void calls.push('resume'),
      async onShutdown() {
        calls.push('shutdown');
        if (calls.filter((call) => call === 'shutdown').length === 1) await sleep(600);
      },
      onComplete: () => void calls.push('complete'),
    });
    const first = iterationWorker(b, queueName, [c.job], { shutdownTimeoutMs: 200 });
    open.push(first);
    const interruptions: unknown[] = [];
    first.on('iteration.interrupted', (event) => void interruptions.push(event.reason));
    const added = await c.job.enqueue(queue, {});
    await nextEvent(first, 'iteration.started');
    await sleep(50);
    await first.close();
    expect(interruptions).toEqual(['shutdown']);
    const stored = await storedState(b, queueName, added.id!);
    expect(stored?.timesInterrupted).toBe(1);
    expect(await (await queue.getJob(added.id!))!.getState()).toMatch(
      /waiting|delayed|prioritized/,
    );
    const second = iterationWorker(b, queueName, [c.job]);
    open.push(second);
    await expect(completion(second, added.id!)).resolves.toMatchObject({
      processed: 200,
      timesInterrupted: 1,
    });
    expect(duplicates(c.seen)).toEqual([]);
    expect(calls.filter((call) => call === 'complete')).toHaveLength(1);
  });

  it('a slow onComplete at the shutdown deadline is waited for, and never runs again', async () => {
    const queueName = uniqueQueueName('slow-complete');
    const queue = b.queue(queueName);
    let completions = 0;
    let completing: () => void = () => {};
    const inComplete = new Promise<void>((resolve) => (completing = resolve));
    const c = counter({
      total: 20,
      async onComplete() {
        completions++;
        completing();
        await sleep(600);
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], { shutdownTimeoutMs: 200 });
    open.push(worker);
    let interrupted = 0;
    worker.on('iteration.interrupted', () => interrupted++);
    const added = await c.job.enqueue(queue, {});
    const done = completion(worker, added.id!);
    await inComplete;
    // The deadline passes while onComplete runs: the run must end as it began, completed.
    await worker.close();
    await expect(done).resolves.toMatchObject({ outcome: 'completed', processed: 20 });
    expect(interrupted).toBe(0);
    expect(completions).toBe(1);
    expect(await (await queue.getJob(added.id!))!.getState()).toBe('completed');
  });

  it('a renewal failure for a token that is not the run’s does not stop the run', async () => {
    const queueName = uniqueQueueName('stale-token');
    const queue = b.queue(queueName);
    const c = counter({ total: 60, stepMs: 10 });
    const worker: IterationWorker = iterationWorker(b, queueName, [c.job]);
    open.push(worker);
    let lost = 0;
    worker.on('iteration.lockLost', () => lost++);
    const started = nextEvent(worker, 'iteration.started');
    const added = await c.job.enqueue(queue, {});
    await started;
    // What the lock manager sends when a renewal for an earlier run of this job, on this worker,
    // comes back after that run ended: its id, with the old token.
    const failed = await worker.extendJobLocks([added.id!], ['token-of-an-earlier-run'], 30_000);
    expect(failed).toEqual([added.id]);
    worker.emit('lockRenewalFailed', failed);
    await expect(completion(worker, added.id!)).resolves.toMatchObject({ processed: 60 });
    expect(lost).toBe(0);
    expect(duplicates(c.seen)).toEqual([]);
  });
});
