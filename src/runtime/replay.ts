/**
 * Replay of skipped items (`retryFailedItems`): a new job of the same name whose data names the
 * records it replays (see origin.ts). On its first run it takes them: each record is claimed in the
 * list it came from with an atomic compare-and-set (claims.ts), so two replays racing for a record
 * cannot both take it; the records it took are copied into its own state. It then enumerates them,
 * rebuilding the job's own enumerator (within the record's partition, in the record's step) at
 * each recorded cursor and taking one item, which it processes only when its cursor after is the
 * recorded one (the same item, fixed or not); a record of an older version of the job is migrated
 * first, in memory. Its cursor is the number of records done, so it
 * resumes like any other job: a record before its cursor is done (it succeeded, or failed again
 * and is in the replay's own list), and the list it came from no longer shows it.
 */
import { isDeepStrictEqual } from 'node:util';

import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { CheckpointStore } from '../backends/store.js';
import { EnumeratorError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { claimRecords } from './claims.js';
import type { FailedItem, ReplayedItem, ReplayState } from './item-policy.js';
import type { ReplaySourceRef, RunOrigin } from './origin.js';
import { parseState } from './state.js';

/**
 * The records from `from` on, as `[item, recordsDone]` pairs: each one's item as the job's
 * enumerator yields it now at the recorded cursor, skipping records whose item is gone. `prepare`
 * brings a record of an older version of the job to the run's (see migration.ts).
 */
export async function* replayItems(
  replay: ReplayState,
  from: number,
  build: (cursor: JsonValue | null, record: ReplayedItem) => unknown,
  logger: Logger,
  prepare: (record: ReplayedItem) => Promise<ReplayedItem> = (record) => Promise.resolve(record),
): AsyncGenerator<readonly [unknown, number]> {
  for (let index = from; index < replay.items.length; index++) {
    const record = await prepare(replay.items[index]!);
    const pair = await firstPair(await build(record.cursor, record));
    if (pair === undefined || !isDeepStrictEqual(pair[1], record.after)) {
      logger.warn(
        { cursor: record.cursor, after: record.after, item: record.item },
        'a recorded item is not at its cursor any more (deleted or moved); not replayed',
      );
      continue;
    }
    yield [pair[0], index + 1] as const;
  }
}

/**
 * Takes the records a replay job visits, on its first run: claims each in its job's list for
 * `job` (itself), then reads it. Records another replay holds are left to it. Their order is the
 * order of the replay's data: oldest first, job by job.
 */
export async function takeReplayRecords(
  store: CheckpointStore,
  job: Job,
  jobName: string,
  replay: NonNullable<RunOrigin['replay']>,
  logger: Logger,
): Promise<ReplayState> {
  const queueName = job.queueName;
  const refs = replay.items ?? (await everyRecordOf(store, queueName, jobName, replay.of));
  const items: ReplayedItem[] = [];
  for (const source of distinct(refs.map((ref) => ref.job))) {
    const mine = refs.filter((ref) => ref.job === source);
    const ref = { queueName, id: source };
    const taken = await claimRecords(store, ref, String(job.id), mine);
    const text = await store.load(ref);
    const records = text === undefined ? [] : (parseState(text, jobName, source).failedItems ?? []);
    for (const { index, partition } of mine) {
      const record = records[index];
      if (!taken.has(index) || record === undefined) continue;
      const bounds = record.partition === undefined && partition !== undefined ? { partition } : {};
      items.push({ ...record, ...bounds, source: { job: source, index } });
    }
    if (taken.size < mine.length) {
      logger.warn(
        { job: source, asked: mine.length, taken: taken.size },
        'some recorded items are held by another replay; they are left to it',
      );
    }
  }
  return { of: replay.of, items };
}

/** The record of an item of a replay, given the replay cursor after it. */
export function replayedRecord(replay: ReplayState, cursor: JsonValue): FailedItem | undefined {
  return typeof cursor === 'number' ? replay.items[cursor - 1] : undefined;
}

/** A replay enqueued by an older version names only the job: every record of its list. */
async function everyRecordOf(
  store: CheckpointStore,
  queueName: string,
  jobName: string,
  of: string,
): Promise<ReplaySourceRef[]> {
  const text = await store.load({ queueName, id: of });
  const records = text === undefined ? [] : (parseState(text, jobName, of).failedItems ?? []);
  return records.map((_, index) => ({ job: of, index }));
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

async function firstPair(source: unknown): Promise<readonly [unknown, unknown] | undefined> {
  if (source === null || source === undefined) return undefined;
  const s = source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  const iterator = (s[Symbol.asyncIterator]?.call(s) ?? s[Symbol.iterator]?.call(s)) as
    AsyncIterator<unknown> | Iterator<unknown> | undefined;
  if (iterator === undefined) {
    throw new EnumeratorError(
      'buildEnumerator returned something that is not iterable while replaying a recorded item. ' +
        'Return an (async) iterable of [item, cursorAfterItem] pairs.',
      { source: 'buildEnumerator' },
    );
  }
  try {
    const next = await iterator.next();
    if (next.done === true) return undefined;
    const pair = next.value as unknown;
    return Array.isArray(pair) && pair.length === 2 ? [pair[0], pair[1]] : undefined;
  } finally {
    // Lets generators release what they hold (a database cursor, a file).
    await iterator.return?.();
  }
}
