/**
 * `bullmq-iteration dashboard`: serves the web dashboard of a queue (src/dashboard) on loopback
 * until Ctrl-C. The access token for control actions comes from $BULLMQ_ITERATION_DASHBOARD_TOKEN
 * or is generated, and is printed once, inside the link to open; nothing logs it afterwards.
 */
import { resolve } from 'node:path';

import { ignoredGenericUrls } from '../../backend-choice.js';
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
  'all-queues': { type: 'boolean' },
  'upload-dir': { type: 'string' },
  'upload-max-mb': { type: 'string' },
} as const;

export const TOKEN_ENV = 'BULLMQ_ITERATION_DASHBOARD_TOKEN';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve the web console: runs live, new runs, pause/resume/cancel, repairs, audit',
  help: `Usage: bullmq-iteration dashboard [options]

Serves the web console of the queue's iteration runs: status, progress bar, rate, ETA, cursor,
interruptions and throttles, live without reloading, a page at a time, filtered by queue,
status, job and tags; a page per run with a chart, its params, events and audit trail; with
--module, a page per job with a "New run" form; pause, resume, cancel, retry, restart and replay
with a confirmation, and the same in bulk over a filter. Runs until Ctrl-C.

Actions need the access token: taken from $${TOKEN_ENV} when set (at least 16
characters), otherwise generated and printed once, inside the link to open.

Options:
  -p, --port <n>            TCP port (default: 4000; 0 picks a free one)
  --host <address>          interface to listen on (default: 127.0.0.1, this machine only)
  --read-only               show runs without controls; action requests answer 403
  -m, --module <path>       job module: a page per job with its "New run" form, and its jobs'
                            runs before they start
  --limit <n>               runs per page (default: 50)
  -q, --queue <a,b,…>       the queues to show, the first being the default for new runs
  --all-queues              every queue of the backend (same Redis prefix or PostgreSQL schema)
  --upload-dir <dir>        where CSV files uploaded for jobs with csvUpload are kept until
                            their run ends (the workers must read the same directory)
  --upload-max-mb <n>       largest upload in MiB (default: 10)

${TARGET_HELP}

Examples:
  bullmq-iteration dashboard
  bullmq-iteration dashboard -m ./jobs.ts --port 8080 --upload-dir /srv/imports
  BULLMQ_ITERATION_REDIS_URL=redis://localhost:6379 bullmq-iteration dashboard -q nightly,hourly --read-only

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values } = parseCommandArgs('dashboard', argv, OPTIONS, { names: [] });
    // `--queue a,b`: the first is the queue the target resolves (the default for new runs).
    const named = (values.queue ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const target = resolveTarget(
      { ...values, ...(named.length === 0 ? {} : { queue: named[0] }) },
      io.env,
      io.cwd,
    );
    for (const name of named) {
      if (name.includes(':'))
        throw usageError(`--queue expects queue names without ":", got "${name}".`);
    }
    const port = optionalInteger('--port', values.port, { min: 0, max: 65_535 }) ?? 4_000;
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw usageError('--host expects an address, e.g. 127.0.0.1.');
    const limit = optionalInteger('--limit', values.limit, { min: 1, max: 1_000 }) ?? 50;
    const uploadMb = optionalInteger('--upload-max-mb', values['upload-max-mb'], {
      min: 1,
      max: 1_024,
    });
    if (uploadMb !== undefined && values['upload-dir'] === undefined) {
      throw usageError('--upload-max-mb needs --upload-dir: the directory uploads go to.');
    }
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
      queues: {
        all: values['all-queues'] === true,
        names: named.length === 0 ? [target.queueName] : [...new Set(named)],
      },
      uploads:
        values['upload-dir'] === undefined
          ? undefined
          : {
              dir: resolve(io.cwd, values['upload-dir']),
              maxBytes: (uploadMb ?? 10) * 1024 * 1024,
            },
      ignored: ignoredGenericUrls(io.env),
    });
  },
};
