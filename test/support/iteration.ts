// Helpers for runtime integration tests: a silent IterationWorker on a backend of the matrix, raw
// access to the stored iteration state, lock stealing, and waiting for events.
import { once } from 'node:events';

import type { Job } from 'bullmq';
import { pino } from 'pino';

import type { AnyIterationJob, ControlQueue, IterationWorkerOptions } from '../../src/index.js';
import { IterationWorker, waitForRun } from '../../src/index.js';
import type { IterationState } from '../../src/runtime/state.js';
import type { AnyBackendUnderTest } from './backends.js';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** An IterationWorker on `b`, silent and without process signal handlers. */
export function iterationWorker(
  b: AnyBackendUnderTest,
  queueName: string,
  jobs: readonly AnyIterationJob[],
  options: Omit<IterationWorkerOptions, 'connection'> = {},
): IterationWorker {
  return new IterationWorker(
    queueName,
    jobs,
    {
      logger: silentLogger,
      handleSignals: false,
      ...b.workerDefaults,
      ...options,
      connection: b.connection,
    } as never,
    b.backendFactory as never,
  );
}

/** The iteration state stored for a job, read straight from Redis or PostgreSQL. */
export async function storedState(
  b: AnyBackendUnderTest,
  queueName: string,
  jobId: string,
): Promise<IterationState | undefined> {
  if (b.name === 'redis' || b.name === 'redis-cluster') {
    const raw = await b.redis().hget(`${b.prefix}:${queueName}:${jobId}`, 'iteration:state');
    return raw === null ? undefined : (JSON.parse(raw) as IterationState);
  }
  const { rows } = await b.sql<{ state: IterationState }>(
    'SELECT state FROM bullmq.bullmq_iteration_state WHERE queue = $1 AND job_id = $2',
    [queueName, jobId],
  );
  return rows[0]?.state;
}

/** Replaces the job's lock token, as if another worker had taken the job over. */
export async function stealLock(
  b: AnyBackendUnderTest,
  queueName: string,
  jobId: string,
): Promise<void> {
  if (b.name === 'redis' || b.name === 'redis-cluster') {
    const key = `${b.prefix}:${queueName}:${jobId}:lock`;
    await b.redis().set(key, 'another-worker-token', 'PX', 60_000);
    return;
  }
  await b.sql(
    "UPDATE bullmq.job SET lock_token = 'another-worker-token' WHERE queue = $1 AND id = $2",
    [queueName, jobId],
  );
}

/** The raw lock token of a job (undefined when unlocked). */
export async function lockToken(
  b: AnyBackendUnderTest,
  queueName: string,
  jobId: string,
): Promise<string | undefined> {
  if (b.name === 'redis' || b.name === 'redis-cluster') {
    return (await b.redis().get(`${b.prefix}:${queueName}:${jobId}:lock`)) ?? undefined;
  }
  const { rows } = await b.sql<{ lock_token: string | null }>(
    'SELECT lock_token FROM bullmq.job WHERE queue = $1 AND id = $2',
    [queueName, jobId],
  );
  return rows[0]?.lock_token ?? undefined;
}

/**
 * Resolves with the summary of run `jobId` once it has completed, even when it completed before
 * the call (a job enqueued by a control function that awaits more writes after adding it, such as
 * retryFailedItems, may be done by then, and `completion` would wait for an event already gone).
 */
export async function summaryOf(queue: ControlQueue, jobId: string): Promise<unknown> {
  return (await waitForRun(queue, jobId, { pollMs: 50, timeoutMs: 60_000 })).summary;
}

/** Resolves with the job once the worker's BullMQ `completed` event fires for `jobId`. */
export function completion(worker: IterationWorker, jobId: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onCompleted = (job: Job, result: unknown) => {
      if (job.id !== jobId) return;
      cleanup();
      resolve(result);
    };
    const onFailed = (job: Job | undefined, error: Error) => {
      if (job?.id !== jobId) return;
      // BullMQ emits `failed` for every failed attempt; only a final failure (which sets
      // finishedOn: no attempts left, or an unrecoverable error) ends the wait.
      if (!job.finishedOn) return;
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      worker.off('completed', onCompleted as never);
      worker.off('failed', onFailed as never);
    };
    worker.on('completed', onCompleted as never);
    worker.on('failed', onFailed as never);
  });
}

/** Waits for the next `event` of `emitter` whose first argument matches. */
export async function nextEvent<T>(
  emitter: NodeJS.EventEmitter,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for (;;) {
      const [payload] = (await once(emitter, event, { signal: ac.signal })) as [T];
      if (match(payload)) return payload;
    }
  } catch (error) {
    if (ac.signal.aborted) throw new Error(`no "${event}" event within ${timeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
