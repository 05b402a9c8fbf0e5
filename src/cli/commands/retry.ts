/**
 * `bullmq-iteration retry <id>`: a failed run goes back to the queue and resumes at its cursor
 * (the iteration state stays beside the job; only BullMQ's failed state is cleared).
 */
import type { Job } from 'bullmq';

import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { line } from '../io.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  'reset-attempts': { type: 'boolean' },
} as const;

export const retryCommand: Command = {
  name: 'retry',
  summary: 'put a failed run back in the queue; it resumes at its cursor',
  help: `Usage: bullmq-iteration retry <id> [--reset-attempts] [options]

Moves the failed run <id> back to the queue. The next worker resumes it at its last saved
cursor: the items finished before the failure are not done again. Refused (exit code 4) for a
run that is not failed: see \`status <id>\`, and \`restart <id>\` to run a finished job again.

Options:
  --reset-attempts          count its attempts from zero again (default: the retry is one more
                            attempt, so a job with attempts: 3 that failed 3 times gets one)

${TARGET_HELP}

Examples:
  bullmq-iteration retry 42
  bullmq-iteration retry 42 --reset-attempts -q nightly

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('retry', argv, OPTIONS, { names: ['id'] });
    const target = resolveTarget(values, io.env, io.cwd);
    const id = positionals[0]!;
    const result = await withQueue(target, io, 'retry', async (queue) => {
      const job = await existingJob(queue, id);
      const state = await job.getState();
      if (state !== 'failed') {
        throw new CliError(
          `Job ${id} of queue "${target.queueName}" is ${state}, not failed: nothing to retry.` +
            (state === 'completed' ? ` \`bullmq-iteration restart ${id}\` runs it again.` : ''),
          ExitCode.refused,
        );
      }
      const { getRun } = await import('../../control/status.js');
      const before = await getRun(queue, id);
      await job.retry('failed', { resetAttemptsMade: values['reset-attempts'] === true });
      return before;
    });
    line(
      io.stdout,
      `job ${id} (${result.jobName}): waiting — resumes at cursor ${JSON.stringify(result.cursor)} ` +
        `after ${result.processed} items (failed with: ${result.lastError ?? 'unknown error'})`,
    );
    return ExitCode.ok;
  },
};

/** The job, or a refusal naming the queue (exit code 4). */
export async function existingJob(
  queue: { name: string; getJob(id: string): Promise<Job | undefined> },
  id: string,
): Promise<Job> {
  const job = await queue.getJob(id);
  if (job === undefined || job === null) {
    throw new CliError(
      `No job with id "${id}" in queue "${queue.name}". \`bullmq-iteration status\` lists the runs.`,
      ExitCode.refused,
    );
  }
  return job;
}
