/**
 * Where a run comes from, decided in one place from its job's data. A job's data is the params it
 * was enqueued with, possibly wrapped by the runtime, each wrapper under a key of its own:
 *
 *   restart ─► replay ─► partition ─► params        (outermost first; any of them may be absent)
 *
 * - a partition of a parallel run (`<parent>-p<i>`), or a split of one (`<partition>s<n>`), wraps
 *   the run's params with which partition it is;
 * - a replay of recorded items (`retryFailedItems`) wraps the data of the job it replays;
 * - a restart (`restartRun`) wraps the data of the job it restarts, with where to start.
 *
 * Every feature reads the same answer from {@link originOf}: a replay of a partition replays that
 * partition's items, a restart of a partition runs that partition's bounds, and a partition job is
 * never mistaken for a new parallel run because something else wrapped its data.
 */
import type { JsonValue } from '../json.js';
import type { RestartRecord } from './state.js';

/** The key of a partition job's data. */
export const PARTITION_KEY = '$bullmqIterationPartition';
/** The key of a replay job's data. */
export const REPLAY_KEY = '$bullmqIterationReplay';
/** The key of a restart job's data. */
export const RESTART_KEY = '$bullmqIterationRestart';

/** What a partition job's data carries under {@link PARTITION_KEY}. */
export interface PartitionData {
  /** Id of the run's parent job. */
  readonly run: string;
  /**
   * Position of the partition in the plan, from 0; for a partition made by a rebalancing split,
   * that of the planned partition it descends from.
   */
  readonly index: number;
  /** How many partitions the plan has. */
  readonly count: number;
  /** The partition itself: one element of what `partitions()` returned. */
  readonly value: JsonValue;
  /** The run's params (the parent's data), untouched. */
  readonly params: unknown;
  /** Set on a partition made by a rebalancing split: the job id of the partition it came from. */
  readonly splitOf?: string;
  /**
   * Set on a split of a job made of steps: the step the split was made in. The new partition
   * starts there, since the steps before it were done over the whole partition it came from.
   */
  readonly step?: string;
  /**
   * Set while the run asks this partition to split (epoch ms of the request); the partition
   * withdraws it once served. Kept in the job's data because operators never write there.
   */
  readonly splitRequestedAt?: number;
  /**
   * The version of the job that planned the partition (or split it off): the version of a
   * partition that has no state yet (see run-version.ts). Absent: 1.
   */
  readonly version?: number;
  /** With `splitRequestedAt`: how many more pieces the run asks for (1 when absent). */
  readonly splitWays?: number;
  /**
   * The run's slots as the process that asked for a split saw them (the most of its partitions
   * running at once), handed down to the pieces: a piece that starts in another process then knows
   * them too, and asks for a piece per slot still idle.
   */
  readonly runSlots?: number;
}

/** One recorded item a replay takes: the job that recorded it and its place in that job's list. */
export interface ReplaySourceRef {
  readonly job: string;
  readonly index: number;
  /**
   * The replay that held the record when this one was enqueued (it finished without doing it):
   * the record is taken over only while that is still so. Absent: the record was free.
   */
  readonly from?: string;
  /**
   * The bounds of the partition whose list holds the record, for a record made before records
   * carried them.
   */
  readonly partition?: JsonValue;
}

/** What a replay job's data carries under {@link REPLAY_KEY}. */
export interface ReplayData {
  /** Id of the job (or parallel run) whose skipped items this job replays. */
  readonly of: string;
  /** That job's data, untouched. */
  readonly params: unknown;
  /**
   * The records to take, in order. Absent in replays enqueued by older versions: every record of
   * job `of`.
   */
  readonly items?: readonly ReplaySourceRef[];
}

/** What a restart job's data carries under {@link RESTART_KEY}. */
export interface RestartData extends RestartRecord {
  /** The restarted job's data, untouched (its params, a partition's or a replay's data). */
  readonly data: unknown;
}

/**
 * What started a run: its outermost wrapper (`fresh` for a job enqueued with its params), the
 * params `parseParams` receives, and each wrapper found.
 */
export interface RunOrigin {
  readonly kind: 'fresh' | 'partition' | 'split' | 'replay' | 'restart';
  readonly params: unknown;
  readonly partition?: PartitionData;
  readonly replay?: Omit<ReplayData, 'params'>;
  readonly restart?: RestartRecord;
}

