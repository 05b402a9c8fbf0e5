/**
 * Bulk control: pause, resume or cancel every run that matches a query (job name, status, tags),
 * as the console's bulk actions do. A preview says how many runs match and how many the action
 * would change; the action itself picks the runs again, so a run that moved on meanwhile is
 * simply left out, and each run gets its own audit entry.
 */
import type { ControlOptions } from './commands.js';
import { cancelRun, pauseRun, resumeRun } from './commands.js';
import type { RunEntry, RunQuery } from './run-index.js';
import { runEntries, selectEntries } from './run-index.js';
import type { ControlQueue } from './target.js';

export type BulkAction = 'pause' | 'resume' | 'cancel';

/** Statuses each action applies to; the others are left as they are. */
const APPLIES: Record<BulkAction, (status: string) => boolean> = {
  pause: (status) => !FINAL.has(status) && !HELD.has(status) && status !== 'cancelling',
  resume: (status) => HELD.has(status),
  cancel: (status) => !FINAL.has(status) && status !== 'cancelling',
};
const FINAL = new Set(['completed', 'cancelled', 'failed']);
const HELD = new Set(['paused', 'pausing']);

/** At most this many runs per bulk action: a larger set is a sign the query is too wide. */
export const MAX_BULK_RUNS = 10_000;

export interface BulkPreview {
  readonly action: BulkAction;
  /** Runs that match the query. */
  readonly matched: number;
  /** Of those, runs the action would change (a pause skips finished and paused runs). */
  readonly actionable: number;
  /** The first actionable runs, for the confirmation. */
  readonly sample: readonly Pick<RunEntry, 'queueName' | 'jobId' | 'jobName' | 'status'>[];
}

export interface BulkResult {
  readonly action: BulkAction;
  readonly matched: number;
  /** Ids of the runs the action was applied to. */
  readonly changed: readonly string[];
  /** Runs that matched but were refused (finished meanwhile, nothing to resume), with why. */
  readonly refused: readonly { readonly jobId: string; readonly reason: string }[];
}

/**
 * How many runs of `queue` match `query`, and how many `action` would change.
 *
 * @example
 * ```ts
 * const { actionable } = await previewBulk(queue, 'pause', { tags: { shard: 'db-3' } });
 * ```
 */
export async function previewBulk(
  queue: ControlQueue,
  action: BulkAction,
  query: RunQuery,
): Promise<BulkPreview> {
  const entries = await runEntries(queue, { status: query.status });
  return previewOf(action, selectEntries(entries, checkQuery(query)));
}

/**
 * The preview of `action` over entries already selected (the console selects over queues), from
 * a full read of the index (the action depends on each run's status).
 */
export function previewOf(action: BulkAction, matched: readonly RunEntry[]): BulkPreview {
  const actionable = matched.filter((entry) => APPLIES[action](entry.status ?? ''));
  return {
    action,
    matched: matched.length,
    actionable: actionable.length,
    sample: actionable.slice(0, 10).map(({ queueName, jobId, jobName, status }) => ({
      queueName,
      jobId,
      jobName,
      status,
    })),
  };
}

/**
 * Applies `action` to every run of `queue` that matches `query` and that the action applies to.
 * A query needs at least one criterion; runs refused meanwhile are listed in `refused`.
 *
 * @example
 * ```ts
 * const { changed } = await controlRuns(queue, 'pause', { tags: { shard: 'db-3' } }, {
 *   reason: 'db-3 failover',
 *   actor: 'ada',
 * });
 * ```
 */
export async function controlRuns(
  queue: ControlQueue,
  action: BulkAction,
  query: RunQuery,
  options: ControlOptions = {},
): Promise<BulkResult> {
  const matched = selectEntries(
    await runEntries(queue, { status: query.status }),
    checkQuery(query),
  );
  return applyBulk((name) => (name === queue.name ? queue : undefined), action, matched, options);
}

/** Applies `action` to the actionable runs among `matched`, a few at a time. */
export async function applyBulk(
  queueOf: (queueName: string) => ControlQueue | undefined,
  action: BulkAction,
  matched: readonly RunEntry[],
  options: ControlOptions,
): Promise<BulkResult> {
  const targets = matched.filter((entry) => APPLIES[action](entry.status ?? ''));
  if (targets.length > MAX_BULK_RUNS) {
    throw new RangeError(
      `A bulk ${action} may change at most ${MAX_BULK_RUNS} runs; this query matches ${targets.length}. Narrow it by job name, status or tags.`,
    );
  }
  const changed: string[] = [];
  const refused: { jobId: string; reason: string }[] = [];
  const verb = { pause: pauseRun, resume: resumeRun, cancel: cancelRun }[action];
  for (let i = 0; i < targets.length; i += 8) {
    await Promise.all(
      targets.slice(i, i + 8).map(async (entry) => {
        const queue = queueOf(entry.queueName);
        if (queue === undefined) return;
        try {
          await verb(queue, entry.jobId, options);
          changed.push(entry.jobId);
        } catch (error) {
          if ((error as Error).name !== 'RunControlError') throw error;
          refused.push({ jobId: entry.jobId, reason: (error as Error).message });
        }
      }),
    );
  }
  return { action, matched: matched.length, changed, refused };
}

/** A bulk action over every run of a queue is refused: it is almost never what was meant. */
export function checkQuery(query: RunQuery): RunQuery {
  const criteria = [query.name, query.status, ...Object.keys(query.tags ?? {})].filter(Boolean);
  if (criteria.length === 0) {
    throw new TypeError(
      'A bulk action needs a query: a job name, a status or tags (e.g. { tags: { shard: "db-3" } }). ' +
        'To act on every run, give each job name in turn.',
    );
  }
  return query;
}
