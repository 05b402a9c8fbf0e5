/**
 * `bullmq-iteration dashboard`: serves the web dashboard of a queue (src/dashboard) on loopback
 * until Ctrl-C. The access token for control actions comes from $BULLMQ_ITERATION_DASHBOARD_TOKEN
 * or is generated, and is printed once, inside the link to open; nothing logs it afterwards.
 */
import { optionalInteger, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, usageError } from '../exit-codes.js';
import { loadJobModule } from '../job-module.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'read-only': { type: 'boolean' },
  module: { type: 'string', short: 'm' },
  limit: { type: 'string' },
} as const;

export const TOKEN_ENV = 'BULLMQ_ITERATION_DASHBOARD_TOKEN';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve a web page of the runs, live, with pause, resume and cancel',
  help: `Usage: bullmq-iteration dashboard [options]

Serves a web dashboard of the queue's iteration runs: status, progress bar, rate, ETA, cursor,
interruptions and throttles, live without reloading; a page per run with a chart, its params and
events; pause, resume and cancel with a confirmation. Runs until Ctrl-C.

Control actions need the access token: taken from $${TOKEN_ENV} when set
(at least 16 characters), otherwise generated and printed once, inside the link to open.

Options:
  -p, --port <n>            TCP port (default: 4000; 0 picks a free one)
  --host <address>          interface to listen on (default: 127.0.0.1, this machine only)
  --read-only               show runs without controls; control requests answer 403
  -m, --module <path>       job module: a Jobs page, and its jobs' runs before they start
  --limit <n>               at most n jobs per BullMQ state, newest first (default: 100)

${TARGET_HELP}

Examples:
  bullmq-iteration dashboard
  bullmq-iteration dashboard -m ./jobs.ts --port 8080
  REDIS_URL=redis://localhost:6379 bullmq-iteration dashboard -q nightly --read-only

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values } = parseCommandArgs('dashboard', argv, OPTIONS, { names: [] });
    const target = resolveTarget(values, io.env, io.cwd);
    const port = optionalInteger('--port', values.port, { min: 0, max: 65_535 }) ?? 4_000;
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw usageError('--host expects an address, e.g. 127.0.0.1.');
    const limit = optionalInteger('--limit', values.limit, { min: 1, max: 10_000 }) ?? 100;
    const readOnly = values['read-only'] === true;
    const given = io.env[TOKEN_ENV];
    if (given !== undefined && given !== '' && given.length < 16) {
      throw usageError(`$${TOKEN_ENV} must be at least 16 characters, got ${given.length}.`);
    }
    const jobs =
      values.module === undefined ? [] : (await loadJobModule(values.module, io.cwd)).jobs;

    const { serveDashboard } = await import('../../dashboard/cli-server.js');
    return serveDashboard({
      target,
      io,
      host,
      port,
      limit,
      readOnly,
      jobs,
      token: given || undefined,
    });
  },
};