/** Decodes a job's data: every wrapper, once each, outermost first. */
export function originOf(data: unknown): RunOrigin {
  let inner = data;
  let restart: RestartData | undefined;
  let replay: ReplayData | undefined;
  let partition: PartitionData | undefined;
  for (;;) {
    const r = restart === undefined ? restartOf(inner) : undefined;
    if (r !== undefined) {
      restart = r;
      inner = r.data;
      continue;
    }
    const p = replay === undefined ? replayOf(inner) : undefined;
    if (p !== undefined) {
      replay = p;
      inner = p.params;
      continue;
    }
    const q = partition === undefined ? partitionOf(inner) : undefined;
    if (q !== undefined) {
      partition = q;
      inner = q.params;
      continue;
    }
    break;
  }
  const kind =
    restart !== undefined
      ? 'restart'
      : replay !== undefined
        ? 'replay'
        : partition !== undefined
          ? partition.splitOf === undefined
            ? 'partition'
            : 'split'
          : 'fresh';
  return {
    kind,
    params: inner,
    ...(partition === undefined ? {} : { partition }),
    ...(replay === undefined ? {} : { replay: withoutParams(replay) }),
    ...(restart === undefined ? {} : { restart: restartRecord(restart) }),
  };
}

/**
 * The partition a job's data describes at its top level: a partition job of a parallel run (a
 * child of its flow), or undefined for a parent, an ordinary job, or a replay or restart of a
 * partition (which run on its bounds but outside the flow; see {@link originOf}).
 */
export function partitionOf(data: unknown): PartitionData | undefined {
  const inner = wrapped(data, PARTITION_KEY) as Partial<PartitionData> | undefined;
  return typeof inner?.run === 'string' && typeof inner.index === 'number'
    ? (inner as PartitionData)
    : undefined;
}

export function partitionData(partition: PartitionData): Record<string, PartitionData> {
  return { [PARTITION_KEY]: partition };
}

/** The replay instructions of a job's data at its top level, or undefined. */
export function replayOf(data: unknown): ReplayData | undefined {
  const replay = wrapped(data, REPLAY_KEY) as Partial<ReplayData> | undefined;
  if (typeof replay?.of !== 'string') return undefined;
  return {
    of: replay.of,
    params: replay.params,
    ...(Array.isArray(replay.items) ? { items: replay.items } : {}),
  };
}

/** The data of a job that replays `items` of job (or run) `of`, whose data was `data`. */
export function replayData(
  of: string,
  data: unknown,
  items?: readonly ReplaySourceRef[],
): Record<string, ReplayData> {
  // Replaying a replay replays with the data of what it replayed.
  const inner = replayOf(data);
  const params = inner === undefined ? data : inner.params;
  return { [REPLAY_KEY]: { of, params, ...(items === undefined ? {} : { items }) } };
}

/** The restart instructions of a job's data at its top level, or undefined. */
export function restartOf(data: unknown): RestartData | undefined {
  const restart = wrapped(data, RESTART_KEY) as Partial<RestartData> | undefined;
  return typeof restart?.of === 'string' ? (restart as RestartData) : undefined;
}

/** The data a job had before any restart wrapped it. */
export function unwrapRestart(data: unknown): unknown {
  return restartOf(data)?.data ?? data;
}

/** The data of a job that restarts with `record`, from a job whose data was `data`. */
export function restartData(record: RestartRecord, data: unknown): Record<string, RestartData> {
  // A restart of a restart starts from its own cursor, with the original data.
  return { [RESTART_KEY]: { ...record, data: unwrapRestart(data) } };
}

/** The value under `key` when `data` is an object with that key alone. */
function wrapped(data: unknown, key: string): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== key) return undefined;
  const inner = (data as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null ? inner : undefined;
}

function withoutParams(replay: ReplayData): Omit<ReplayData, 'params'> {
  const { params: _params, ...rest } = replay;
  return rest;
}

function restartRecord(restart: RestartData): RestartRecord {
  const { of, from, oldCursor, oldProcessed, at, version } = restart;
  return { of, from, oldCursor, oldProcessed, at, ...(version === undefined ? {} : { version }) };
}

/**
 * The id of the `n`-th partition (from 1) split off partition job `jobId` by rebalancing: one
 * sequence per partition, counted in its own fenced state, so concurrent splits never collide.
 */
export function splitJobId(jobId: string, n: number): string {
  return `${jobId}s${n}`;
}
