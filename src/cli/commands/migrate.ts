/**
 * `bullmq-iteration migrate`: creates or upgrades BullMQ's tables on PostgreSQL, for deployments
 * that migrate in a release step rather than when the first worker starts. The only command
 * besides `worker` that changes a schema.
 */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { line } from '../io.js';
import { describeTarget, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: "create or upgrade BullMQ's tables on PostgreSQL (workers also do it at start)",
  help: `Usage: bullmq-iteration migrate [options]

Runs BullMQ's PostgreSQL migrations (idempotent, advisory-locked: safe from several processes)
against the database of --database-url or $BULLMQ_ITERATION_DATABASE_URL. A worker runs them
when it starts; status, pause, resume, cancel, retry, restart and enqueue never do. Redis needs
no migration, and the embedded database migrates itself.

${TARGET_HELP}

Examples:
  bullmq-iteration migrate --database-url postgres://app@db/queues
  BULLMQ_ITERATION_DATABASE_URL=postgres://app@db/queues bullmq-iteration migrate

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values } = parseCommandArgs('migrate', argv, TARGET_OPTIONS, { names: [] });
    const target = resolveTarget(values, io.env, io.cwd);
    if (target.source.kind !== 'postgres') {
      line(io.stdout, `nothing to migrate: ${describeTarget(target)}`);
      return ExitCode.ok;
    }
    const { connect } = await import('../../connect.js');
    let connection;
    try {
      connection = await connect({
        env: {},
        databaseUrl: target.source.url,
        migrate: true,
        connectTimeoutMs: target.timeoutMs,
      });
    } catch (error) {
      throw new CliError((error as Error).message, ExitCode.unreachable, { cause: error });
    }
    await connection.close();
    line(io.stdout, `migrated BullMQ's tables on ${connection.description}`);
    return ExitCode.ok;
  },
};
