/**
 * Pause, resume and cancel runs from any process or machine: a request is stored beside the job,
 * and the worker running it (or the next to pick it up) obeys at its next item boundary, within
 * about `controlPollIntervalMs`. Jobs waiting in BullMQ's delayed set (requeued, throttled or
 * paused) are handled at once: parked or woken so that the request takes effect promptly.
 */
import type { Job } from 'bullmq';

import { RunControlError } from '../errors.js';
import type { ControlAction } from '../runtime/control-request.js';
import { parseControl, serializeControl } from '../runtime/control-request.js';
import { PARK_DELAY_MS } from '../runtime/run.js';
import type { AuditOptions } from './audit.js';
import { recordAudit } from './audit.js';
import { moveDelayedPartitions } from './partition-moves.js';
import type { IterationRunInfo } from './status.js';
import { getRun } from './status.js';
import type { ControlQueue } from './target.js';
import { findJob, storeOf } from './target.js';

export interface ControlOptions extends AuditOptions {
  /** Why, for the status, the logs and the audit trail: `"incident 4711: replica lag"`. */
  readonly reason?: string | undefined;
}

/**
 * Pauses a run: a running job stops at its next item boundary, saves its cursor and parks without
 * holding a worker slot; a waiting or delayed job parks before it starts again. Idempotent. On
 * the parent of a parallel run, every partition pauses (those added later too).
 *
 * @example
 * ```ts
 * await pauseRun(queue, job.id!, { reason: 'database maintenance' });
 * ```
 */
export async function pauseRun(
  queue: ControlQueue,
  jobId: string,
  options: ControlOptions = {},
): Promise<IterationRunInfo> {
  const job = await request(queue, jobId, 'pause', options);
  // A job waiting in the delayed set is parked right away instead of when it next comes due.
  if ((await job.getState()) === 'delayed') await quietly(job.changeDelay(PARK_DELAY_MS));
  // A parallel run: its partitions obey the parent's request; delayed ones are parked now.
  await moveDelayedPartitions(queue, jobId, (child) => child.changeDelay(PARK_DELAY_MS));
  await recordAudit(queue, jobId, 'pause', options);
  return getRun(queue, jobId);
}

/**
 * Resumes a paused run (or withdraws a pause not yet served): it continues from its cursor as
 * soon as a worker is free; on a parallel run's parent, every partition parked by its pause does. Throws `RunControlError` (`not-paused`) when no pause is in force.
 */
export async function resumeRun(
  queue: ControlQueue,
  jobId: string,
  options: ControlOptions = {},
): Promise<IterationRunInfo> {
  const job = await findJob(queue, jobId);
  await refuseFinished(queue, job, 'resume');
  const store = storeOf(queue);
  const ref = { queueName: queue.name, id: jobId };
  const control = parseControl(await store.loadControl(ref));
  if (control?.action !== 'pause') {
    throw new RunControlError(
      `Job "${jobId}" of queue "${queue.name}" is not paused${control ? ` (a ${control.action} is pending)` : ''}; there is nothing to resume.`,
      { code: 'not-paused', jobId, queueName: queue.name },
    );
  }
  await store.setControl(ref, null);
  if ((await job.getState()) === 'delayed') await quietly(job.promote());
  // Parked partitions of a parallel run wake up; one paused on its own parks again.
  await moveDelayedPartitions(queue, jobId, (child) => child.promote());
  await recordAudit(queue, jobId, 'resume', options);
  return getRun(queue, jobId);
}

/**
 * Cancels a run: a running job stops at its next item boundary, runs `onShutdown` and ends with
 * outcome `cancelled` (BullMQ completes it: no retry, no failure); its cursor stays stored for
 * inspection. A delayed or paused job is woken so a worker ends it promptly. On the parent of a
 * parallel run, every partition is cancelled, pending ones are never started, and the run ends
 * `cancelled` once its partitions have stopped.
 */
export async function cancelRun(
  queue: ControlQueue,
  jobId: string,
  options: ControlOptions = {},
): Promise<IterationRunInfo> {
  const job = await request(queue, jobId, 'cancel', options);
  if ((await job.getState()) === 'delayed') await quietly(job.promote());
  await moveDelayedPartitions(queue, jobId, (child) => child.promote());
  await recordAudit(queue, jobId, 'cancel', options);
  return getRun(queue, jobId);
}

async function request(
  queue: ControlQueue,
  jobId: string,
  action: ControlAction,
  options: ControlOptions,
): Promise<Job> {
  const job = await findJob(queue, jobId);
  await refuseFinished(queue, job, action);
  const reason = options.reason;
  await storeOf(queue).setControl(
    { queueName: queue.name, id: jobId },
    serializeControl({ action, requestedAt: Date.now(), ...(reason ? { reason } : {}) }),
  );
  return job;
}

async function refuseFinished(queue: ControlQueue, job: Job, action: string): Promise<void> {
  const state = await job.getState();
  if (state === 'completed' || state === 'failed') {
    const run = await getRun(queue, job.id!);
    throw new RunControlError(
      `Job "${job.id}" of queue "${queue.name}" has already ${run.status === 'cancelled' ? 'been cancelled' : state}; there is nothing to ${action}.` +
        (state === 'failed' ? ' Retry it with job.retry() to run it again from its cursor.' : ''),
      { code: 'finished', jobId: job.id!, queueName: queue.name },
    );
  }
}

/** Moves that race a worker (the job left the delayed set meanwhile) are fine to lose. */
async function quietly(move: Promise<unknown>): Promise<void> {
  try {
    await move;
  } catch {
    // The job moved on by itself; the stored request still reaches it.
  }
}
