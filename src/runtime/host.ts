/**
 * What a run needs from the outside world. The worker provides the real one (BullMQ job moves, a
 * fenced store, a pino logger, its event emitter); the testing helpers provide an in-memory one, so
 * both run the same lifecycle code.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { Hold } from '../backends/holds.js';
import type { CheckpointStore, JobRef } from '../backends/store.js';
import type { EmitIterationEvent } from '../events.js';
import type { JsonValue } from '../json.js';
import type { ResolvedIterationOptions } from '../options.js';
import type { IterationState } from './state.js';

export interface RunHost {
  readonly store: CheckpointStore;
  readonly logger: Logger;
  readonly options: ResolvedIterationOptions;
  readonly emit: EmitIterationEvent;
  /** Puts the job back in its queue, due in `delayMs`, releasing our lock (no attempt counted). */
  requeue(job: Job, token: string, delayMs: number): Promise<void>;
  /** Publishes the job's progress object. */
  publishProgress(job: Job, progress: object): Promise<void>;
  /**
   * Called after each finished item, once its cursor is recorded and before it is checkpointed.
   * The testing helpers use it to interrupt a run after an exact number of items, the way a
   * shutdown arriving during that item would; the worker leaves it out.
   */
  readonly afterItem?: () => void;
  /**
   * Makes a delayed (parked) job due now, when a resume or a cancel raced the parking of a paused
   * job. Hosts without a queue, like the testing helpers, may leave it out.
   */
  wake?(job: Job): Promise<void>;
  /**
   * Present for a partition of a parallel run that rebalances (see src/parallel/rebalance.ts):
   * how a run interrupted for a `split` cuts its tail off. Absent everywhere else.
   */
  readonly splitter?: RunSplitter;
  /**
   * The parallel run a partition belongs to (its parent job): where a request for the whole run
   * is made (a `RetryAfter` with `scope: 'run'`). Absent outside parallel runs.
   */
  readonly runRef?: JobRef;
  /**
   * Present for a partition of a parallel run with adaptive concurrency (src/parallel/): asked at
   * the run's start and with each control poll whether the run may go on; a run it turns away
   * parks (`shed`) and asks again when it wakes. Absent everywhere else.
   */
  readonly admission?: RunAdmission;
  /** The queue's holds, as the worker sees them (hold-watch.ts); absent in the testing helpers. */
  readonly holds?: RunHolds;
}

/** What a run asks of its worker's view of the holds (see hold-watch.ts). */
export interface RunHolds {
  /** The oldest hold over `tags`, from holds read at most `maxAgeMs` ago. */
  covering(
    tags: Readonly<Record<string, string>> | undefined,
    maxAgeMs: number,
  ): Promise<Hold | undefined>;
}

/** Who may run now, among a parallel run's partitions (see `RunHost.admission`). */
export interface RunAdmission {
  /** May this run go on? Never rejects: a store that cannot answer admits. */
  admit(job: Job): Promise<boolean>;
  /** The run ended: its place goes to another. Never rejects. */
  release(job: Job): Promise<void>;
  /** How long a run turned away parks before it asks again. */
  readonly parkMs: number;
  /** Why it was turned away, for status and logs. */
  reason(): string;
}

/** How a partition gives up the tail of its items; the split ending (split-ending.ts) drives it. */
export interface RunSplitter {
  /**
   * The bounds to keep, then the bounds to give away (one new partition each), from the
   * partition's current bounds and its durable cursor; `undefined` when what is left is too small
   * to split.
   */
  propose(
    job: Job,
    state: Readonly<IterationState>,
    params: unknown,
  ): Promise<readonly JsonValue[] | undefined>;
  /** Adds the job of every split recorded in `state` (a no-op for those that exist). */
  publish(job: Job, state: Readonly<IterationState>): Promise<void>;
  /** Withdraws the split request the run was interrupted for (served, or not worth serving). */
  withdraw(job: Job): Promise<void>;
}

/** The real host's wake: promote the delayed job; it may already have moved on, which is fine. */
export async function promoteDelayed(job: Job): Promise<void> {
  try {
    await job.promote();
  } catch {
    // Not delayed any more: a worker has it, or another process promoted it first.
  }
}

/** What emitting an event reads of a run. */
export interface EmittingRun {
  readonly host: RunHost;
  readonly job: Job;
  readonly definition: { readonly name: string };
  readonly logger: Logger;
  readonly ledger: { event(job: Job, jobName: string): object };
}

/** Emits `event` with the run's figures; a throwing listener never changes the run's outcome. */
export function emitEvent(run: EmittingRun, event: string, extra: object): void {
  const payload = run.ledger.event(run.job, run.definition.name);
  try {
    (run.host.emit as (e: string, p: object) => void)(event, { ...payload, ...extra });
  } catch (error) {
    // A throwing event listener is the listener's bug; it must not change the job's outcome.
    run.logger.error({ err: error, event }, 'an iteration event listener threw');
  }
}
