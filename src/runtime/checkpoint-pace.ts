/**
 * How often a run's coalesced checkpoint writes may start: its pace. A write costs the store a
 * fenced round trip and the worker tens of microseconds of CPU (one `HSET` script, or one
 * PostgreSQL transaction), whatever the number of items it covers; writing again as soon as the
 * last write returned, as a run once did, costs about one write per item on items of a
 * millisecond, so many partitions of a run, or many runs, spend the store on checkpoints.
 *
 * The default pace adapts to the store it writes to (an `auto` pace): the next write starts no
 * sooner than
 *
 *   SHARE × (the store's recent write latency) × max(runs writing to it here, the run's partitions)
 *
 * after the last one started, so the runs of a process keep a store busy with checkpoints for about
 * 1/SHARE of the time, less as the store slows down (its latency grows under load) or as more
 * partitions of the run share it; never later than half of `maxCheckpointLagMs`. Items finishing
 * fast start a write earlier: once half of `maxCheckpointLagItems` items wait for one. The
 * writer's backpressure keeps both bounds whatever the pace (see checkpoint-writer.ts), so a crash
 * redoes at most `maxCheckpointLagItems` items and `maxCheckpointLagMs` of work, as before.
 *
 * A fixed pace is what a user sets with `checkpointIntervalMs` (0: back to back, a write as soon
 * as the last one returned), and what a run with an effect scope uses for its queue-side copy.
 */

/**
 * Part of the time an `auto` pace lets a process's checkpoint writes keep a store busy: 1/SHARE.
 * At 1/20, a run of 16 partitions of 1 ms rows on Redis sent 0.048 commands a row, more than the
 * fan-out pattern's 0.034 (a plain job per 1,000 rows); at 1/40, 0.032, its redo window still a
 * few hundred milliseconds per partition (`npm run bench -- --only fanout`).
 */
export const PACE_SHARE = 40;

/** Weight of the newest latency sample in the store's moving average. */
const LATENCY_WEIGHT = 0.2;

/** A latency sample is capped here: one write retried through an outage must not stall the pace. */
const MAX_SAMPLE_MS = 1_000;

export interface CheckpointPace {
  /** True for a pace that adapts to the store: items then start a write early too. */
  readonly adaptive: boolean;
  /** Shortest time between the starts of two background writes, now, in ms. */
  intervalMs(): number;
  /** A write took `ms` from its start until it landed. */
  observe(ms: number): void;
  /** The writer is done: it no longer shares the store's budget. Idempotent. */
  leave(): void;
}

/** A pace of `ms` between write starts (0: back to back). */
export function fixedPace(ms: number): CheckpointPace {
  return { adaptive: false, intervalMs: () => ms, observe() {}, leave() {} };
}

/** What a process knows of one store: its recent write latency and the runs writing to it. */
class StoreLoad {
  latencyMs = 0;
  writers = 0;

  observe(ms: number): void {
    const sample = Math.min(ms, MAX_SAMPLE_MS);
    this.latencyMs =
      this.latencyMs === 0 ? sample : this.latencyMs + LATENCY_WEIGHT * (sample - this.latencyMs);
  }
}

/** One per store object (a worker's, or a test's in-memory store), for this process. */
const loads = new WeakMap<object, StoreLoad>();

/**
 * The `auto` pace of a run writing to `store`: `partitions` is the run's partition count (1 for a
 * run that is not a partition), `maxLagMs` caps the interval at half of it.
 */
export function storePace(store: object, partitions: number, maxLagMs: number): CheckpointPace {
  let load = loads.get(store);
  if (load === undefined) {
    load = new StoreLoad();
    loads.set(store, load);
  }
  const shared = load;
  shared.writers++;
  let joined = true;
  const cap = maxLagMs / 2;
  return {
    adaptive: true,
    intervalMs: () =>
      Math.min(cap, PACE_SHARE * shared.latencyMs * Math.max(shared.writers, partitions)),
    observe: (ms) => shared.observe(ms),
    leave: () => {
      if (!joined) return;
      joined = false;
      shared.writers--;
    },
  };
}
