/**
 * `bullmq-iteration rate <id> <n|off>`: sets a run's rate limit (rows a second for the whole run,
 * across its partitions and workers) while it goes on, or removes it; takes effect within about a
 * second. Prints the run with the limit now in force.
 */
import type { IterationRunInfo } from '../../control/status.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, usageError } from '../exit-codes.js';
import { line } from '../io.js';
import { plainLine } from '../status/lines.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  json: { type: 'boolean' },
  burst: { type: 'string' },
} as const;

export const rateCommand: Command = {
  name: 'rate',
  summary: "set a run's rate limit (rows a second, for the whole run) while it goes on",
  help: `Usage: bullmq-iteration rate <id> <items-per-second|off> [--burst <n>] [options]

Limits run <id> to <items-per-second> rows a second across all its partitions, workers and
machines, or removes its limit (\`off\`, also a limit from the job's definition). Running
partitions follow within about a second. A batch counts its rows.

Options:
  --burst <n>               most rows back to back after an idle spell (default: one second's)
  --json                    print the run as JSON

${TARGET_HELP}

Examples:
  bullmq-iteration rate 42 200
  bullmq-iteration rate 42 off

${EXIT_CODES_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('rate', argv, OPTIONS, {
      names: ['id', 'items-per-second'],
    });
    const [id, value] = positionals as [string, string];
    const perSecond = value === 'off' ? null : Number(value);
    if (perSecond !== null && !(Number.isFinite(perSecond) && perSecond > 0)) {
      throw usageError(
        `rate: expected a number of rows a second above 0 or \`off\`, got "${value}".`,
      );
    }
    const burst = values.burst === undefined ? undefined : Number(values.burst);
    if (burst !== undefined && !(Number.isSafeInteger(burst) && burst >= 1)) {
      throw usageError(`rate: expected --burst to be a whole number ≥ 1, got "${values.burst}".`);
    }
    const target = resolveTarget(values, io.env, io.cwd);
    const run: IterationRunInfo = await withQueue(target, io, 'rate', async (queue) => {
      const { setRunRate } = await import('../../control/rate.js');
      const { getRun } = await import('../../control/status.js');
      await setRunRate(queue, id, perSecond, burst === undefined ? {} : { burst });
      return getRun(queue, id);
    });
    if (values.json) return (line(io.stdout, JSON.stringify(run, null, 2)), 0);
    if (!io.stdout.isTTY) return (line(io.stdout, plainLine(run)), 0);
    line(
      io.stdout,
      perSecond === null
        ? `job ${id} (${run.jobName}): no rate limit; running partitions follow within a second`
        : `job ${id} (${run.jobName}): at most ${perSecond} rows a second; running partitions follow within a second`,
    );
    return 0;
  },
};
