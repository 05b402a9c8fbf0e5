/**
 * The flow-control options of a job definition: how fast a run may go (`rate`), how many of a
 * parallel run's partitions are active (`adaptiveConcurrency`) and how long one item may take
 * (`itemTimeoutMs`). See docs/guides/flow-control.md.
 */
import type { AdaptiveConcurrencyOption } from './parallel/adaptive.js';
import type { RateOption } from './runtime/run-rate.js';

/** Part of `IterationJobDefinition`: the options of flow control. */
export interface FlowControlDefinition<Params> {
  /**
   * At most this many partitions of one run are active (waiting or running) at once, so one huge
   * run cannot take every worker slot. @defaultValue unlimited: every partition is added at once
   */
  readonly maxConcurrentPartitions?: number;
  /**
   * Lets health checks drive how many partitions are active, between `minConcurrentPartitions` and
   * `maxConcurrentPartitions`: a degraded check halves them (partitions park at an item boundary,
   * no attempt), a healthy spell adds them back one at a time. See the flow control guide.
   * @defaultValue none: every added partition runs
   *
   * @example
   * ```ts
   * adaptiveConcurrency: { minConcurrentPartitions: 2, health: [postgresReplicationLag({ pool, maxLagMs: 10_000 })] },
   * ```
   */
  readonly adaptiveConcurrency?: AdaptiveConcurrencyOption<Params>;
  /**
   * A deadline for each item: `ctx.signal` aborts when an item has run this long, and an item
   * that has not settled `itemTimeoutGraceMs` later is abandoned; either way it fails with an
   * `ItemTimeoutError`, handled by `itemErrors` like any item failure (see the flow control guide).
   * @defaultValue none: an item may run as long as it takes
   *
   * @example
   * ```ts
   * itemTimeoutMs: 30_000,
   * async eachIteration(user, ctx) { await fetch(url(user), { signal: ctx.signal }); },
   * ```
   */
  readonly itemTimeoutMs?: number;
  /**
   * At most this many rows a second for the whole run, across its partitions, workers and
   * machines (a shared budget in the queue's store; a batch counts its rows). `enqueue`'s `rate`
   * option overrides it for one run, `setRunRate` while the run goes on. See the flow control
   * guide. @defaultValue none
   *
   * @example
   * ```ts
   * rate: { itemsPerSecond: 500 },
   * ```
   */
  readonly rate?: RateOption;
  /** How long past `itemTimeoutMs` an aborted item may take to settle. @defaultValue 1000 */
  readonly itemTimeoutGraceMs?: number;
}
