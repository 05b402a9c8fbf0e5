/** `bullmq-iteration worker <module>`: runs the module's iteration jobs until Ctrl-C or SIGTERM. */
import { optionalInteger, parseCommandArgs } from '../args.js';
import type { CliBackend } from '../cli-backend.js';
import type { Command } from '../command.js';
import { settleWithin, withDeadline } from '../deadline.js';
import { CliError, EXIT_CODES_HELP, ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { line } from '../io.js';
import { loadJobModule } from '../job-module.js';
import type { ProcessGuard } from '../process-guard.js';
import { guardProcess, signalForwardingWarning } from '../process-guard.js';
import { listenForStop, signalExitCode, type StopRequest } from '../stop-signal.js';
import {
  describeTarget,
  resolveTarget,
  type Target,
  TARGET_HELP,
  TARGET_OPTIONS,
} from '../target.js';
import { logLifecycle } from '../worker-log.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  concurrency: { type: 'string', short: 'c' },
  quiet: { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the iteration jobs of a module until Ctrl-C or SIGTERM',
  help: `Usage: bullmq-iteration worker <module> [options]

Loads <module> (JavaScript, or TypeScript through tsx) and runs its iteration jobs from the
queue: its named exports made with defineIterationJob and/or a default export array of them.
Prints a line per run event (started, resumed, interrupted, throttled, paused, cancelled,
completed, failed) on stdout; library warnings go to stderr as JSON.

An unhandled rejection from job code (a step that forgot an \`await\`) and an uncaught
connection error (a pg.Pool without an 'error' listener during a database restart) are logged
and the worker keeps running; any other uncaught exception drains it as below and exits with 1.

Run it as the container's main process (PID 1: \`node node_modules/.bin/bullmq-iteration\` or
\`exec\`), not under npx or npm, which do not forward SIGTERM; see the CLI guide.

The first SIGINT (Ctrl-C) or SIGTERM stops gracefully: each running job finishes its item, saves
its cursor and goes back to the queue; then the worker exits with code 0. A second signal exits
at once (130 for SIGINT, 143 for SIGTERM); jobs then resume from their last checkpoint.

On the embedded database the worker also serves it to the other commands (enqueue, status, …)
run from the same directory; see the CLI guide.

Options:
  -c, --concurrency <n>     jobs run at once (default: 1)
  --quiet                   no event lines (errors still go to stderr)
  --log-level <level>       library log level: ${LOG_LEVELS.join(', ')} (default: $LOG_LEVEL, else warn)

${TARGET_HELP}

Examples:
  bullmq-iteration worker ./jobs.ts
  bullmq-iteration worker ./dist/jobs.js --concurrency 4 --queue maintenance
  BULLMQ_ITERATION_DATABASE_URL=postgres://app@db/app bullmq-iteration worker ./jobs.js --quiet

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('worker', argv, OPTIONS, {
      names: ['module'],
    });
    const concurrency =
      optionalInteger('--concurrency', values.concurrency, { min: 1, max: 1_000 }) ?? 1;
    const level = values['log-level'] ?? io.env.LOG_LEVEL ?? 'warn';
    if (!LOG_LEVELS.includes(level)) {
      throw usageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got "${level}".`);
    }
    const target = resolveTarget(values, io.env, io.cwd);
    // Before the module loads: its top-level code may already leave a rejection unhandled.
    const guard = guardProcess((text) => line(io.stderr, text));
    const forwarding = signalForwardingWarning(io.env);
    if (forwarding !== undefined) line(io.stderr, forwarding);
    const { jobs } = await loadJobModule(positionals[0]!, io.cwd).catch((error: unknown) => {
      guard.dispose();
      throw error;
    });
    // Listening before the backend opens: a Ctrl-C during start-up still ends cleanly.
    const stop = listenForStop((signal) => {
      line(
        io.stderr,
        `received ${signal} again; exiting now (jobs resume from their last checkpoint)`,
      );
      process.exit(signalExitCode(signal));
    });
    try {
      return await serve({
        target,
        io,
        jobs,
        concurrency,
        level,
        quiet: values.quiet === true,
        stop,
        guard,
      });
    } finally {
      stop.dispose();
      guard.dispose();
    }
  },
};

interface Serve {
  readonly target: Target;
  readonly io: CliIo;
  readonly jobs: Awaited<ReturnType<typeof loadJobModule>>['jobs'];
  readonly concurrency: number;
  readonly level: string;
  readonly quiet: boolean;
  readonly stop: StopRequest;
  readonly guard: ProcessGuard;
}

async function serve(options: Serve): Promise<number> {
  const { target, io, stop } = options;
  if (target.verbose) line(io.stderr, describeTarget(target));
  const { openBackend } = await import('../open-backend.js');
  const backend = await openBackend(target.source, {
    role: 'worker',
    command: 'worker',
    timeoutMs: target.timeoutMs,
    notice: (message) => line(io.stderr, message),
  });
  try {
    return await runWorker(options, backend);
  } finally {
    await settleWithin(backend.release(), 10_000);
    if (stop.signal !== undefined) line(io.stderr, 'worker stopped');
  }
}

async function runWorker(options: Serve, backend: CliBackend): Promise<number> {
  const { target, io, stop, jobs, guard } = options;
  if (backend.worker === undefined) {
    throw new CliError('This backend cannot run a worker in this process.', ExitCode.failure);
  }
  const { pino } = await import('pino');
  const worker = backend.worker(target.queueName, jobs, {
    concurrency: options.concurrency,
    // The CLI owns the process: it closes the worker, then the embedded database, then exits.
    handleSignals: false,
    logger: pino({ name: 'bullmq-iteration', level: options.level }, pino.destination(2)),
  });
  let lastError: string | undefined;
  worker.on('error', (error) => {
    // BullMQ repeats connection errors while it retries; one line per new message is enough.
    if (error.message === lastError) return;
    lastError = error.message;
    line(io.stderr, `worker error: ${error.message}`);
  });
  if (!options.quiet) logLifecycle(worker, (text) => line(io.stdout, text));
  let started = false;
  let failed = false;
  const fatal = guard.fatal.then(() => {
    failed = true;
    return 'fatal' as const;
  });
  try {
    const ready = await Promise.race([
      withDeadline(worker.waitUntilReady(), target.timeoutMs, backend.description, () => lastError),
      stop.stopped,
      fatal,
    ]);
    if (typeof ready !== 'string') {
      started = true;
      line(
        io.stdout,
        `worker ready: queue "${target.queueName}" on ${backend.description} ` +
          `(from ${target.source.from}); ` +
          `jobs ${jobs.map((job) => job.name).join(', ')}; concurrency ${options.concurrency}. ` +
          'Ctrl-C to stop.',
      );
      const signal = await Promise.race([stop.stopped, fatal]);
      if (signal !== 'fatal') {
        line(
          io.stderr,
          `received ${signal}: finishing the items in flight and requeueing (${signal} again to exit now)`,
        );
      }
    }
  } finally {
    // A graceful close waits for the items in flight (at most the worker's shutdownTimeoutMs, then
    // it requeues them); one that never started has nothing in flight and a server that may be
    // gone, so it gets a short bound.
    await settleWithin(worker.close(), started ? 60_000 : 5_000);
  }
  return failed ? ExitCode.failure : ExitCode.ok;
}
