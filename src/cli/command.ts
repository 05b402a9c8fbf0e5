/** The shape of one CLI command: its help, and a run that returns the exit code. */
import type { CliIo } from './io.js';

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text: usage, options, examples. */
  readonly help: string;
  /** Runs the command; resolves with the exit code, or throws a `CliError`. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
