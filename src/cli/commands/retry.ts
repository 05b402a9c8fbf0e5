/**
 * `bullmq-iteration retry <id>`: a failed run goes back to the queue and resumes at its cursor
 * (the iteration state stays beside the job; only BullMQ's failed state is cleared).
 */
import { parseCommandArgs } from '../args.js';
import { cliAudit } from '../audit-actor.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
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
      const { retryRun } = await import('../../control/retry.js');
      return retryRun(queue, id, {
        ...cliAudit(),
        resetAttempts: values['reset-attempts'] === true,
      });
    });
    line(
      io.stdout,
      `job ${id} (${result.jobName}): waiting — resumes at cursor ${JSON.stringify(result.cursor)} ` +
        `after ${result.processed} items (failed with: ${result.lastError ?? 'unknown error'})`,
    );
    return ExitCode.ok;
  },
};
