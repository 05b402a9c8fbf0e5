/**
 * Replay of skipped items (`retryFailedItems`): a new job of the same name whose data wraps the
 * original params and names the job it replays. On its first run it copies that job's records into
 * its own state; it then enumerates them, rebuilding the job's own enumerator at each recorded
 * cursor and taking one item, which it processes only when its cursor after is the recorded one
 * (the same item, fixed or not). Its cursor is the number of records done, so it resumes like any
 * other job; items that fail again are recorded in its own list, with their original cursors.
 */
import { isDeepStrictEqual } from 'node:util';

import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { CheckpointStore } from '../backends/store.js';
import { EnumeratorError, ParamsError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { FailedItem, ReplayState } from './item-policy.js';
import { parseState } from './state.js';

/** The key of a replay job's data; the original params sit under it. */
export const REPLAY_KEY = '$bullmqIterationReplay';

/** What a replay job's data carries under {@link REPLAY_KEY}. */
export interface ReplayData {
  /** Id of the job whose skipped items this job replays. */
  readonly of: string;
  /** That job's params, untouched. */
  readonly params: unknown;
}

/** The replay instructions of a job's data, or undefined for an ordinary job. */
export function replayOf(data: unknown): ReplayData | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== REPLAY_KEY) return undefined;
  const replay = (data as Record<string, unknown>)[REPLAY_KEY] as Partial<ReplayData> | null;
  return typeof replay?.of === 'string' ? { of: replay.of, params: replay.params } : undefined;
}

/** The data of a job that replays the skipped items of job `of`, whose data was `data`. */
export function replayData(of: string, data: unknown): Record<string, ReplayData> {
  // Replaying a replay replays the original job's items with the original params.
  const inner = replayOf(data);
  return { [REPLAY_KEY]: { of, params: inner === undefined ? data : inner.params } };
}

/**
 * The records from `from` on, as `[item, recordsDone]` pairs: each one's item as the job's
 * enumerator yields it now at the recorded cursor, skipping records whose item is gone.
 */
export async function* replayItems(
  replay: ReplayState,
  from: number,
  build: (cursor: JsonValue | null, record: FailedItem) => unknown,
  logger: Logger,
): AsyncGenerator<readonly [unknown, number]> {
  for (let index = from; index < replay.items.length; index++) {
    const record = replay.items[index]!;
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

/** The records a replay job visits, copied from the job it replays on its first run. */
export async function replayRecords(
  store: CheckpointStore,
  job: Job,
  jobName: string,
  label: string,
  of: string,
): Promise<ReplayState> {
  const text = await store.load({ queueName: job.queueName, id: of });
  const source = text === undefined ? undefined : parseState(text, jobName, of);
  const items = source?.failedItems ?? [];
  if (items.length === 0) {
    throw new ParamsError(
      `${label} replays the skipped items of job "${of}", but that job has no recorded items ` +
        '(it was removed, or skipped nothing). Enqueue replays with retryFailedItems.',
      { jobName, params: job.data },
    );
  }
  return { of, items };
}

/** The record of an item of a replay, given the replay cursor after it. */
export function replayedRecord(replay: ReplayState, cursor: JsonValue): FailedItem | undefined {
  return typeof cursor === 'number' ? replay.items[cursor - 1] : undefined;
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
