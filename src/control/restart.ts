/**
 * `restartRun`: run a finished or failed job again as a new job of the same name, params and
 * options, from the beginning or from a chosen cursor (to step past a poison row). The old job is
 * left as it was, cursor included, as the record of where it stood; the logs of both jobs name the
 * other, and a restart from a cursor records the old cursor in the new job's state as well.
 */
import type { Job, JobsOptions } from 'bullmq';

import { CursorError, RunControlError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import { partitionData, partitionOf, restartData, unwrapRestart } from '../runtime/origin.js';
import type { AuditOptions } from './audit.js';
import { recordAudit } from './audit.js';
import type { ReplayQueue } from './retry-failed.js';
import { readStoredState } from './run-status.js';
import type { IterationRunInfo } from './status.js';
import { getRun } from './status.js';
import { findJob, storeOf } from './target.js';

export interface RestartOptions extends AuditOptions {
  /** Why, for the audit trail of both runs. */
  readonly reason?: string | undefined;
  /**
   * Start the new job at this cursor instead of the beginning: the position after the last item
   * to leave out, in the enumerator's own cursor format (as `status <id> --json` shows cursors).
   * It must be plain JSON data; the job's enumerator checks it when the new job starts.
   * @defaultValue the beginning
   */
  readonly fromCursor?: JsonValue | null;
  /** BullMQ options of the new job, over the old job's own. @defaultValue the old job's */
  readonly jobOptions?: JobsOptions;
}

/** The new job, and the old one as it stood when it was restarted. */
export interface RestartedRun {
  readonly job: Job;
  readonly restarted: IterationRunInfo;
}

const RESTARTABLE = new Set(['completed', 'failed']);

/**
 * Adds a new job with the name, params and options of job `jobId`, which must be completed (or
 * cancelled) or failed. Without `fromCursor` it starts from the beginning; with it, at that cursor,
 * and its state records the restart (`restart`: the old job's id, cursor and items processed, and
 * the start cursor). `processed` counts the new job's own items only.
 *
 * Throws `RunControlError` (`not-found`, or `not-finished` for a job still running or waiting)
 * and `CursorError` when `fromCursor` is not plain JSON data.
 *
 * @example
 * ```ts
 * // Job 42 failed on the row after { id: '4821' } every time: start after that row.
 * const { job } = await restartRun(queue, '42', { fromCursor: { id: '4822' } });
 * ```
 */
export async function restartRun(
  queue: ReplayQueue,
  jobId: string,
  options: RestartOptions = {},
): Promise<RestartedRun> {
  const { fromCursor } = options;
  const job = await findJob(queue, jobId);
  if (fromCursor !== undefined) checkCursor(job, queue.name, fromCursor);
  const bullState = await job.getState();
  if (!RESTARTABLE.has(bullState)) {
    throw new RunControlError(
      `Job "${jobId}" of queue "${queue.name}" is ${bullState}: only a completed, cancelled or ` +
        `failed job is restarted. Cancel it first (cancelRun, or \`bullmq-iteration cancel ${jobId}\`).`,
      { code: 'not-finished', jobId, queueName: queue.name },
    );
  }
  const restarted = await getRun(queue, jobId);
  if (fromCursor !== undefined && restarted.partitions !== undefined) {
    throw new RunControlError(
      `Job "${jobId}" of queue "${queue.name}" is a parallel run: its partitions have cursors of ` +
        'their own, so it restarts from the beginning only. Restart one partition from a cursor ' +
        `instead (its id is shown by \`bullmq-iteration status ${jobId} --partitions\`).`,
      { code: 'invalid', jobId, queueName: queue.name },
    );
  }
  // A partition restarts on its bounds now: a split gave the rest to another partition.
  const data = withBounds(await storeOf(queue).load({ queueName: queue.name, id: jobId }), job);
  const restartedData =
    fromCursor === undefined
      ? unwrapRestart(data)
      : restartData(
          {
            of: jobId,
            from: fromCursor,
            oldCursor: restarted.cursor,
            oldProcessed: restarted.processed,
            at: Date.now(),
          },
          data,
        );
  const copy = await queue.add(job.name, restartedData, {
    ...ownOptionsDropped(job.opts),
    ...options.jobOptions,
  });
  const start = fromCursor === undefined ? 'the beginning' : `cursor ${JSON.stringify(fromCursor)}`;
  const stood = `cursor ${JSON.stringify(restarted.cursor)} after ${restarted.processed} items`;
  await copy.log(`restart of job ${jobId} from ${start}; job ${jobId} stood at ${stood}`);
  await job.log(`restarted as job ${copy.id!} from ${start}; this job stood at ${stood}`);
  await recordAudit(queue, jobId, 'restart', {
    ...options,
    detail: `restarted as run ${copy.id!} from ${start}`,
  });
  await recordAudit(queue, copy.id!, 'start', {
    ...options,
    detail: `restart of run ${jobId} from ${start}`,
  });
  return { job: copy, restarted };
}

/** A partition's data with the bounds its state says it has now; any other job's data as it is. */
function withBounds(stateText: string | undefined, job: Job): unknown {
  const partition = partitionOf(unwrapRestart(job.data));
  const shrunk = readStoredState(stateText)?.partition;
  if (partition === undefined || shrunk === undefined) return job.data;
  return partitionData({ ...partition, value: shrunk });
}

/** The old job's options without what belongs to that job alone (its id, its repeat key). */
function ownOptionsDropped(opts: JobsOptions): JobsOptions {
  const rest: Record<string, unknown> = { ...opts };
  for (const own of ['jobId', 'repeat', 'repeatJobKey']) delete rest[own];
  return rest as JobsOptions;
}

function checkCursor(job: Job, queueName: string, cursor: unknown): void {
  const problem = describeNonJson(cursor, 'fromCursor');
  if (problem === undefined) return;
  throw new CursorError(
    `Cannot restart job "${job.id!}" (${job.name}) of queue "${queueName}" from cursor ` +
      `${preview(cursor, 80)}: it is not plain JSON data (${problem}). Give the cursor as JSON, ` +
      `in the format \`bullmq-iteration status ${job.id!} --json\` shows, e.g. { id: '4822' }.`,
    { cursor, jobName: job.name },
  );
}
