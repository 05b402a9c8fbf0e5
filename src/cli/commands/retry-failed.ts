/** `bullmq-iteration retry-failed <id>`: enqueue a replay of the items a run skipped. */
import { parseCommandArgs } from '../args.js';
import { cliAudit } from '../audit-actor.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { line } from '../io.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = { ...TARGET_OPTIONS, json: { type: 'boolean' } } as const;

export const retryFailedCommand: Command = {
  name: 'retry-failed',
  summary: 'enqueue a new run that replays exactly the items a run skipped',
  help: `Usage: bullmq-iteration retry-failed <id> [options]

Enqueues a new job of the same name that visits exactly the items run <id> skipped (see
\`failures <id>\`), oldest first: it rebuilds the job's enumerator at each recorded cursor and
processes the item found there when it is still the recorded one. Fix the cause first. Items
that fail again are recorded in the new job's own list (\`failures <new id>\`); the original list
is left as it was. A worker that knows the job must be running. Prints the new job's id.

Options:
  --json                    print { "id", "name", "replays" } as JSON

${TARGET_HELP}

Examples:
  bullmq-iteration retry-failed 42
  bullmq-iteration failures "$(bullmq-iteration retry-failed 42)"

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('retry-failed', argv, OPTIONS, {
      names: ['id'],
    });
    const target = resolveTarget(values, io.env, io.cwd);
    const id = positionals[0]!;
    const job = await withQueue(target, io, 'retry-failed', async (queue) => {
      const { retryFailedItems } = await import('../../control/retry-failed.js');
      return retryFailedItems(queue as never, id, cliAudit());
    });
    if (values.json) line(io.stdout, JSON.stringify({ id: job.id, name: job.name, replays: id }));
    else line(io.stdout, job.id!);
    return 0;
  },
};
