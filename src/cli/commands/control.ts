/**
 * What pause, resume and cancel share: their options, and how they print the run they leave behind
 * (a sentence on a terminal, the stable plain line otherwise, JSON on request). Refusals
 * (`RunControlError`: no such job, finished, not paused) end with exit code 4 in the entry point.
 */
import type { IterationRunInfo } from '../../control/status.js';
import { parseCommandArgs } from '../args.js';
import type { CliQueue } from '../cli-backend.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { line } from '../io.js';
import { plainLine } from '../status/lines.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  json: { type: 'boolean' },
  reason: { type: 'string', short: 'r' },
} as const;

export interface ControlCommandSpec {
  readonly name: 'pause' | 'resume' | 'cancel';
  readonly summary: string;
  /** What the command does, for its help. */
  readonly description: string;
  readonly examples: readonly string[];
  /** Whether `--reason` is accepted. */
  readonly takesReason: boolean;
  act(queue: CliQueue, id: string, reason: string | undefined): Promise<IterationRunInfo>;
}

/** A command that sends one control request to run `<id>` and prints the result. */
export function controlCommand(spec: ControlCommandSpec): Command {
  const reasonUsage = spec.takesReason ? ' [--reason <text>]' : '';
  const reasonHelp = spec.takesReason
    ? "\n  -r, --reason <text>       why, shown by `status` and in the worker's log"
    : '';
  return {
    name: spec.name,
    summary: spec.summary,
    help: `Usage: bullmq-iteration ${spec.name} <id>${reasonUsage} [options]

${spec.description}
Prints the run's resulting status: a sentence on a terminal, a logfmt line otherwise (the keys
of \`status\`), the full record with --json.

Options:${reasonHelp}
  --json                    print the run as JSON

${TARGET_HELP}

Examples:
${spec.examples.map((example) => `  ${example}`).join('\n')}

${EXIT_CODES_HELP}`,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(spec.name, argv, OPTIONS, {
        names: ['id'],
      });
      if (!spec.takesReason && values.reason !== undefined) {
        throw usageError(`${spec.name}: --reason is only for pause and cancel.`);
      }
      const target = resolveTarget(values, io.env, io.cwd);
      const id = positionals[0]!;
      const run = await withQueue(target, io, spec.name, (queue) =>
        spec.act(queue, id, values.reason),
      );
      printControlled(run, values.json, io);
      return 0;
    },
  };
}

function printControlled(run: IterationRunInfo, json: boolean | undefined, io: CliIo): void {
  if (json) return line(io.stdout, JSON.stringify(run, null, 2));
  if (!io.stdout.isTTY) return line(io.stdout, plainLine(run));
  line(io.stdout, `job ${run.jobId} (${run.jobName}): ${run.status}${hint(run)}`);
}

function hint(run: IterationRunInfo): string {
  switch (run.status) {
    case 'pausing':
      return ' — it stops at its next item boundary, saves its cursor and parks until resumed';
    case 'paused':
      return ` — parked without a worker slot; \`bullmq-iteration resume ${run.jobId}\` continues it`;
    case 'cancelling':
      return ' — it stops at its next item boundary and ends as cancelled';
    case 'cancelled':
      return ' — it will not run again; its cursor stays stored for inspection';
    case 'waiting':
      return ' — it continues from its cursor as soon as a worker is free';
    default:
      return '';
  }
}
