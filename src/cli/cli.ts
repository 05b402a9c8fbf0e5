/**
 * The dispatcher: picks the command, answers `--help` and `--version`, and turns what a command
 * throws into a message on stderr and an exit code (see exit-codes.ts).
 *
 * Commands load BullMQ, pg and PGlite (about a second of start-up) only once their arguments have
 * parsed, through dynamic imports, so help and usage errors answer at once.
 */
import { packageVersion } from '../version.js';
import { wantsHelp } from './args.js';
import type { Command } from './command.js';
import { cancelCommand } from './commands/cancel.js';
import { dashboardCommand } from './commands/dashboard.js';
import { demoCommand } from './commands/demo.js';
import { enqueueCommand } from './commands/enqueue.js';
import { failuresCommand } from './commands/failures.js';
import { holdCommand, holdsCommand, releaseCommand } from './commands/holds.js';
import { jobsCommand } from './commands/jobs.js';
import { migrateCommand } from './commands/migrate.js';
import { pauseCommand } from './commands/pause.js';
import { rateCommand } from './commands/rate.js';
import { restartCommand } from './commands/restart.js';
import { resumeCommand } from './commands/resume.js';
import { retryCommand } from './commands/retry.js';
import { retryFailedCommand } from './commands/retry-failed.js';
import { statusCommand } from './commands/status.js';
import { workerCommand } from './commands/worker.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { line } from './io.js';

export const COMMANDS: readonly Command[] = [
  workerCommand,
  enqueueCommand,
  statusCommand,
  pauseCommand,
  rateCommand,
  resumeCommand,
  holdCommand,
  releaseCommand,
  holdsCommand,
  cancelCommand,
  failuresCommand,
  retryFailedCommand,
  dashboardCommand,
  retryCommand,
  restartCommand,
  jobsCommand,
  migrateCommand,
  demoCommand,
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `bullmq-iteration ${packageVersion()}: run and operate interruptible, resumable iteration jobs

Usage: bullmq-iteration <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`bullmq-iteration <command> --help\` for a command's options and examples.

Connection: --redis-url or --database-url, else $BULLMQ_ITERATION_REDIS_URL or
$BULLMQ_ITERATION_DATABASE_URL, else (only with BULLMQ_ITERATION_USE_GENERIC_URLS=1) $REDIS_URL
or $DATABASE_URL, else the embedded database in ./.bullmq-iteration (shared with a running
\`worker\`). --verbose says which was used. Queue: --queue, else $BULLMQ_ITERATION_QUEUE, else
"maintenance". Only \`worker\` and \`migrate\` create or change BullMQ's tables.

Examples:
  bullmq-iteration worker ./jobs.ts                      # terminal 1
  bullmq-iteration enqueue backfill-users -p '{}'        # terminal 2: prints the job id
  bullmq-iteration status --watch
  bullmq-iteration pause 1 --reason "db maintenance" && bullmq-iteration resume 1

${EXIT_CODES_HELP}`;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    line(io.stderr, mainHelp());
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined) return unknownCommand(topic, io);
    line(io.stdout, command?.help ?? mainHelp());
    return ExitCode.ok;
  }
  if (name === '--version' || name === '-v' || name === '-V') {
    line(io.stdout, packageVersion());
    return ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) return unknownCommand(name, io);
  if (wantsHelp(rest)) {
    line(io.stdout, command.help);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(command.name, error, io);
  }
}

function unknownCommand(name: string, io: CliIo): number {
  const near = COMMANDS.find((c) => c.name.startsWith(name.slice(0, 2)) && name.length > 1);
  line(
    io.stderr,
    `bullmq-iteration: unknown command "${name}".${near ? ` Did you mean "${near.name}"?` : ''} ` +
      `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See bullmq-iteration --help.`,
  );
  return ExitCode.usage;
}

/** The message and exit code for what a command threw. */
export function report(command: string, error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    line(io.stderr, `bullmq-iteration ${command}: ${error.message}`);
    if (error.exitCode === ExitCode.usage) {
      line(io.stderr, `See bullmq-iteration ${command} --help.`);
    }
    return error.exitCode;
  }
  // By name: the class comes with BullMQ, which only the commands load.
  if ((error as Error | undefined)?.name === 'RunControlError') {
    line(io.stderr, `bullmq-iteration ${command}: ${(error as Error).message}`);
    return ExitCode.refused;
  }
  const detail =
    error instanceof Error
      ? io.env.DEBUG
        ? (error.stack ?? error.message)
        : error.message
      : String(error);
  line(io.stderr, `bullmq-iteration ${command}: ${detail}`);
  return ExitCode.failure;
}
