/**
 * What keeps a `worker` process alive through the mistakes job code makes, as documented in the
 * CLI guide:
 *
 * - An unhandled rejection (a step that forgot an `await`) is logged and the worker keeps running:
 *   the promise was not part of the run, whose checkpoint is unaffected. Node's default would end
 *   the process and turn the runs in flight into crashes.
 * - An uncaught connection error (a `pg.Pool` without an `error` listener whose idle client the
 *   server closed, the usual sight during a database restart) is logged with the fix and the worker
 *   keeps running: the pool has already dropped that client.
 * - Any other uncaught exception leaves the process in an unknown state: it is logged, the worker
 *   drains gracefully (runs checkpoint and requeue, as on SIGTERM) and exits with code 1.
 */

/** Node's network error codes and PostgreSQL's connection and shutdown SQLSTATEs (08, 57P). */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
const CONNECTION_MESSAGES = [/Connection terminated/i, /terminating connection/i, /shutting down/i];

/** Whether an uncaught error is a lost connection, which a pool survives. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^(08|57P)/.test(code))) {
    return true;
  }
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

export interface ProcessGuard {
  /** Resolves with the uncaught error that requires a drain. */
  readonly fatal: Promise<Error>;
  dispose(): void;
}

/** Installs the handlers; `log` gets one line per event. */
export function guardProcess(log: (text: string) => void): ProcessGuard {
  let fail!: (error: Error) => void;
  const fatal = new Promise<Error>((resolve) => (fail = resolve));
  const describe = (error: unknown) =>
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const onRejection = (reason: unknown) => {
    log(
      `unhandled rejection (a step that forgot an \`await\`?): ${describe(reason)}; ` +
        'the worker keeps running',
    );
  };
  const onException = (error: unknown) => {
    if (isConnectionError(error)) {
      log(
        `uncaught connection error: ${describe(error)}; the worker keeps running. Attach ` +
          "pool.on('error', …) to the pools of your job module to handle it there.",
      );
      return;
    }
    log(
      `uncaught exception: ${describe(error)}; draining (runs checkpoint and requeue), then ` +
        'exiting with code 1',
    );
    fail(error instanceof Error ? error : new Error(String(error)));
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    fatal,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/**
 * A warning when the worker runs under npm (`npx`, `npm exec`, `npm run`: npm sets `npm_command`
 * for what it starts): npm does not forward SIGTERM to it, so a container stop would leave this
 * process unsignalled and then kill it, and every deploy would be a crash.
 */
export function signalForwardingWarning(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const command = env.npm_command;
  if (command === undefined || command === '') return undefined;
  return (
    `warning: started by npm (npm_command=${command}), which does not pass SIGTERM on to this ` +
    'process: a container stop would kill the worker without a graceful drain. In production, ' +
    'start it as the main process: `exec node node_modules/.bin/bullmq-iteration worker …` ' +
    '(see the CLI guide, "Running in production").'
  );
}
