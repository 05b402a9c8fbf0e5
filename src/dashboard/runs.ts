/**
 * The figures the pages and the JSON API show, read through the same status functions as the CLI
 * (the run index, getRun), over every queue the console shows, plus what only a run's page needs:
 * its params, BullMQ's timestamps and the job's log lines.
 */
import { getFailedItems } from '../control/failed-items.js';
import { indexPage } from '../control/index-page.js';
import type { RunEntry } from '../control/run-index.js';
import { runEntries, selectEntries, sortEntries } from '../control/run-index.js';
import { describeEntries } from '../control/run-page.js';
import type { IterationRunInfo } from '../control/status.js';
import { getRun } from '../control/status.js';
import type { RunTags } from '../control/tags.js';
import type { JsonValue } from '../json.js';
import { unwrapRestart } from '../runtime/origin.js';
import type { QueueAccess, QueueSet } from './access.js';
import type { RunHistory } from './history.js';
import { HttpError } from './http-error.js';

export interface RunFilters {
  /** Only runs with this status (any string: statuses may be added later). */
  readonly status?: string | undefined;
  /** Only runs of this job name. */
  readonly name?: string | undefined;
  /** Only runs of this queue. */
  readonly queue?: string | undefined;
  /** Only runs carrying every one of these tags. */
  readonly tags?: RunTags | undefined;
  /** The page, from 1. */
  readonly page?: number | undefined;
}

