/**
 * `pageRuns`: one page of a queue's runs, filtered and counted on the server. The run index
 * (run-index.ts) picks and orders the runs from a few fields per job; only the runs of the page
 * are then read in full, so a page of 50 costs about the same whatever the queue holds.
 */
import { RunControlError } from '../errors.js';
import { indexPage } from './index-page.js';
import type { RunEntry, RunQuery } from './run-index.js';
import type { IterationRunInfo } from './status.js';
import { describeRun } from './status.js';
import type { ControlQueue } from './target.js';

export interface RunPageOptions extends RunQuery {
  /** Runs to skip, for the pages after the first. @defaultValue 0 */
  readonly offset?: number;
  /** Runs per page (1 to 1,000). @defaultValue 50 */
  readonly limit?: number;
  /** Job names whose completed jobs are listed even without iteration progress. @defaultValue none */
  readonly names?: readonly string[];
}

export interface RunPage {
  /** Runs that match the query, on every page. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  /** The page's runs, read in full. */
  readonly runs: readonly IterationRunInfo[];
  /** How many runs of the queue (of the status asked for, if any) each job name has. */
  readonly names: Readonly<Record<string, number>>;
}

/**
 * One page of the runs of `queue` that match the query, in listing order (active first, then
 * waiting, delayed and finished; newest first within each).
 *
 * @example
 * ```ts
 * const page = await pageRuns(queue, { status: 'failed', tags: { shard: 'db-3' }, limit: 20 });
 * console.log(`${page.total} failed runs on db-3; first: ${page.runs[0]?.jobId}`);
 * ```
 */
export async function pageRuns(
  queue: ControlQueue,
  options: RunPageOptions = {},
): Promise<RunPage> {
  const { offset, limit } = pageBounds(options);
  const page = await indexPage(queue, options, { offset, limit, names: options.names ?? [] });
  const runs = await describeEntries(
    (name) => (name === queue.name ? queue : undefined),
    page.entries,
  );
  return { total: page.total, offset, limit, runs, names: page.names };
}

/** Checked paging bounds; errors name the option and the value. */
export function pageBounds(options: { readonly offset?: number; readonly limit?: number }): {
  offset: number;
  limit: number;
} {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 50;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new TypeError(`Expected \`offset\` to be a whole number ≥ 0, got ${String(offset)}.`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) {
    throw new TypeError(
      `Expected \`limit\` to be a whole number from 1 to 1000, got ${String(limit)}.`,
    );
  }
  return { offset, limit };
}

/**
 * Reads the runs of `entries` in full, in their order; a run removed meanwhile is left out.
 * `queueOf` finds each entry's queue (a console may list several).
 */
export async function describeEntries(
  queueOf: (queueName: string) => ControlQueue | undefined,
  entries: readonly RunEntry[],
): Promise<IterationRunInfo[]> {
  const runs = await Promise.all(
    entries.map(async (entry) => {
      const queue = queueOf(entry.queueName);
      const job = await queue?.getJob(entry.jobId);
      if (queue === undefined || !job) return undefined;
      // A job removed between the read of the page and this read is no longer a run to show.
      return describeRun(queue, job).catch((error: unknown) => {
        if (error instanceof RunControlError && error.code === 'not-found') return undefined;
        throw error;
      });
    }),
  );
  return runs.filter((run): run is IterationRunInfo => run !== undefined);
}
