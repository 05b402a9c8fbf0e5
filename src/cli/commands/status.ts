/** `bullmq-iteration status [<id>]`: the iteration runs of a queue, or one run, once or watched. */
import { optionalInteger, parseCommandArgs } from '../args.js';
import type { CliBackend, CliQueue } from '../cli-backend.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { line, useColor } from '../io.js';
import { loadJobModule } from '../job-module.js';
import { withPartitionRows } from '../status/partitions.js';
import type { Snapshot, StatusFormat } from '../status/view.js';
import { jsonText, plainLines, terminalLines } from '../status/view.js';
import { watchStatus } from '../status/watch.js';
import { describeTarget, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  watch: { type: 'boolean', short: 'w' },
  interval: { type: 'string' },
  json: { type: 'boolean' },
  module: { type: 'string', short: 'm' },
  limit: { type: 'string' },
  partitions: { type: 'boolean', short: 'p' },
} as const;

export const statusCommand: Command = {
  name: 'status',
  summary: 'show runs with progress, rate and ETA (--watch to follow them)',
  help: `Usage: bullmq-iteration status [<id>] [options]

Shows the runs of a queue (or one run in detail): status, a progress bar, items processed,
rate, ETA, and how often each was interrupted, throttled and requeued after a transient
database or Redis error. Every job not completed is listed: running, waiting (even before its
first run), delayed, failed, and jobs no worker knows the name of (unknown-job). A running job
whose worker stopped reporting (its BullMQ lock is gone, or no progress for 30 s) shows as
stale. On a terminal it is a table; otherwise one logfmt line per run with fixed keys (id job
status processed total percent rate eta_ms interrupted throttled transient; "-" when unknown);
--json prints the full records.

Options:
  -w, --watch               refresh until Ctrl-C (redrawn in place on a terminal; elsewhere
                            only runs that changed are printed again, with a time= field)
  --interval <ms>           refresh period with --watch (default: 1000)
  --json                    JSON: an array (or one object for <id>); one line per refresh
                            with --watch
  -m, --module <path>       job module: also list its jobs' completed runs without progress
  --limit <n>               at most n jobs per BullMQ state, newest first (default: 50)
  -p, --partitions          a parallel run (shown once, with its aggregate bar) is followed
                            by one line per partition (its JSON has them in "partitions")

${TARGET_HELP}

Examples:
  bullmq-iteration status
  bullmq-iteration status --watch --module ./jobs.ts
  bullmq-iteration status 42 --json
  bullmq-iteration status 42 --partitions
  REDIS_URL=redis://localhost:6379 bullmq-iteration status -q maintenance -w

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('status', argv, OPTIONS, { names: ['id?'] });
    const target = resolveTarget(values, io.env, io.cwd);
    const intervalMs =
      optionalInteger('--interval', values.interval, { min: 100, unit: 'milliseconds' }) ?? 1_000;
    const limit = optionalInteger('--limit', values.limit, { min: 1, max: 10_000 }) ?? 50;
    if (values.interval !== undefined && !values.watch) {
      line(io.stderr, 'note: --interval only matters with --watch');
    }
    const names =
      values.module === undefined
        ? undefined
        : (await loadJobModule(values.module, io.cwd)).jobs.map((job) => job.name);
    const id = positionals[0];
    const format: StatusFormat = values.json ? 'json' : io.stdout.isTTY ? 'table' : 'plain';
    const rows = values.partitions && format !== 'json';
    const fetch = async (queue: CliQueue, backend?: CliBackend) => {
      const snapshot = await fetchSnapshot(queue, id, names, limit, backend?.description);
      return rows ? withPartitionRows(snapshot) : snapshot;
    };
    if (values.watch) {
      if (target.verbose) line(io.stderr, describeTarget(target));
      return watchStatus({ target, io, format, intervalMs, fetch });
    }
    const snapshot = await withQueue(target, io, 'status', fetch);
    print(snapshot, format, io);
    return 0;
  },
};

async function fetchSnapshot(
  queue: CliQueue,
  id: string | undefined,
  names: readonly string[] | undefined,
  limit: number,
  backend: string | undefined,
): Promise<Snapshot> {
  const { getRun, listRuns } = await import('../../control/status.js');
  if (id !== undefined) return { runs: [await getRun(queue, id)], single: true };
  return {
    runs: await listRuns(queue, { limit, ...(names ? { names } : {}) }),
    single: false,
    where: `queue "${queue.name}" on ${backend ?? 'this backend'}`,
  };
}

function print(snapshot: Snapshot, format: StatusFormat, io: CliIo): void {
  if (format === 'json') return line(io.stdout, jsonText(snapshot, true));
  const lines =
    format === 'table'
      ? terminalLines(snapshot, io.stdout.columns ?? 80, useColor(io.stdout, io.env))
      : plainLines(snapshot);
  for (const text of lines) line(io.stdout, text);
}
