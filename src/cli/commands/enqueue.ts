/** `bullmq-iteration enqueue <job>`: adds a run of an iteration job to the queue; prints its id. */
import type { JobsOptions } from 'bullmq';

import type { RunTags } from '../../control/tags.js';
import type { AnyIterationJob } from '../../define-job.js';
import type { EnqueueOptions } from '../../enqueue.js';
import type { ParamsParser } from '../../enqueue-params.js';
import { optionalInteger, parseCommandArgs, parseInteger } from '../args.js';
import { cliAudit } from '../audit-actor.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, usageError } from '../exit-codes.js';
import { line } from '../io.js';
import { findJob, loadJobModule } from '../job-module.js';
import { parseJsonArgument } from '../json-argument.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target.js';
import { withQueue } from '../with-queue.js';

const OPTIONS = {
  ...TARGET_OPTIONS,
  params: { type: 'string', short: 'p' },
  module: { type: 'string', short: 'm' },
  delay: { type: 'string' },
  priority: { type: 'string' },
  'job-id': { type: 'string' },
  attempts: { type: 'string' },
  backoff: { type: 'string' },
  tags: { type: 'string' },
} as const;

/** BullMQ's highest priority number (lower numbers run first). */
const MAX_PRIORITY = 2_097_152;

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'add a run of an iteration job to the queue and print its id',
  help: `Usage: bullmq-iteration enqueue <job> [--params <json>] [options]

Adds a run of the iteration job named <job> to the queue and prints the job id on stdout.
With --module, the name is checked against the module's jobs, the job's parseParams runs first
(nothing is added when either refuses; what it returns is what is stored) and the job's
defaultJobOptions apply under the flags below. Without it, the params go to the queue as given.
Adding with an existing --job-id adds nothing (BullMQ's rule) and prints that job's id.

Options:
  -p, --params <json>       the job's params, a JSON value (default: {})
  -m, --module <path>       job module to check the name and params against
  --delay <ms>              start no earlier than this many milliseconds from now
  --priority <n>            BullMQ priority, 1 (first) to ${MAX_PRIORITY.toLocaleString('en-US')}
  --job-id <id>             a job id of your choosing (default: BullMQ assigns one)
  --attempts <n>            attempts before the run fails for good, 1 to 1,000 (default: the
                            job's defaultJobOptions, else BullMQ's 1); an interruption or a
                            throttle never counts as an attempt
  --backoff <spec>          wait between attempts: <ms> or fixed:<ms> or exponential:<ms>
  --tags <name=value,…>     tags of the run, e.g. shard=db-3,region=eu: \`status\`, the
                            dashboard and bulk actions pick runs by them

${TARGET_HELP}

Examples:
  bullmq-iteration enqueue backfill-users --params '{"plan":"trial"}'
  bullmq-iteration enqueue backfill-users -m ./jobs.ts -p '{"plan":"trial"}' --priority 5
  id=$(bullmq-iteration enqueue nightly-cleanup --job-id "cleanup-$(date +%F)")
  bullmq-iteration enqueue backfill-users -m ./jobs.ts --attempts 5 --backoff exponential:10000
  bullmq-iteration enqueue reindex -m ./jobs.ts --tags shard=db-3

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('enqueue', argv, OPTIONS, {
      names: ['job'],
    });
    const name = positionals[0]!;
    const params = parseJsonArgument('--params', values.params ?? '{}');
    const delay = optionalInteger('--delay', values.delay, { min: 0, unit: 'milliseconds' });
    const priority = optionalInteger('--priority', values.priority, { min: 1, max: MAX_PRIORITY });
    const jobId = checkJobId(values['job-id']);
    const attempts = optionalInteger('--attempts', values.attempts, { min: 1, max: 1_000 });
    const backoff = parseBackoff(values.backoff);
    const tags = await parseTags(values.tags);
    const options: JobsOptions = {
      ...(attempts === undefined ? {} : { attempts }),
      ...(backoff === undefined ? {} : { backoff }),
      ...(delay === undefined ? {} : { delay }),
      ...(priority === undefined ? {} : { priority }),
      ...(jobId === undefined ? {} : { jobId }),
    };
    const target = resolveTarget(values, io.env, io.cwd);
    // Everything that can refuse the request locally does so before a connection is opened.
    const job =
      values.module === undefined
        ? undefined
        : findJob(await loadJobModule(values.module, io.cwd), name, values.module);
    if (job !== undefined) await checkParams(job, params);
    // Who enqueued it goes to the run's audit trail, as for every action of the CLI.
    const enqueueOptions: EnqueueOptions = {
      ...options,
      ...(tags === undefined ? {} : { tags }),
      startedBy: cliAudit(),
    };
    const added = await withQueue(target, io, 'enqueue', async (queue) => {
      const existing = options.jobId === undefined ? undefined : await queue.getJob(options.jobId);
      if (existing) return { id: existing.id!, existed: true };
      const { enqueueRun } = await import('../../enqueue.js');
      const result =
        job === undefined
          ? await enqueueRun({ name }, queue, params, enqueueOptions)
          : await (job as unknown as EnqueueableJob).enqueue(queue, params, enqueueOptions);
      return { id: result.id!, existed: false };
    });
    line(io.stdout, added.id);
    if (added.existed) {
      line(
        io.stderr,
        `note: job ${added.id} already existed in queue "${target.queueName}"; nothing was added`,
      );
    } else if (io.stderr.isTTY) {
      line(io.stderr, `enqueued "${name}" as job ${added.id} on queue "${target.queueName}"`);
    }
    return 0;
  },
};

interface EnqueueableJob {
  enqueue(queue: unknown, params: unknown, options: EnqueueOptions): Promise<{ id?: string }>;
}

/**
 * Prepares the params here as `enqueue` will (the params schema, parseParams, the JSON check),
 * so a refusal is a usage error and nothing reaches the queue.
 */
async function checkParams(job: AnyIterationJob, params: unknown): Promise<void> {
  // Loaded here: it brings BullMQ (through the error classes), which help and usage errors skip.
  const { checkedParams } = await import('../../enqueue.js');
  try {
    await checkedParams(job.definition as ParamsParser<unknown>, params);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/** `--tags shard=db-3,region=eu`, checked as enqueue checks tags. */
async function parseTags(text: string | undefined): Promise<RunTags | undefined> {
  if (text === undefined) return undefined;
  const { parseTagFilter } = await import('../../control/tags.js');
  try {
    return parseTagFilter(text);
  } catch (error) {
    throw usageError(`--tags: ${(error as Error).message}`);
  }
}

/** `--backoff 5000`, `fixed:5000` or `exponential:1000` as BullMQ's backoff option. */
export function parseBackoff(
  text: string | undefined,
): { type: 'fixed' | 'exponential'; delay: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^(?:(fixed|exponential):)?(\d+)$/.exec(text.trim());
  if (match === null) {
    throw usageError(
      `--backoff expects <ms>, fixed:<ms> or exponential:<ms>, got "${text}". E.g. --backoff exponential:10000`,
    );
  }
  const type = (match[1] ?? 'fixed') as 'fixed' | 'exponential';
  return { type, delay: parseInteger('--backoff', match[2]!, { min: 0, unit: 'milliseconds' }) };
}

function checkJobId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  // BullMQ reads a purely numeric custom id as a number in places, and ":" separates its keys.
  if (id === '' || /^\d+$/.test(id) || id.includes(':')) {
    throw usageError(
      `--job-id must be a non-empty, non-numeric id without ":", got "${id}". E.g. --job-id cleanup-2024-05-01`,
    );
  }
  return id;
}
