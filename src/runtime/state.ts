/**
 * The iteration state persisted for each job: where it is (`cursor`), how far it got and how it
 * has run so far. One JSON document per job, written by the checkpoint writer and read once at the
 * start of every run. Field names are stable storage format: add fields, never rename them.
 */
import { CheckpointError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ThrottleStats } from '../throttle/stats.js';
import { readThrottleStats } from '../throttle/stats.js';
import type { FailedItem, ReplayState } from './item-policy.js';
import type { OutageStats } from './outage.js';
import { readOutageStats } from './outage.js';
import type { StepState } from './step-state.js';
import { readStepState } from './step-state.js';

/**
 * `iterating` until the enumerator is exhausted or `stop()` is called; `completing` once it is
 * and `onComplete` has yet to succeed, so a retry after a failing `onComplete` neither iterates
 * again nor skips the callback.
 */
export type IterationPhase = 'iterating' | 'completing';

export interface IterationState {
  /** Storage format version. */
  readonly v: 1;
  /** Position after the last finished item; `null` before the first. */
  cursor: JsonValue | null;
  /** Items finished over the whole life of the job. */
  processed: number;
  /** Runs that ended by being interrupted and requeued. */
  timesInterrupted: number;
  /** Running time summed over all runs, in milliseconds. */
  totalTimeMs: number;
  /** When `onStart` finished (epoch ms). */
  startedAt: number;
  /**
   * False until `onStart` has run: a job paused, cancelled or throttled before its first run has
   * stored state already, and its first real run must still be a start, not a resume. Absent in
   * states written before this field existed, which were always written after `onStart`.
   */
  began?: boolean;
  phase: IterationPhase;
  /**
   * How much the job has been throttled; absent until its first throttle (and in states written
   * before throttling existed). Kept apart from `timesInterrupted`: a throttle is the job stepping
   * aside for an unhealthy resource, not the worker taking it away.
   */
  throttle?: ThrottleStats;
  /** Transient outages the job sat out (see src/runtime/outage.ts); absent until the first. */
  outage?: OutageStats;
  /** Set when an operator cancelled the job: it ended without finishing its enumerator. */
  cancelled?: { readonly at: number; readonly reason?: string };
  /**
   * Items skipped after failing (`itemErrors: { action: 'skip' }`), over the life of the job; not
   * counted in `processed`. Absent until the first.
   */
  skipped?: number;
  /** Records of skipped items, oldest first, at most `maxRecorded` of them. */
  failedItems?: FailedItem[];
  /** Skipped items not recorded because the list was full. */
  failedItemsDropped?: number;
  /**
   * Set on the first run of a job made by `retryFailedItems`: the records it replays. Its `cursor`
   * is then the number of records done.
   */
  replay?: ReplayState;
  /**
   * In a job made of `steps`: the step it is in; `cursor` is then that step's cursor. Steps before
   * it are finished and never run again. Absent until the first step starts.
   */
  step?: StepState;
  /**
   * Set on the parent job of a parallel run once its partitions are planned: the plan, one JSON
   * value per partition, stored before any partition job is added (see src/parallel/), and the
   * version of the job it was planned with (absent: 1), which its partitions start in.
   */
  parallel?: ParallelPlan;
  /**
   * Set on the first run of a job made by `restartRun` with `fromCursor`: the job it restarts,
   * where that one stood, and the cursor this one started from.
   */
  restart?: RestartRecord;
  /**
   * Set on a partition of a parallel run once a rebalancing split shrank it: its bounds now, which
   * its enumerator is built from instead of the planned ones (see src/parallel/rebalance.ts).
   */
  partition?: JsonValue;
  /**
   * The partitions split off this one, oldest first, each stored in the same fenced write as the
   * shrunk bounds, before its job is added: a crash between the two re-adds the same job id.
   */
  splits?: SplitRecord[];
  /**
   * The `version` of the job definition that wrote this state (see the changing-jobs guide): a
   * worker of an older version gives the job back instead of running it, a newer one migrates it.
   * Absent in states written before versions existed, which read as version 1.
   */
  version?: number;
  /**
   * Set once a migration changed the job's params: the params the run uses instead of those of
   * its job's data (which stay as enqueued).
   */
  params?: JsonValue;
  /** Set by the last migration of the state: what it was before, for the operator. */
  migrated?: MigrationRecord;
}

/**
 * A migration of a run's state from one version of its job to another (see `migrate`).
 *
 * @example
 * ```ts
 * const { migrated } = await getRun(queue, '42');
 * console.log(`v${migrated?.fromVersion} → v${migrated?.toVersion}, was at`, migrated?.previous.cursor);
 * ```
 */
export interface MigrationRecord {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** The state as version `fromVersion` left it: cursor, params and step name. */
  readonly previous: {
    readonly cursor: JsonValue | null;
    readonly params: JsonValue | null;
    readonly step: string | null;
  };
  /** When (epoch ms). */
  readonly at: number;
}

