/**
 * The run index: for every job of a queue, the few fields that decide which runs a listing shows,
 * in which order and with which status, read in one pass per BullMQ state without building a Job
 * (a script on Redis, one query on PostgreSQL). Listings filter and page these entries, then read
 * in full (`getRun`) only the runs of the page, so a page costs the same with 20 runs or 20,000.
 *
 * The status here is the one `getRun` computes, from the same function, minus what needs a look
 * at the job's lock (`stale` shows as `running` until the run is read in full).
 */
import { PostgresQueueBackend, RedisQueueBackend } from 'bullmq';

import type { IndexedState, RawEntry } from './run-entry.js';
import { INDEXED_STATES } from './run-entry.js';
import type { RunStatus } from './status.js';
import { statusOf } from './status.js';
import type { RunTags } from './tags.js';
import { matchesTags, parseStoredTags } from './tags.js';
import type { ControlQueue } from './target.js';
import { requireUsableQueue } from './target.js';

/** One run as a listing sees it before reading it in full. */
export interface RunEntry {
  readonly queueName: string;
  readonly jobId: string;
  readonly jobName: string;
  readonly bullState: IndexedState;
  readonly status: RunStatus;
  readonly addedAt: number;
  readonly tags: RunTags | undefined;
}

/** Which runs a listing keeps. Every given criterion must hold. */
export interface RunQuery {
  /** Only runs of this job name. */
  readonly name?: string | undefined;
  /** Only runs with this status (as the index computes it: `stale` runs count as `running`). */
  readonly status?: string | undefined;
  /** Only runs carrying every one of these tags. */
  readonly tags?: RunTags | undefined;
}

/**
 * Every run of `queue`, in listing order (active first, then waiting, delayed and finished; newest
 * first within a state). Partition jobs are left out (their parallel run is listed), and so are
 * completed jobs that never reported iteration progress unless their name is in `names`.
 */
export async function runEntries(
  queue: ControlQueue,
  names: readonly string[] = [],
): Promise<RunEntry[]> {
  await requireUsableQueue(queue, 'runEntries');
  const backend = queue.getBackend();
  let raw: RawEntry[];
  if (backend instanceof RedisQueueBackend) {
    const { redisEntries } = await import('./run-index-redis.js');
    raw = await redisEntries(backend);
  } else if (backend instanceof PostgresQueueBackend) {
    const { postgresEntries } = await import('./run-index-postgres.js');
    raw = await postgresEntries(backend, queue.name);
  } else {
    throw new TypeError(
      `listing runs needs BullMQ's Redis or PostgreSQL backend, got ${backend.constructor.name}.`,
    );
  }
  const listed = new Set(names);
  const seen = new Set<string>();
  const entries: RunEntry[] = [];
  for (const entry of raw) {
    if (entry.partition || seen.has(entry.id)) continue;
    seen.add(entry.id);
    const iteration = entry.progressStatus !== undefined || entry.hasState;
    if (entry.state === 'completed' && !iteration && !listed.has(entry.name)) continue;
    entries.push(classify(queue.name, entry));
  }
  return sortEntries(entries);
}

function classify(queueName: string, entry: RawEntry): RunEntry {
  // statusOf reads these fields of a job, its state and its progress; the index has exactly them.
  const job = {
    returnvalue: entry.outcome === undefined ? null : { outcome: entry.outcome },
    failedReason: entry.failed ? 'failed' : '',
    attemptsMade: entry.attemptsMade,
  };
  const status = statusOf(
    entry.state,
    job as never,
    (entry.cancelledInState ? { cancelled: { at: 0 } } : undefined) as never,
    entry.progressStatus === undefined ? undefined : { status: entry.progressStatus },
    (entry.control === undefined ? undefined : { action: entry.control, requestedAt: 0 }) as never,
  );
  return {
    queueName,
    jobId: entry.id,
    jobName: entry.name,
    bullState: entry.state,
    status,
    addedAt: entry.addedAt,
    tags: parseStoredTags(entry.tags),
  };
}

const RANK = new Map<string, number>(INDEXED_STATES.map((state, index) => [state, index]));

/** Listing order: by BullMQ state as above, then newest first; stable across queues. */
export function sortEntries(entries: RunEntry[]): RunEntry[] {
  return entries.sort(
    (a, b) =>
      RANK.get(a.bullState)! - RANK.get(b.bullState)! ||
      b.addedAt - a.addedAt ||
      (a.queueName < b.queueName ? -1 : a.queueName > b.queueName ? 1 : 0) ||
      compareIds(b.jobId, a.jobId),
  );
}

/** Numeric ids by value (BullMQ's counter), others as text. */
function compareIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries `query` keeps, in their order. */
export function selectEntries(entries: readonly RunEntry[], query: RunQuery): RunEntry[] {
  return entries.filter(
    (entry) =>
      (!query.name || entry.jobName === query.name) &&
      (!query.status || entry.status === query.status) &&
      matchesTags(entry.tags, query.tags),
  );
}
