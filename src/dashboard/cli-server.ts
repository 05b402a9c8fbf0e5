/**
 * What `bullmq-iteration dashboard` runs once its arguments have parsed: the backend through the
 * status command's session (kept open on a server; opened and released around each read on an
 * embedded database this process holds, so a worker can still start), the handler over it, the
 * HTTP server, and the one message with the link and the access token.
 */
import { CliError, ExitCode } from '../cli/exit-codes.js';
import type { CliIo } from '../cli/io.js';
import { line } from '../cli/io.js';
import { StatusSession } from '../cli/status/session.js';
import { listenForStop } from '../cli/stop-signal.js';
import type { Target } from '../cli/target.js';
import { describeSource } from '../cli/target.js';
import type { AnyIterationJob } from '../define-job.js';
import { serialized } from './access.js';
import { generateToken } from './auth.js';
import type { QueueSelection } from './cli-access.js';
import { cliAccess } from './cli-access.js';
import { handlerFor } from './handler.js';
import { resolveDashboardOptions } from './options.js';
import { isLoopbackAddress, listenDashboard } from './server.js';

export interface ServeOptions {
  readonly target: Target;
  readonly io: CliIo;
  readonly host: string;
  readonly port: number;
  readonly limit: number;
  readonly readOnly: boolean;
  readonly jobs: readonly AnyIterationJob[];
  /** From the environment; generated when absent. */
  readonly token: string | undefined;
  /** The queues to show; the target's queue is the default. */
  readonly queues: QueueSelection;
  /** Where uploaded CSV files go, and how large they may be; none turns uploads off. */
  readonly uploads: { readonly dir: string; readonly maxBytes: number } | undefined;
  /** `REDIS_URL`, `DATABASE_URL` set but not read (without BULLMQ_ITERATION_USE_GENERIC_URLS). */
  readonly ignored: readonly string[];
}

const BACKEND_LABELS = { redis: 'Redis', postgres: 'PostgreSQL', embedded: 'embedded database' };

export async function serveDashboard(options: ServeOptions): Promise<number> {
  const { io, target } = options;
  const session = new StatusSession(target, (message) => line(io.stderr, message));
  const stop = listenForStop();
  let server: Awaited<ReturnType<typeof listenDashboard>> | undefined;
  const queues = cliAccess(session, options.queues);
  try {
    // One read first: a dead server or a bad URL fails here, before a page is promised.
    await session.read((queue) => queue.getJobCounts('active'));
    const token = options.readOnly ? undefined : (options.token ?? generateToken());
    const access = serialized(queues);
    const shown = await access.use(async (set) => set.names);
    const resolved = resolveDashboardOptions(
      {
        jobs: options.jobs,
        readOnly: options.readOnly,
        limit: options.limit,
        backendLabel: BACKEND_LABELS[target.source.kind],
        ...(token === undefined ? {} : { token }),
        ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
      },
      target.queueName,
    );
    server = await listenDashboard(handlerFor(access, resolved), {
      host: options.host,
      port: options.port,
    }).catch((error: NodeJS.ErrnoException) => {
      throw listenFailed(error, options.host, options.port);
    });
    const named = shown.map((name) => `"${name}"`).join(', ');
    line(
      io.stdout,
      `bullmq-iteration dashboard: ${shown.length === 1 ? 'queue' : options.queues.all ? 'every queue:' : 'queues'} ${named} on ` +
        `${describeSource(target.source)} (from ${target.source.from})`,
    );
    for (const name of options.ignored) {
      // The one mistake a new user makes here: an app's REDIS_URL exported, the queues elsewhere.
      line(
        io.stderr,
        `note: $${name} is set but not read: the dashboard uses BULLMQ_ITERATION_REDIS_URL or ` +
          `BULLMQ_ITERATION_DATABASE_URL (or BULLMQ_ITERATION_USE_GENERIC_URLS=1 to read $${name}).`,
      );
    }
    if (options.uploads !== undefined) {
      line(
        io.stdout,
        `Uploads go to ${options.uploads.dir} (at most ${options.uploads.maxBytes} bytes a file).`,
      );
    }
    if (token === undefined) {
      line(io.stdout, `Open ${server.url}/  (read-only: no controls)`);
    } else if (options.token === undefined) {
      line(io.stdout, `Open ${server.url}/#token=${token}`);
      line(
        io.stdout,
        'The link holds the access token for starting and controlling runs; it is not shown again. ' +
          `Set $BULLMQ_ITERATION_DASHBOARD_TOKEN to choose it.`,
      );
    } else {
      line(io.stdout, `Open ${server.url}/  (access token from $BULLMQ_ITERATION_DASHBOARD_TOKEN)`);
    }
    if (!isLoopbackAddress(options.host)) {
      line(
        io.stderr,
        `warning: listening on ${options.host}: anyone who reaches this address sees the runs, ` +
          'their params and cursors. Prefer 127.0.0.1 behind an authenticating proxy.',
      );
    }
    line(io.stdout, 'Ctrl-C to stop.');
    await stop.stopped;
    return 0;
  } finally {
    stop.dispose();
    await server?.close();
    await queues.close();
    await session.close();
  }
}

function listenFailed(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE') {
    return new CliError(
      `Port ${port} on ${host} is in use by another program. Pick another with --port (0 for any free one).`,
      ExitCode.failure,
    );
  }
  if (error.code === 'EACCES') {
    return new CliError(
      `Not allowed to listen on ${where} (ports below 1024 need privileges). Use --port 4000, for example.`,
      ExitCode.failure,
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new CliError(
      `--host ${host} is not an address of this machine. Use 127.0.0.1 (the default), or one of its interfaces.`,
      ExitCode.usage,
    );
  }
  return error;
}