export interface RunList {
  /** The runs of the page, read in full. */
  readonly runs: readonly IterationRunInfo[];
  /** Runs matching the filters, on every page. */
  readonly total: number;
  readonly page: number;
  readonly pages: number;
  readonly limit: number;
  /** Before filtering: for the filter menus. */
  readonly statuses: readonly string[];
  readonly names: readonly string[];
  readonly queues: readonly string[];
  /** Runs per job name and status, over every page, with `counts`: for the Jobs page. */
  readonly counts: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * Every run of the console's queues (or of `filters.queue`), in listing order: a full read of the
 * index when a status is asked for (of the BullMQ states that can hold it) or `full` is set, a
 * light one otherwise.
 */
export async function entriesOf(
  queues: QueueSet,
  filters: Pick<RunFilters, 'queue' | 'status'>,
  names: readonly string[],
  full = false,
): Promise<RunEntry[]> {
  const shown = queuesShown(queues, filters);
  const detail = full || filters.status ? 'full' : 'light';
  const all = await Promise.all(
    shown.map((name) =>
      runEntries(queues.get(name)!, { names, detail, status: full ? undefined : filters.status }),
    ),
  );
  return sortEntries(all.flat());
}

export async function readRunList(
  access: QueueAccess,
  history: RunHistory,
  filters: RunFilters,
  options: {
    readonly limit: number;
    readonly names: readonly string[];
    /** Count every run's status (the Jobs page): a full read of every state. */
    readonly counts?: boolean;
  },
): Promise<RunList> {
  const { limit } = options;
  const list = await access.use(async (queues) => {
    const asked = Math.max(1, filters.page ?? 1);
    let found = options.counts
      ? await everyEntry(queues, filters, options.names, asked, limit)
      : await pageOf(queues, filters, options.names, asked, limit);
    const pages = Math.max(1, Math.ceil(found.total / limit));
    const page = Math.min(asked, pages);
    // A page past the last shows the last one.
    if (page !== asked) found = await pageOf(queues, filters, options.names, page, limit);
    const runs = await describeEntries((name) => queues.get(name), found.page);
    return { ...found, runs, page, pages, queues: queues.names };
  });
  const at = Date.now();
  for (const run of list.runs) history.observe(run, at);
  const counts = new Map<string, Record<string, number>>();
  for (const entry of list.counted) {
    if (entry.status === undefined) continue;
    const byStatus = counts.get(entry.jobName) ?? {};
    byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
    counts.set(entry.jobName, byStatus);
  }
  return {
    runs: list.runs,
    total: list.total,
    page: list.page,
    pages: list.pages,
    limit,
    statuses: distinct(list.counted.flatMap((entry) => entry.status ?? [])),
    names: distinct([...options.names, ...list.names]),
    queues: list.queues,
    counts,
  };
}

interface Found {
  /** The page's entries. */
  readonly page: readonly RunEntry[];
  readonly total: number;
  /** Job names of the runs, for the filter menu. */
  readonly names: readonly string[];
  /** Every run with its status, when counted (the Jobs page). */
  readonly counted: readonly RunEntry[];
}

/** Every entry from a full read, for the Jobs page's counts of each status. */
async function everyEntry(
  queues: QueueSet,
  filters: RunFilters,
  names: readonly string[],
  page: number,
  limit: number,
): Promise<Found> {
  const all = await entriesOf(queues, filters, names, true);
  const matching = selectEntries(all, filters);
  return {
    page: matching.slice((page - 1) * limit, page * limit),
    total: matching.length,
    names: all.map((entry) => entry.jobName),
    counted: all,
  };
}

/**
 * Page `page` of the matching runs over the console's queues: one queue's page of its index, or,
 * over several queues, each one's first `page × limit` entries merged in listing order.
 */
async function pageOf(
  queues: QueueSet,
  filters: RunFilters,
  names: readonly string[],
  page: number,
  limit: number,
): Promise<Found> {
  const shown = queuesShown(queues, filters);
  const single = shown.length === 1;
  const window = single
    ? { offset: (page - 1) * limit, limit }
    : { offset: 0, limit: page * limit };
  const pages = await Promise.all(
    shown.map((name) => indexPage(queues.get(name)!, filters, { ...window, names })),
  );
  const merged = sortEntries(pages.flatMap((one) => [...one.entries]));
  return {
    page: single ? merged : merged.slice((page - 1) * limit, page * limit),
    total: pages.reduce((sum, one) => sum + one.total, 0),
    names: pages.flatMap((one) => Object.keys(one.names)),
    counted: [],
  };
}

export interface RunDetail {
  readonly run: IterationRunInfo;
  readonly params: JsonValue | undefined;
  /** BullMQ's timestamps of the job, epoch ms. */
  readonly enqueuedAt: number | undefined;
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
  /** The job's log lines (`job.log`), newest last, and how many there are in all. */
  readonly logs: readonly string[];
  readonly logCount: number;
  /** The recorded skipped items (`getFailedItems`), when the run skipped any. */
  readonly skippedItems: readonly SkippedItemRow[];
  /** How many skipped items are recorded (what a replay would visit). */
  readonly recordedFailures: number;
}

/** One skipped item as the run's page shows it: no stack, the item's bounded preview. */
export interface SkippedItemRow {
  readonly cursor: JsonValue | null;
  readonly item: string;
  readonly error: string;
  readonly at: number;
  readonly attempt: number;
}

/** How many log lines a run's page shows (the newest). */
const LOG_LINES = 100;

/** Run `jobId` of queue `queueName` (the default queue when omitted) with its page's extras. */
export async function readRunDetail(
  access: QueueAccess,
  history: RunHistory,
  jobId: string,
  queueName?: string,
): Promise<RunDetail> {
  const detail = await access.use(async (queues) => {
    const queue = queueOf(queues, queueName ?? access.defaultQueue);
    const run = await getRun(queue, jobId);
    const [job, logs, failed] = await Promise.all([
      queue.getJob(jobId),
      queue.getJobLogs(jobId, -LOG_LINES, -1, true).catch(() => ({ logs: [], count: 0 })),
      run.skipped > 0 ? getFailedItems(queue, jobId).catch(() => undefined) : undefined,
    ]);
    return {
      run,
      // A restart from a cursor wraps the params; its record is in `run.restart`.
      params: unwrapRestart(job?.data) as JsonValue | undefined,
      enqueuedAt: job?.timestamp || undefined,
      startedAt: job?.processedOn || undefined,
      finishedAt: job?.finishedOn || undefined,
      logs: logs.logs,
      logCount: logs.count,
      skippedItems: (failed?.items ?? []).map((record) => ({
        cursor: record.cursor,
        item: record.item,
        error: `${record.error.name}: ${record.error.message}`,
        at: record.at,
        attempt: record.attempt,
      })),
      recordedFailures: failed?.items.length ?? 0,
    };
  });
  history.observe(detail.run);
  return detail;
}

/** The queue `name` of the set; a name the console does not show is a request for no such run. */
export function queueOf(queues: QueueSet, name: string): NonNullable<ReturnType<QueueSet['get']>> {
  const queue = queues.get(name);
  if (queue === undefined) {
    throw new HttpError(
      404,
      `This console does not show queue "${name}"; it shows ${queues.names.map((n) => `"${n}"`).join(', ')}.`,
    );
  }
  return queue;
}

/** The queues a listing reads: the one the filters name, or every queue of the console. */
function queuesShown(queues: QueueSet, filters: Pick<RunFilters, 'queue'>): readonly string[] {
  return filters.queue ? queues.names.filter((name) => name === filters.queue) : queues.names;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
