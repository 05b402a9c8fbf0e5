/**
 * The figures the pages and the JSON API show, read through the same status and control functions
 * as the CLI (getRun, listRuns, pauseRun, resumeRun, cancelRun), plus what only a run's page needs:
 * its params, BullMQ's timestamps and the job's log lines.
 */
import { cancelRun, pauseRun, resumeRun } from '../control/commands.js';
import { getFailedItems } from '../control/failed-items.js';
import type { IterationRunInfo } from '../control/status.js';
import { getRun, listRuns } from '../control/status.js';
import type { JsonValue } from '../json.js';
import { unwrapRestart } from '../runtime/origin.js';
import type { QueueAccess } from './access.js';
import type { RunHistory } from './history.js';

export interface RunFilters {
  /** Only runs with this status (any string: statuses may be added later). */
  readonly status?: string | undefined;
  /** Only runs of this job name. */
  readonly name?: string | undefined;
}

export interface RunList {
  readonly runs: readonly IterationRunInfo[];
  /** Before filtering: for the filter menus. */
  readonly statuses: readonly string[];
  readonly names: readonly string[];
}

export async function readRunList(
  access: QueueAccess,
  history: RunHistory,
  filters: RunFilters,
  options: { readonly limit: number; readonly names: readonly string[] },
): Promise<RunList> {
  const all = await access.use((queue) =>
    listRuns(queue, { limit: options.limit, names: options.names }),
  );
  const at = Date.now();
  for (const run of all) history.observe(run, at);
  const runs = all.filter(
    (run) =>
      (!filters.status || String(run.status) === filters.status) &&
      (!filters.name || run.jobName === filters.name),
  );
  return {
    runs,
    statuses: distinct(all.map((run) => String(run.status))),
    names: distinct([...options.names, ...all.map((run) => run.jobName)]),
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

export async function readRunDetail(
  access: QueueAccess,
  history: RunHistory,
  jobId: string,
): Promise<RunDetail> {
  const detail = await access.use(async (queue) => {
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
    };
  });
  history.observe(detail.run);
  return detail;
}

export type ControlVerb = 'pause' | 'resume' | 'cancel';

export async function controlRun(
  access: QueueAccess,
  history: RunHistory,
  jobId: string,
  verb: ControlVerb,
  reason: string | undefined,
): Promise<IterationRunInfo> {
  const options = reason ? { reason } : {};
  const run = await access.use((queue) =>
    verb === 'pause'
      ? pauseRun(queue, jobId, options)
      : verb === 'resume'
        ? resumeRun(queue, jobId)
        : cancelRun(queue, jobId, options),
  );
  history.observe(run);
  return run;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
