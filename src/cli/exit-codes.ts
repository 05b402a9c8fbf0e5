/**
 * The CLI's exit codes and the one error class that carries them. Commands throw `CliError`; the
 * entry point prints its message and exits with its code, so a script can tell a typo from an
 * outage from a refused request without parsing messages.
 */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: a job module that throws on import, a worker error, a bug. */
  failure: 1,
  /** Bad arguments, invalid JSON, an unknown job name, a module without iteration jobs. */
  usage: 2,
  /** The server (or the embedded database's host process) could not be reached or did not answer. */
  unreachable: 3,
  /** A control request was refused: no such job, already finished, not paused. */
  refused: 4,
  /** The server answered and refused the credentials (a wrong user or password in the URL). */
  authentication: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as printed by `--help` and the CLI guide. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  runtime failure (the job module threw, the worker failed, …)
  2  usage error: bad arguments, invalid JSON, unknown job, module without iteration jobs
  3  server unreachable or not answering (the address tried is printed)
  4  control request refused: no such job, already finished, not paused
  5  the server refused the credentials: check the user and password in the URL`;

export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A usage error; the message should say what was wrong and what would be right. */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}
