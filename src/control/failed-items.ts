/**
 * The items a job skipped after they failed (`itemErrors: { action: 'skip' }`) that are still to
 * fix, read from any process. A job records them in its iteration state, beside its cursor; a
 * replay (`retryFailedItems`) takes records from that list (claims.ts) and either does them or
 * records them again in its own list. So the list of a job is followed through its replays:
 *
 *   job 42: records r0 r1 r2 ── replay 77 took r0 r1 r2: did r0 r1 (r1 failed again: 77's list)
 *   failures 42 ─► r2 (77 holds it, still running) + 77's r1
 *
 * A record a replay did (its cursor is past it) leaves the list it came from; one a finished
 * replay did not do is free again, for the next replay to take over. For a parallel run, the
 * records of every partition.
 */
import type { Job } from 'bullmq';

import type { JsonValue } from '../json.js';
import { findPartitionJobs } from '../parallel/split-jobs.js';
import { parseClaims } from '../runtime/claims.js';
import type { FailedItem, ReplayedItem } from '../runtime/item-policy.js';
import type { ReplaySourceRef } from '../runtime/origin.js';
import { originOf } from '../runtime/origin.js';
import type { IterationState } from '../runtime/state.js';
import { readStoredState } from './run-status.js';
import type { ControlQueue } from './target.js';
import { findJob, storeOf } from './target.js';

/** A record still to fix, and where it is. */
export interface FailedItemEntry extends FailedItem {
  /** The job whose list holds the record (a partition, or a replay), when not the one asked for. */
  readonly job?: string;
  /** Set while a replay that has not finished holds the record: that replay's job id. */
  readonly replaying?: string;
}

export interface FailedItems {
  readonly queueName: string;
  readonly jobId: string;
  readonly jobName: string;
  /** Items skipped over the life of the job (recorded or not). */
  readonly skipped: number;
  /** Skipped items left out of `items` because the list was full (`itemErrors.maxRecorded`). */
  readonly dropped: number;
  /** The records still to fix, oldest first, job by job (replays' lists after the job's own). */
  readonly items: readonly FailedItemEntry[];
}

/**
 * The skipped items of one job still to fix, oldest first: those of its own list that no replay
 * did, and those its replays recorded again. Throws `RunControlError` (`not-found`) when there is
 * no such job; a job that skipped nothing has an empty list.
 *
 * @example
 * ```ts
 * const { skipped, items } = await getFailedItems(queue, '42');
 * for (const f of items) console.log(f.cursor, f.item, f.error.message);
 * ```
 */
export async function getFailedItems(queue: ControlQueue, jobId: string): Promise<FailedItems> {
  const job = await findJob(queue, jobId);
  const found = await collectFailed(queue, job.id!);
  return {
    queueName: queue.name,
    jobId: job.id!,
    jobName: job.name,
    skipped: found.skipped,
    dropped: found.dropped,
    items: found.entries.map(({ ref, entry }) =>
      ref.job === job.id ? (({ job: _own, ...rest }) => rest)(entry) : entry,
    ),
  };
}

/** What {@link collectFailed} found: the entries, with the refs a replay takes them by. */
export interface CollectedFailures {
  readonly entries: readonly { readonly ref: ReplaySourceRef; readonly entry: FailedItemEntry }[];
  readonly skipped: number;
  readonly dropped: number;
}

/** The records still to fix under job `jobId` (see the file's header). */
export async function collectFailed(
  queue: ControlQueue,
  jobId: string,
): Promise<CollectedFailures> {
  const reader = new Reader(queue);
  const entries: CollectedFailures['entries'][number][] = [];
  const totals = { skipped: 0, dropped: 0 };
  await reader.collect(jobId, entries, totals, new Set(), true);
  return { entries, ...totals };
}

class Reader {
  readonly #queue: ControlQueue;
  readonly #states = new Map<string, Promise<IterationState | undefined>>();

  constructor(queue: ControlQueue) {
    this.#queue = queue;
  }

  async collect(
    jobId: string,
    into: CollectedFailures['entries'][number][],
    totals: { skipped: number; dropped: number },
    seen: Set<string>,
    count: boolean,
  ): Promise<void> {
    if (seen.has(jobId)) return;
    seen.add(jobId);
    const state = await this.#state(jobId);
    const plan = state?.parallel?.plan;
    if (plan !== undefined) {
      const partitions = await findPartitionJobs(
        (id) => this.#queue.getJob(id),
        jobId,
        plan.length,
      );
      for (const p of partitions) {
        if (p.job !== undefined) await this.collect(p.jobId, into, totals, seen, count);
      }
      return;
    }
    if (count) {
      totals.skipped += state?.skipped ?? 0;
      totals.dropped += state?.failedItemsDropped ?? 0;
    }
    const records = state?.failedItems ?? [];
    const bounds = await this.#bounds(jobId, state);
    const claims = parseClaims(await storeOf(this.#queue).loadClaims(this.#ref(jobId)));
    const replays = new Set<string>();
    for (const [index, record] of records.entries()) {
      const holder = claims.taken[index];
      const ref: ReplaySourceRef = {
        job: jobId,
        index,
        ...(record.partition === undefined && bounds !== undefined ? { partition: bounds } : {}),
      };
      if (holder === undefined) {
        into.push({ ref, entry: { ...record, job: jobId } });
        continue;
      }
      replays.add(holder);
      const where = await this.#inReplay(holder, ref);
      if (where === 'done') continue;
      if (where === 'running') {
        into.push({ ref, entry: { ...record, job: jobId, replaying: holder } });
      } else into.push({ ref: { ...ref, from: holder }, entry: { ...record, job: jobId } });
    }
    // A replay's own list: what it recorded again. Its counts are its own, not this job's.
    for (const replay of replays) await this.collect(replay, into, totals, seen, false);
  }

  /**
   * Where record `ref` stands in replay `replayId`: done by it, held by it while it may still do
   * it, or left by it (it finished without doing it, or is gone).
   */
  async #inReplay(replayId: string, ref: ReplaySourceRef): Promise<'done' | 'running' | 'left'> {
    const job = await this.#queue.getJob(replayId);
    if (job === undefined || job === null) return 'left';
    const state = await this.#state(replayId);
    const items: readonly ReplayedItem[] = state?.replay?.items ?? [];
    const at = items.findIndex((r) => r.source?.job === ref.job && r.source.index === ref.index);
    const done = typeof state?.cursor === 'number' ? state.cursor : 0;
    if (at !== -1 && at < done) return 'done';
    return (await finished(job)) ? 'left' : 'running';
  }

  /** A partition's bounds now, for records made before records carried them. */
  async #bounds(jobId: string, state: IterationState | undefined): Promise<JsonValue | undefined> {
    if (state?.partition !== undefined) return state.partition;
    const job = await this.#queue.getJob(jobId);
    return job === undefined || job === null ? undefined : originOf(job.data).partition?.value;
  }

  #state(jobId: string): Promise<IterationState | undefined> {
    let state = this.#states.get(jobId);
    if (state === undefined) {
      state = storeOf(this.#queue)
        .load(this.#ref(jobId))
        .then((text) => readStoredState(text));
      this.#states.set(jobId, state);
    }
    return state;
  }

  #ref(id: string) {
    return { queueName: this.#queue.name, id };
  }
}

async function finished(job: Job): Promise<boolean> {
  const state = await job.getState();
  return state === 'completed' || state === 'failed';
}
