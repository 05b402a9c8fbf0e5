/**
 * `bullmq-iteration restart <id> [--from-cursor JSON]`: runs a job again as a new job with the same
 * name, params and options, from the beginning or from a chosen cursor (see `restartRun`). The old
 * job is left as it is, cursor included, so the record of where it stood stays readable
 * (`status <old id> --json`); each job's log names the other.
 */
import type { JsonValue } from '../../json.js';
import { parseCommandArgs } from '../args.js';
import { cliAudit } from '../audit-actor.js';
import type { Command } from '../command.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { line } from '../io.js';
import { parseJsonArgument } from '../json-argument.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  'from-cursor': { type: 'string' },
} as const;

export const restartCommand: Command = {
  name: 'restart',
  summary: 'run a finished or failed job again, from the beginning or a chosen cursor',
  help: `Usage: bullmq-iteration restart <id> [--from-cursor JSON] [options]

Adds a new job with the name, params and options of job <id> and prints its id. The new job
starts from the beginning, or with --from-cursor at that cursor: the position after the last
item to leave out, to step past a poison row. Job <id> keeps its state and cursor as a record;
the logs of both jobs (bull-board shows them) say which restarted which, with the old cursor,
and a restart from a cursor records it in the new job's state too (\`status <new id>\`). Only a
completed (or cancelled) or failed job is restarted: cancel a running one first. A failed run
that should continue where it stopped wants \`retry <id>\` instead.

Options:
  --from-cursor <json>      start at this cursor, in the enumerator's format (as
                            \`status <id> --json\` shows it): 4822, '{"id":"4822"}'

${TARGET_HELP}

Examples:
  bullmq-iteration restart 42
  bullmq-iteration restart 42 --from-cursor '{"id":"4822"}'
  id=$(bullmq-iteration restart cleanup-2024-05-01 -q nightly)

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('restart', argv, OPTIONS, {
      names: ['id'],
    });
    const target = resolveTarget(values, io.env, io.cwd);
    const id = positionals[0]!;
    const text = values['from-cursor'];
    const fromCursor = text === undefined ? undefined : startCursor(id, text);
    const { job, restarted } = await withQueue(target, io, 'restart', async (queue) => {
      const { restartRun } = await import('../../control/restart.js');
      return restartRun(queue, id, {
        ...cliAudit(),
        ...(fromCursor === undefined ? {} : { fromCursor }),
      });
    });
    line(io.stdout, job.id!);
    // On stderr, so `id=$(bullmq-iteration restart 42)` still captures the id alone.
    const start =
      fromCursor === undefined ? 'the beginning' : `cursor ${JSON.stringify(fromCursor)}`;
    line(
      io.stderr,
      `restarted job ${id} (${restarted.jobName}) as job ${job.id!} from ${start}; job ${id} ` +
        `keeps its cursor ${JSON.stringify(restarted.cursor)} (after ${restarted.processed} items) as a record`,
    );
    return ExitCode.ok;
  },
};

/** The start cursor given on the command line; its error names the job it was meant for. */
function startCursor(id: string, text: string): JsonValue {
  try {
    return parseJsonArgument('--from-cursor', text) as JsonValue;
  } catch (error) {
    if (error instanceof CliError) error.message = `cannot restart job ${id}: ${error.message}`;
    throw error;
  }
}
