/** `bullmq-iteration failures <id>`: the items a run skipped after they failed, oldest first. */
import type { FailedItems } from '../../control/failed-items.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { line } from '../io.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = { ...TARGET_OPTIONS, json: { type: 'boolean' } } as const;

export const failuresCommand: Command = {
  name: 'failures',
  summary: 'list the items a run skipped after they failed (itemErrors: skip)',
  help: `Usage: bullmq-iteration failures <id> [options]

Lists the items run <id> skipped after they failed past their retries (a job defined with
itemErrors: { action: 'skip' }), oldest first: the cursor before each item, a preview of the
item, its error, when it was skipped and in which attempt. One summary line, then one logfmt
line per item (keys: cursor item error at attempt tries); --json prints the full records with
their stacks. Records beyond itemErrors.maxRecorded are only counted ("not recorded").

Options:
  --json                    print the skipped items as JSON

${TARGET_HELP}

Examples:
  bullmq-iteration failures 42
  bullmq-iteration failures 42 --json | jq '.items[].error.message'

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('failures', argv, OPTIONS, {
      names: ['id'],
    });
    const target = resolveTarget(values, io.env, io.cwd);
    const id = positionals[0]!;
    const failed = await withQueue(target, io, 'failures', async (queue) => {
      const { getFailedItems } = await import('../../control/failed-items.js');
      return getFailedItems(queue, id);
    });
    if (values.json) line(io.stdout, JSON.stringify(failed, null, 2));
    else for (const text of failureLines(failed)) line(io.stdout, text);
    return 0;
  },
};

/** The summary line, then one logfmt line per skipped item. */
export function failureLines(failed: FailedItems): string[] {
  const notRecorded = failed.dropped > 0 ? `, ${failed.dropped} not recorded` : '';
  const lines = [
    `job ${failed.jobId} (${failed.jobName}): ${failed.skipped} item${failed.skipped === 1 ? '' : 's'} skipped${notRecorded}`,
  ];
  for (const f of failed.items) {
    lines.push(
      [
        `cursor=${quote(JSON.stringify(f.cursor))}`,
        `item=${quote(f.item)}`,
        `error=${quote(`${f.error.name}: ${f.error.message}`)}`,
        `at=${new Date(f.at).toISOString()}`,
        `attempt=${f.attempt}`,
        `tries=${f.tries}`,
      ].join(' '),
    );
  }
  return lines;
}

function quote(text: string): string {
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}
