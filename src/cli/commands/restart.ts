/**
 * `bullmq-iteration restart <id>`: runs a job again from the beginning, as a new job with the same
 * name, params and options. The old job is left as it is, cursor included, so the record of where
 * it stood stays readable (`status <old id> --json`); each job's log names the other.
 */
import type { JobsOptions } from 'bullmq';

import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { line } from '../io.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';
import { existingJob } from './retry.js';

const RESTARTABLE = new Set(['completed', 'failed']);

export const restartCommand: Command = {
  name: 'restart',
  summary: 'run a finished or failed job again from the beginning, as a new job',
  help: `Usage: bullmq-iteration restart <id> [options]

Adds a new job with the name, params and options of job <id> and prints its id. The new job
starts from the beginning; job <id> keeps its state and cursor as a record, and the logs of
both jobs (bull-board shows them) say which restarted which, with the old cursor. Only a
completed (or cancelled) or failed job is restarted: cancel a running one first. A failed run
that should continue where it stopped wants \`retry <id>\` instead.

${TARGET_HELP}

Examples:
  bullmq-iteration restart 42
  id=$(bullmq-iteration restart cleanup-2024-05-01 -q nightly)

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('restart', argv, TARGET_OPTIONS, {
      names: ['id'],
    });
    const target = resolveTarget(values, io.env, io.cwd);
    const id = positionals[0]!;
    const added = await withQueue(target, io, 'restart', async (queue) => {
      const job = await existingJob(queue, id);
      const state = await job.getState();
      if (!RESTARTABLE.has(state)) {
        throw new CliError(
          `Job ${id} of queue "${target.queueName}" is ${state}: only a completed or failed job is ` +
            `restarted. \`bullmq-iteration cancel ${id}\` ends it first.`,
          ExitCode.refused,
        );
      }
      const { getRun } = await import('../../control/status.js');
      const old = await getRun(queue, id);
      const copy = await queue.add(job.name, job.data as never, restartOptions(job.opts));
      await copy.log(`restart of job ${id}, which stood at cursor ${JSON.stringify(old.cursor)}`);
      await job.log(
        `restarted as job ${copy.id!} from the beginning; this job stood at cursor ` +
          `${JSON.stringify(old.cursor)} after ${old.processed} items`,
      );
      return { id: copy.id!, old };
    });
    line(io.stdout, added.id);
    if (io.stderr.isTTY) {
      line(
        io.stderr,
        `restarted job ${id} (${added.old.jobName}) as job ${added.id}; job ${id} keeps its cursor ` +
          `${JSON.stringify(added.old.cursor)} as a record`,
      );
    }
    return ExitCode.ok;
  },
};

/** The old job's options without what belongs to that job alone (its id, its repeat key). */
function restartOptions(opts: JobsOptions): JobsOptions {
  const rest: Record<string, unknown> = { ...opts };
  for (const own of ['jobId', 'repeat', 'repeatJobKey']) delete rest[own];
  return rest as JobsOptions;
}
