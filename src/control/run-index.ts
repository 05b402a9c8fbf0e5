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

import type { IndexDetail, IndexedState, RawEntry, RunEntry } from './run-entry.js';
import { INDEXED_STATES } from './run-entry.js';
import { statusOf } from './status.js';
import type { RunTags } from './tags.js';
import { matchesTags, parseStoredTags } from './tags.js';
import type { ControlQueue } from './target.js';
import { requireUsableQueue } from './target.js';

/** Which runs a listing keeps. Every given criterion must hold. */
export interface RunQuery {
  /** Only runs of this job name. */
  readonly name?: string | undefined;
  /** Only runs with this status (as the index computes it: `stale` runs count as `running`). */
  readonly status?: string | undefined;
  /** Only runs carrying every one of these tags. */
  readonly tags?: RunTags | undefined;
}

export interface IndexOptions {
  /** Job names whose completed jobs are listed even without iteration progress. */
  readonly names?: readonly string[];
  /** `full` to know each run's status (see IndexDetail). @defaultValue 'full' */
  readonly detail?: IndexDetail;
  /** Only the runs that can have this status: the other BullMQ states are not read. */
  readonly status?: string | undefined;
}

/** Statuses a job of each BullMQ state can have; a status not listed can be anywhere. */
const DEFAULT_STATES: IndexedState[] = ['waiting', 'prioritized', 'waiting-children'];
const STATES_OF: Readonly<Record<string, readonly IndexedState[]>> = {
  running: ['active'],
  stale: ['active'],
  waiting: DEFAULT_STATES,
  pausing: ['active', ...DEFAULT_STATES],
  cancelling: ['active', 'delayed', ...DEFAULT_STATES],
  paused: ['delayed'],
  interrupted: ['delayed'],
  throttled: ['delayed'],
  retrying: ['delayed', ...DEFAULT_STATES],
  recovering: ['delayed', ...DEFAULT_STATES],
  'unknown-job': ['delayed', ...DEFAULT_STATES],
  completed: ['completed'],
  cancelled: ['completed'],
  failed: ['failed'],
};

/**
 * Every run of `queue`, in listing order (active first, then waiting, delayed and finished; newest
 * first within a state). Partition jobs are left out (their parallel run is listed), and so are
 * completed jobs that never reported iteration progress unless their name is in `names`. With a
 * `status`, only the BullMQ states that can hold it are read.
 */
export async function runEntries(
  queue: ControlQueue,
  options: IndexOptions = {},
): Promise<RunEntry[]> {
  await requireUsableQueue(queue, 'runEntries');
  const backend = queue.getBackend();
  const detail = options.detail ?? 'full';
  const states = (options.status && STATES_OF[options.status]) || INDEXED_STATES;
  let raw: RawEntry[];
  if (backend instanceof RedisQueueBackend) {
    const { redisEntries } = await import('./run-index-redis.js');
    raw = await redisEntries(backend, states, detail);
  } else if (backend instanceof PostgresQueueBackend) {
    const { postgresEntries } = await import('./run-index-postgres.js');
    raw = await postgresEntries(backend, queue.name, states, detail);
  } else {
    throw new TypeError(
      `listing runs needs BullMQ's Redis or PostgreSQL backend, got ${backend.constructor.name}.`,
    );
  }
  const listed = new Set(options.names ?? []);
  const seen = new Set<string>();
  const entries: RunEntry[] = [];
  for (const entry of raw) {
    if (entry.partition || seen.has(entry.id)) continue;
    seen.add(entry.id);
    const iteration = entry.progressStatus !== undefined || entry.hasState;
    if (entry.state === 'completed' && !iteration && !listed.has(entry.name)) continue;
    entries.push(detail === 'full' ? classify(queue.name, entry) : lightEntry(queue.name, entry));
  }
  return sortEntries(entries);
}

function lightEntry(queueName: string, entry: RawEntry): RunEntry {
  return {
    queueName,
    jobId: entry.id,
    jobName: entry.name,
    bullState: entry.state,
    status: undefined,
    addedAt: entry.addedAt,
    tagsText: entry.tags,
  };
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
    tagsText: entry.tags,
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

/**
 * The entries `query` keeps, in their order. A status query needs entries of a full read (a light
 * one knows no status): it throws a TypeError otherwise.
 */
export function selectEntries(entries: readonly RunEntry[], query: RunQuery): RunEntry[] {
  if (query.status && entries.some((entry) => entry.status === undefined)) {
    throw new TypeError('A status filter needs a full read of the run index (detail: "full").');
  }
  return entries.filter(
    (entry) =>
      (!query.name || entry.jobName === query.name) &&
      (!query.status || entry.status === query.status) &&
      (query.tags === undefined || matchesTags(parseStoredTags(entry.tagsText), query.tags)),
  );
}

export type { RunEntry } from './run-entry.js';