/** The plan of a parallel run, as its parent's state stores it. */
export interface ParallelPlan {
  readonly plan: JsonValue[];
  readonly version?: number;
}

/** One rebalancing split, as the partition that gave up its tail records it. */
export interface SplitRecord {
  /** Job id of the partition split off (deterministic: `<own id>s<n>`). */
  readonly jobId: string;
  /** The bounds it took. */
  readonly partition: JsonValue;
  /** In a job made of steps: the step it was split in, where the new partition starts. */
  readonly step?: string;
  /** This partition's cursor when it split (`null`: before its first item). */
  readonly cursor: JsonValue | null;
  /** When (epoch ms). */
  readonly at: number;
}

/** Where a restarted job starts and what it restarts, as recorded in its state. */
export interface RestartRecord {
  /** Id of the job this one restarts. */
  readonly of: string;
  /** The cursor this job started from (`null`: the beginning). */
  readonly from: JsonValue | null;
  /** Where job `of` stood when it was restarted: its cursor and items processed. */
  readonly oldCursor: JsonValue | null;
  readonly oldProcessed: number;
  /** When the restart was asked for (epoch ms). */
  readonly at: number;
  /** The version of the job whose cursor format `from` is in; absent: 1. */
  readonly version?: number;
}

/**
 * The parts of the state that a transactional job commits with its cursor in the data database
 * (besides the cursor and `processed`): where its steps are, what it skipped, and the version
 * its cursor is in (with what a migration changed). A resume reads them back from there, so they
 * never lag the effects they go with.
 */
export interface DurableExtras {
  readonly step?: StepState;
  readonly skipped?: number;
  readonly failedItems?: readonly FailedItem[];
  readonly failedItemsDropped?: number;
  readonly version?: number;
  readonly params?: JsonValue;
  readonly migrated?: MigrationRecord;
}

/** The fields of {@link DurableExtras}, each also a field of the state. */
export const EXTRAS = [
  'step',
  'skipped',
  'failedItems',
  'failedItemsDropped',
  'version',
  'params',
  'migrated',
] as const satisfies readonly (keyof DurableExtras & keyof IterationState)[];

/** The durable extras of a state, as the data database stores them. */
export function extrasOf(state: Readonly<IterationState>): DurableExtras {
  const extras: Record<string, unknown> = {};
  for (const key of EXTRAS) if (state[key] !== undefined) extras[key] = state[key];
  return extras as DurableExtras;
}

export function initialState(now: number): IterationState {
  return {
    v: 1,
    cursor: null,
    processed: 0,
    timesInterrupted: 0,
    totalTimeMs: 0,
    startedAt: now,
    began: false,
    phase: 'iterating',
  };
}

/** Parses stored state, refusing anything this version did not write. */
export function parseState(text: string, jobName: string, jobId: string): IterationState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(jobName, jobId, text, 'it is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(jobName, jobId, value, 'it is not an object');
  }
  const s = value as Record<string, unknown>;
  if (s.v !== 1) throw corrupt(jobName, jobId, value, `its version is ${String(s.v)}, expected 1`);
  for (const field of ['processed', 'timesInterrupted', 'totalTimeMs', 'startedAt'] as const) {
    const n = s[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw corrupt(jobName, jobId, value, `"${field}" is ${String(n)}, expected a number ≥ 0`);
    }
  }
  if (s.phase !== 'iterating' && s.phase !== 'completing') {
    throw corrupt(jobName, jobId, value, `"phase" is ${String(s.phase)}`);
  }
  if (!('cursor' in s)) throw corrupt(jobName, jobId, value, '"cursor" is missing');
  // Bookkeeping only: a damaged field reads as zero instead of failing the job over it.
  if (s.throttle !== undefined) s.throttle = readThrottleStats(s.throttle);
  if (s.outage !== undefined) s.outage = readOutageStats(s.outage);
  for (const field of ['skipped', 'failedItemsDropped'] as const) {
    const n = s[field];
    if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0))
      s[field] = 0;
  }
  if (s.failedItems !== undefined && !Array.isArray(s.failedItems)) s.failedItems = [];
  const version = s.version;
  if (version !== undefined && !(Number.isSafeInteger(version) && (version as number) >= 1)) {
    // Not bookkeeping either: it decides who may run the job and what migrates.
    throw corrupt(jobName, jobId, value, `"version" is ${JSON.stringify(version)}`);
  }
  if (s.step !== undefined) {
    // Not bookkeeping: it says which step to run, so a damaged one is refused like the cursor.
    const step = readStepState(s.step);
    if (typeof step === 'string') throw corrupt(jobName, jobId, value, step);
    s.step = step;
  }
  return value as IterationState;
}

function corrupt(jobName: string, jobId: string, stored: unknown, why: string): CheckpointError {
  return new CheckpointError(
    `Iteration state of job "${jobName}" (id ${jobId}) cannot be read: ${why}. ` +
      'It was changed outside bullmq-iteration or written by an incompatible version; ' +
      'fix or delete it, then retry the job.',
    { jobName, stored },
  );
}
