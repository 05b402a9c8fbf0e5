/**
 * The contract of an effect scope: what an item's effects commit with. Without one, effects are
 * the job's own business and the cursor becomes durable in the queue's store, after the item
 * (at least once). With one (`transactional`), each loop item runs inside a unit of the scope
 * (a transaction of the data database) that also commits the cursor, behind a fence, so effects
 * and cursor land together or not at all (exactly once). The runtime sees only this interface;
 * src/transactional/ implements it.
 *
 *   item ─► policy (retry in place, skip) ─► scope.run: BEGIN · step · fenced cursor · COMMIT
 *                          └─ skip ─► scope.skip: BEGIN · fenced cursor past it + record · COMMIT
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JsonValue } from '../json.js';
import type { DurableExtras } from './state.js';

/** Where a job stands in the scope's store, as a claim reads it back. */
export interface DurablePosition {
  readonly cursor: JsonValue | null;
  readonly processed: number;
  /** Undefined for a position stored before the scope kept extras: the queue side's stand. */
  readonly extras: DurableExtras | undefined;
}

/** What the scope reads and calls on its run. */
export interface ScopeRun {
  readonly job: Job;
  readonly label: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly definition: { readonly name: string };
  /** Runs the job's step for one item (the cursor after it is the item's idempotency key). */
  each(item: unknown, cursor: JsonValue): unknown;
  /** Another run owns the job now: stop at once, touching nothing. */
  loseLock(detail: string): void;
}

export interface EffectScope {
  /** `ctx.tx`: the client inside the unit of the item running now; undefined between items. */
  readonly tx: unknown;
  /**
   * Takes the job in the scope's store (fencing out every earlier run) and returns its durable
   * position there, which becomes the run's. `queueSide` is where the queue's store says the job
   * is; `fresh` says no item was done yet (a new job, or a job id used again).
   */
  claim(queueSide: DurablePosition, fresh: boolean): Promise<DurablePosition>;
  /**
   * Runs one loop item (an item, or an `ItemGroup`) in one unit, committing `cursor` and `weight`
   * more rows with its effects. Rejects when the unit rolled back.
   */
  run(item: unknown, cursor: JsonValue, weight: number): Promise<void>;
  /** Commits the move past a skipped item: `cursor`, and `extras` that record it; no effects. */
  skip(cursor: JsonValue, extras: DurableExtras): Promise<void>;
  /**
   * Commits a move outside any item: to the start of a step (`extras.step`, at `cursor`: `null`,
   * or a restart's), or to a state a migration made (`extras.version`, its cursor).
   */
  moveTo(extras: DurableExtras, cursor: JsonValue | null): Promise<void>;
  /** Ends what the scope keeps between items (a transaction opened ahead); never rejects. */
  release(): Promise<void>;
  /** Items per unit: above 1, the source groups pairs into `ItemGroup`s. */
  readonly itemsPerUnit: number;
}

/** What a definition's `transactional` adapter offers the runtime. */
export interface ScopeFactory {
  /** @internal The scope of one run. */
  scope(run: ScopeRun): EffectScope;
}

/**
 * Shortest time between two queue-side checkpoints of a run with an effect scope. Its cursor is
 * committed with every item in the scope's store, which a resume reads; the queue-side copy only
 * feeds progress and status, so writing it after every item would spend the queue's server (on
 * the PostgreSQL backend, often the data database itself) on a redundant write.
 */
export const SCOPED_CHECKPOINT_INTERVAL_MS = 250;

/** The effect scope of a run of `definition`, from its `transactional` adapter, if it has one. */
export function scopeOf(
  definition: { readonly transactional?: unknown },
  run: ScopeRun,
): EffectScope | undefined {
  const factory = definition.transactional as ScopeFactory | undefined;
  return factory?.scope(run);
}
