/** `bullmq-iteration demo`: the demo of `npm run demo`, from the installed package. */
import { optionalInteger, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { resolveTarget } from '../target.js';

const OPTIONS = {
  rows: { type: 'string' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'a resumable backfill whose worker process gets a real SIGTERM, checked row by row',
  help: `Usage: bullmq-iteration demo [--rows <n>] [options]

Creates a table of accounts, runs an iteration job over it in a worker process with a live
progress line, sends that process a real SIGTERM part way through (a deploy, at a batch chosen
at random between 30 and 65 %), lets a second worker process resume, and checks every row was
processed exactly once. Needs nothing installed: without a URL it runs on an embedded database
in memory (it never touches ./.bullmq-iteration), even with REDIS_URL or DATABASE_URL exported.
Exits with 0 when the check passes, 1 otherwise.

Options:
  --rows <n>                rows in the table (default: $DEMO_ROWS, else 50000)
  --redis-url <url>         queues on Redis (default: $BULLMQ_ITERATION_REDIS_URL); the table
                            then needs a PostgreSQL: $DEMO_DATABASE_URL
  --database-url <url>      queues and table on PostgreSQL
                            (default: $BULLMQ_ITERATION_DATABASE_URL)
  --timeout <ms>            longest wait for the server to answer (default: 10000)

Examples:
  bullmq-iteration demo
  bullmq-iteration demo --rows 5000 --database-url postgres://localhost/scratch

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values } = parseCommandArgs('demo', argv, OPTIONS, { names: [] });
    const rows =
      optionalInteger('--rows', values.rows ?? io.env.DEMO_ROWS, { min: 1_000, max: 10_000_000 }) ??
      50_000;
    const { source, timeoutMs } = resolveTarget(values, io.env, io.cwd);
    const [{ connect }, { runDemo }] = await Promise.all([
      import('../../connect.js'),
      import('../demo/run-demo.js'),
    ]);
    const open = async () => {
      try {
        return await connect({
          env: {},
          connectTimeoutMs: timeoutMs,
          ...(source.kind === 'redis' ? { redisUrl: source.url } : {}),
          ...(source.kind === 'postgres' ? { databaseUrl: source.url } : {}),
        });
      } catch (error) {
        if (source.kind === 'embedded') throw error;
        throw new CliError((error as Error).message, ExitCode.unreachable, { cause: error });
      }
    };
    return runDemo({
      rows,
      out: io.stdout,
      kind: source.kind,
      selectedBy: source.from,
      open,
      tableDatabaseUrl: io.env.DEMO_DATABASE_URL,
    });
  },
};
