/**
 * The actions a run's buttons send, each through the library's own control function (the same
 * the CLI calls) with the acting principal for the audit trail: pause, resume and cancel; and the
 * repairs: retry a failed run at its cursor, restart a finished one from the beginning or from a
 * cursor, replay the items it skipped.
 */
import { cancelRun, pauseRun, resumeRun } from '../control/commands.js';
import { restartRun } from '../control/restart.js';
import { retryRun } from '../control/retry.js';
import { retryFailedItems } from '../control/retry-failed.js';
import type { IterationRunInfo } from '../control/status.js';
import { getRun } from '../control/status.js';
import type { JsonValue } from '../json.js';
import type { QueueAccess } from './access.js';
import type { RunHistory } from './history.js';
import { queueOf } from './runs.js';

export const RUN_ACTIONS = ['pause', 'resume', 'cancel', 'retry', 'restart', 'replay'] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];

export interface ActionRequest {
  readonly queue: string | undefined;
  readonly jobId: string;
  readonly action: RunAction;
  readonly reason: string | undefined;
  /** Who acts, for the audit trail. */
  readonly actor: string;
  /** For a restart: the cursor to start at (`undefined`: the beginning). */
  readonly fromCursor?: JsonValue | undefined;
}

export interface ActionResult {
  /** The run acted on, as it stands now. */
  readonly run: IterationRunInfo;
  /** A restart or a replay adds a run: its id. */
  readonly newRunId?: string;
}

export async function actOnRun(
  access: QueueAccess,
  history: RunHistory,
  request: ActionRequest,
): Promise<ActionResult> {
  const result = await access.use(async (queues) => {
    const queue = queueOf(queues, request.queue ?? access.defaultQueue);
    const { jobId, reason } = request;
    const audit = { actor: request.actor, via: 'console' as const, reason };
    switch (request.action) {
      case 'pause':
        return { run: await pauseRun(queue, jobId, audit) };
      case 'resume':
        return { run: await resumeRun(queue, jobId, audit) };
      case 'cancel':
        return { run: await cancelRun(queue, jobId, audit) };
      case 'retry':
        await retryRun(queue, jobId, audit);
        return { run: await getRun(queue, jobId) };
      case 'restart': {
        const { job } = await restartRun(queue, jobId, {
          ...audit,
          ...(request.fromCursor === undefined ? {} : { fromCursor: request.fromCursor }),
        });
        return { run: await getRun(queue, jobId), newRunId: job.id! };
      }
      case 'replay': {
        const job = await retryFailedItems(queue, jobId, audit);
        return { run: await getRun(queue, jobId), newRunId: job.id! };
      }
    }
  });
  history.observe(result.run);
  return result;
}
