/**
 * `bullmq-iteration hold | release | holds`: holds for data moves. `hold --tag shard=db-3 --reason
 * "…"` parks every run tagged shard=db-3 at an item boundary (and keeps new ones from starting)
 * and prints the hold's id; `release <id>` lets them go on; `holds` lists the queue's holds.
 */
import type { Hold } from '../../control/holds.js';
import type { RunTags } from '../../control/tags.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, usageError } from '../exit-codes.js';
import { line } from '../io.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const HOLD_OPTIONS = {
  ...TARGET_OPTIONS,
  tag: { type: 'string', multiple: true },
  reason: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const holdCommand: Command = {
  name: 'hold',
  summary: 'hold the runs with some tags (a data move): they park until released',
  help: `Usage: bullmq-iteration hold --tag <name=value> [--tag …] --reason <text> [options]

Parks every run of the queue whose tags include all of the given ones at an item boundary
(within about a second), and keeps runs with those tags that start later parked, until
\`release <id>\`. Prints the hold's id. The hold is kept by the queue's store: it survives
worker restarts.

Options:
  --tag <name=value>        a tag the runs must have (repeat, or name=value,name=value)
  --reason <text>           why (shown as the held runs' status reason)
  --json                    print the hold as JSON

${TARGET_HELP}

Examples:
  bullmq-iteration hold --tag shard=db-3 --reason "moving db-3 to db-7"

${EXIT_CODES_HELP}`,
  async run(argv, io) {
    const { values } = parseCommandArgs('hold', argv, HOLD_OPTIONS, { names: [] });
    const tags = await parseTags(values.tag ?? []);
    if (values.reason === undefined || values.reason.trim() === '') {
      throw usageError('hold: --reason is required, e.g. --reason "moving db-3 to db-7".');
    }
    const reason = values.reason;
    const target = resolveTarget(values, io.env, io.cwd);
    const hold = await withQueue(target, io, 'hold', async (queue) => {
      const { holdRuns } = await import('../../control/holds.js');
      return holdRuns(queue, { tags, reason });
    });
    if (values.json) return (line(io.stdout, JSON.stringify(hold, null, 2)), 0);
    if (!io.stdout.isTTY) return (line(io.stdout, hold.id), 0);
    line(
      io.stdout,
      `${hold.id}: holding runs tagged ${tagText(hold.tags)}; release with \`release ${hold.id}\``,
    );
    return 0;
  },
};

export const releaseCommand: Command = {
  name: 'release',
  summary: 'release a hold: the runs it held go on from their checkpoints',
  help: `Usage: bullmq-iteration release <hold-id> [options]

Releases hold <hold-id> (\`holds\` lists them): the runs it parked are made due at once and go
on from their checkpoints.

${TARGET_HELP}

Examples:
  bullmq-iteration holds
  bullmq-iteration release hold-1f2e3d4c

${EXIT_CODES_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('release', argv, TARGET_OPTIONS, {
      names: ['hold-id'],
    });
    const id = positionals[0]!;
    const target = resolveTarget(values, io.env, io.cwd);
    await withQueue(target, io, 'release', async (queue) => {
      const { releaseHold } = await import('../../control/holds.js');
      await releaseHold(queue, id);
    });
    line(io.stdout, `${id}: released`);
    return 0;
  },
};

export const holdsCommand: Command = {
  name: 'holds',
  summary: "list the queue's holds",
  help: `Usage: bullmq-iteration holds [--json] [options]

Lists the holds of the queue, oldest first: id, tags, since when, and why.

Options:
  --json                    print the holds as JSON

${TARGET_HELP}

Examples:
  bullmq-iteration holds --queue maintenance

${EXIT_CODES_HELP}`,
  async run(argv, io) {
    const options = { ...TARGET_OPTIONS, json: { type: 'boolean' } } as const;
    const { values } = parseCommandArgs('holds', argv, options, { names: [] });
    const target = resolveTarget(values, io.env, io.cwd);
    const holds: Hold[] = await withQueue(target, io, 'holds', async (queue) => {
      const { listHolds } = await import('../../control/holds.js');
      return listHolds(queue);
    });
    if (values.json) return (line(io.stdout, JSON.stringify(holds, null, 2)), 0);
    if (holds.length === 0) return (line(io.stdout, 'no holds'), 0);
    for (const hold of holds) {
      const since = new Date(hold.createdAt).toISOString();
      line(io.stdout, `${hold.id}  ${tagText(hold.tags)}  since ${since}  ${hold.reason}`);
    }
    return 0;
  },
};

async function parseTags(texts: readonly string[]): Promise<RunTags> {
  if (texts.length === 0) throw usageError('hold: name at least one tag, e.g. --tag shard=db-3.');
  const { parseTagFilter } = await import('../../control/tags.js');
  try {
    return parseTagFilter(texts.join(','));
  } catch (error) {
    throw usageError(`hold: --tag: ${(error as Error).message}`);
  }
}

function tagText(tags: RunTags): string {
  return Object.entries(tags)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
}
