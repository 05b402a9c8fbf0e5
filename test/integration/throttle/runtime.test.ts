// Throttling inside the runtime, on every backend: a condition that holds before the next fetch
// checkpoints the job and requeues it as a real delayed job after its backoff, without an attempt;
// health checks are probed once per interval however many jobs read them; a check that hangs or
// throws throttles and is logged; a worker's throttle covers all its jobs; progress shows it all.
import { describe, expect, it } from 'vitest';

import type {
  IterationProgress,
  IterationSummary,
  IterationThrottledEvent,
} from '../../../src/index.js';
import { exponentialBackoff } from '../../../src/index.js';
import { healthCheck } from '../../../src/throttle/index.js';
import { withCluster } from '../../support/backends.js';
import { completion, eventually, iterationWorker, storedState } from '../../support/iteration.js';
import { range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { capturingLogger, recordingLogger, tracked, watchedJob } from './helpers.js';

describe.each(withCluster)('throttling on $name', (b) => {
  it('throttles while a flag is set and completes once it clears, every item fetched and processed once', async () => {
    const queueName = uniqueQueueName('throttle-flag');
    const queue = b.queue(queueName);
    let maintenance = false;
    const calls: string[] = [];
    const w = watchedJob({
      total: 40,
      throttle: { name: 'maintenance', check: () => maintenance, backoffMs: 20 },
      onItem: (item) => {
        if (item === 9) maintenance = true;
      },
      onResume: (ctx) => void calls.push(`resume@${String(ctx.cursor)}`),
      onComplete: () => void calls.push('complete'),
      onShutdown: () => void calls.push('shutdown'),
    });
    const worker = iterationWorker(b, queueName, [w.job]);
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => {
      events.push(event);
      if (events.length === 3) maintenance = false;
    });
    try {
      const job = await w.job.enqueue(queue, {});
      const result = (await completion(worker, job.id!)) as IterationSummary;

      // Checked before each fetch: the throttled run never pulled item 10, the next one did.
      expect(w.fetched).toEqual(range(40));
      expect(w.seen).toEqual(range(40));
      expect(events.map((e) => [e.condition, e.reason, e.consecutive, e.delayMs])).toEqual([
        ['maintenance', 'check returned true', 1, 20],
        ['maintenance', 'check returned true', 2, 20],
        ['maintenance', 'check returned true', 3, 20],
      ]);
      expect(events[0]).toMatchObject({ processed: 10, cursor: 9, timesInterrupted: 0 });
      expect(events.map((e) => e.timesThrottled)).toEqual([1, 2, 3]);
      // Runs 2 and 3 were throttled by the check before buildEnumerator: they never built one.
      expect(w.builds.count).toBe(2);
      // Every run ends with onShutdown; onComplete only once, at the end.
      expect(calls).toEqual([
        'shutdown',
        'resume@9',
        'shutdown',
        'resume@9',
        'shutdown',
        'resume@9',
        'complete',
        'shutdown',
      ]);
      expect(result).toMatchObject({ processed: 40, timesInterrupted: 0, timesThrottled: 3 });
      // Not an attempt: the job completed on its first.
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('backs off exponentially up to the cap as real delays, and starts over once a check passes', async () => {
    const queueName = uniqueQueueName('throttle-backoff');
    const queue = b.queue(queueName);
    let holdFor = 4;
    const shutdownAt: number[] = [];
    const resumedAt: number[] = [];
    const w = watchedJob({
      total: 12,
      throttle: {
        name: 'busy',
        check: () => holdFor > 0 && holdFor-- > 0,
        backoffMs: exponentialBackoff({ baseMs: 20, factor: 2, maxMs: 80, jitter: 0 }),
      },
      onItem: (item) => {
        if (item === 5) holdFor = 2;
      },
      onShutdown: () => void shutdownAt.push(Date.now()),
      onResume: () => void resumedAt.push(Date.now()),
    });
    const worker = iterationWorker(b, queueName, [w.job]);
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => void events.push(event));
    try {
      const job = await w.job.enqueue(queue, {});
      const result = (await completion(worker, job.id!)) as IterationSummary;

      // Four in a row grow to the cap; after items pass, the streak starts over.
      expect(events.map((e) => [e.consecutive, e.delayMs])).toEqual([
        [1, 20],
        [2, 40],
        [3, 80],
        [4, 80],
        [1, 20],
        [2, 40],
      ]);
      expect(events.map((e) => e.processed)).toEqual([0, 0, 0, 0, 6, 6]);
      // Real delayed jobs: no run started before its delay, measured from before the requeue.
      expect(resumedAt).toHaveLength(6);
      events.forEach((event, i) => {
        expect(resumedAt[i]! - shutdownAt[i]!).toBeGreaterThanOrEqual(event.delayMs);
      });
      expect(w.seen).toEqual(range(12));
      expect(result).toMatchObject({ timesThrottled: 6, timesInterrupted: 0 });
      expect(result.throttledMs).toBeGreaterThanOrEqual(20 + 40 + 80 + 80 + 20 + 40);
    } finally {
      await worker.close();
    }
  });

  it('probes a shared health check at most once per interval across concurrent jobs', async () => {
    const queueName = uniqueQueueName('throttle-probe');
    const queue = b.queue(queueName);
    const intervalMs = 100;
    const probeStarts: number[] = [];
    let probing = 0;
    let overlapping = 0;
    const database = tracked(
      healthCheck({
        name: 'database',
        intervalMs,
        timeoutMs: 50,
        probe: async () => {
          probeStarts.push(Date.now());
          if (++probing > 1) overlapping++;
          await new Promise((r) => setTimeout(r, 5));
          probing--;
          return true;
        },
      }),
    );
    let running = 0;
    let mostRunning = 0;
    const w = watchedJob({
      total: 40,
      stepMs: 2,
      throttle: database,
      onStart: () => void (mostRunning = Math.max(mostRunning, ++running)),
      onShutdown: () => void running--,
    });
    const worker = iterationWorker(b, queueName, [w.job], { concurrency: 4 });
    try {
      const started = Date.now();
      const jobs = await Promise.all(range(8).map(() => w.job.enqueue(queue, {})));
      await Promise.all(jobs.map((job) => completion(worker, job.id!)));
      const elapsed = Date.now() - started;

      expect(mostRunning).toBeGreaterThan(1);
      expect(w.seen).toHaveLength(8 * 40);
      expect(overlapping).toBe(0);
      // 320 items and 8 runs read the check; it probed once at warm-up plus once per interval.
      expect(probeStarts.length).toBeLessThanOrEqual(Math.floor(elapsed / intervalMs) + 2);
      for (let i = 1; i < probeStarts.length; i++) {
        // Timers round to the millisecond: allow one either way.
        expect(probeStarts[i]! - probeStarts[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 1);
      }
    } finally {
      await worker.close();
    }
  });

  it('a probe that hangs throttles the job as unhealthy and is logged; the job completes later', async () => {
    const queueName = uniqueQueueName('throttle-hung');
    const queue = b.queue(queueName);
    const healthLogger = recordingLogger();
    const release: (() => void)[] = [];
    let hang = true;
    const database = tracked(
      healthCheck({
        name: 'database',
        intervalMs: 20,
        timeoutMs: 30,
        logger: healthLogger,
        probe: () => (hang ? new Promise<boolean>((r) => release.push(() => r(true))) : true),
      }),
    );
    const w = watchedJob({ total: 10, throttle: { check: database, backoffMs: 15 } });
    const worker = iterationWorker(b, queueName, [w.job]);
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => {
      events.push(event);
      if (events.length === 2) {
        hang = false;
        for (const r of release) r();
      }
    });
    try {
      const job = await w.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(w.seen).toEqual(range(10));
      expect(events.length).toBeGreaterThanOrEqual(2);
      // The warm-up probe timed out; a run that reads the verdict after it went stale sees the
      // same probe still hanging, which a second probe would only pile onto.
      expect(events[0]!.condition).toBe('database');
      expect(events[0]!.reason).toMatch(
        /^(probe timed out after 30 ms|the previous probe is still running after \d+ ms)$/,
      );
      expect(healthLogger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ healthCheck: 'database', detail: 'probe timed out after 30 ms' }),
        'health check probe failed: counting as unhealthy',
      );
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('a check that throws or returns a non-boolean throttles and is logged, not fatal', async () => {
    const queueName = uniqueQueueName('throttle-throws');
    const queue = b.queue(queueName);
    const { logger, lines } = capturingLogger();
    const answers: (() => unknown)[] = [
      () => {
        throw new Error('flag service unreachable');
      },
      () => undefined,
    ];
    const w = watchedJob({
      total: 8,
      throttle: {
        name: 'flag-service',
        // A forgotten return gives undefined; the cast stands for untyped code.
        check: () => (answers.shift() ?? (() => false))() as boolean,
        backoffMs: 10,
      },
    });
    const worker = iterationWorker(b, queueName, [w.job], { logger });
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => void events.push(event));
    try {
      const job = await w.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(w.seen).toEqual(range(8));
      expect(events.map((e) => e.reason)).toEqual([
        'check threw Error: flag service unreachable',
        'check returned undefined (undefined), not a boolean: return true to throttle, false to go on',
      ]);
      const failures = lines.filter(
        (l) => l['msg'] === 'throttle check failed: throttling as if it held',
      );
      expect(failures).toHaveLength(2);
      expect(failures[0]).toMatchObject({
        level: 50,
        jobName: 'watched',
        jobId: job.id,
        condition: 'flag-service',
      });
      const throttledLines = lines.filter(
        (l) => l['condition'] === 'flag-service' && l['level'] === 30,
      );
      expect(throttledLines).toHaveLength(2);
      expect(String(throttledLines[1]!['msg'])).toMatch(
        /^throttled, requeued in 10 ms: throttled 2 times, [\d.]+ m?s \(last: flag-service\)$/,
      );
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it("a worker's throttle applies to every job; a job condition of the same name replaces it", async () => {
    const queueName = uniqueQueueName('throttle-worker');
    const queue = b.queue(queueName);
    let maintenance = true;
    const alpha = watchedJob({ name: 'alpha', total: 10 });
    const beta = watchedJob({ name: 'beta', total: 10 });
    const exempt = watchedJob({
      name: 'exempt',
      total: 10,
      throttle: { name: 'maintenance', check: () => false },
    });
    const worker = iterationWorker(b, queueName, [alpha.job, beta.job, exempt.job], {
      concurrency: 3,
      // Asynchronous on purpose: the loop awaits it before every fetch.
      throttle: { name: 'maintenance', check: async () => maintenance, backoffMs: 20 },
    });
    const throttledJobs = new Set<string>();
    const conditions = new Set<string>();
    worker.on('iteration.throttled', (event) => {
      conditions.add(event.condition);
      throttledJobs.add(event.jobName);
      if (throttledJobs.has('alpha') && throttledJobs.has('beta')) maintenance = false;
    });
    try {
      const jobs = await Promise.all([
        alpha.job.enqueue(queue, {}),
        beta.job.enqueue(queue, {}),
        exempt.job.enqueue(queue, {}),
      ]);
      const results = (await Promise.all(
        jobs.map((job) => completion(worker, job.id!)),
      )) as IterationSummary[];
      expect([...throttledJobs].sort()).toEqual(['alpha', 'beta']);
      expect([...conditions]).toEqual(['maintenance']);
      expect(results.map((r) => r.timesThrottled > 0)).toEqual([true, true, false]);
      for (const w of [alpha, beta, exempt]) expect(w.seen).toEqual(range(10));
    } finally {
      await worker.close();
    }
  });

  it('shows throttled time and count in job.progress, the stored state and the context', async () => {
    const queueName = uniqueQueueName('throttle-progress');
    const queue = b.queue(queueName);
    let blocked = true;
    const seenByResume: [number, number][] = [];
    const w = watchedJob({
      total: 5,
      throttle: { name: 'blocked', check: () => blocked, backoffMs: 30 },
      onResume: (ctx) => void seenByResume.push([ctx.timesThrottled, ctx.throttledMs]),
    });
    const worker = iterationWorker(b, queueName, [w.job]);
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => void events.push(event));
    try {
      const job = await w.job.enqueue(queue, {});
      const done = completion(worker, job.id!);
      const second = await eventually(() => events[1], 'a second throttle');
      expect(second).toMatchObject({ timesThrottled: 2, consecutive: 2 });
      expect(second.throttledMs).toBeGreaterThanOrEqual(30);

      // While the flag holds, every run ends throttled, so the last progress says so.
      const waiting = (await queue.getJob(job.id!))!;
      const progress = waiting.progress as IterationProgress;
      expect(progress).toMatchObject({
        status: 'throttled',
        processed: 0,
        timesInterrupted: 0,
        throttle: { condition: 'blocked', reason: 'check returned true', delayMs: 30 },
      });
      expect(progress.timesThrottled).toBeGreaterThanOrEqual(2);
      expect(progress.throttledMs).toBeGreaterThanOrEqual(30);
      const stored = await storedState(b, queueName, job.id!);
      expect(stored?.throttle).toMatchObject({ lastCondition: 'blocked' });
      expect(stored?.throttle?.timesThrottled).toBeGreaterThanOrEqual(2);
      expect(stored?.timesInterrupted).toBe(0);

      blocked = false;
      const result = (await done) as IterationSummary;
      const final = (await queue.getJob(job.id!))!.progress as IterationProgress;
      expect(final).toMatchObject({
        status: 'completed',
        processed: 5,
        timesThrottled: result.timesThrottled,
        throttledMs: result.throttledMs,
      });
      expect(final.throttle).toBeUndefined();
      expect(final.throttledMs).toBeGreaterThanOrEqual(30 * result.timesThrottled);
      // Each resumed run saw the throttles before it in its context.
      expect(seenByResume.map(([times]) => times)).toEqual(
        range(result.timesThrottled).map((i) => i + 1),
      );
      expect(seenByResume.at(-1)![1]).toBe(result.throttledMs);
    } finally {
      await worker.close();
    }
  });
});
