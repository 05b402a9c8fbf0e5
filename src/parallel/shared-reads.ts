/**
 * The reads of a parallel run's own records that its partitions poll (the run's control request
 * and its live settings), shared between the partitions of the run that one worker runs. Every
 * running partition polls both each `controlPollIntervalMs`; without sharing, a worker running P
 * partitions of a run sends 2P reads an interval for two records that are the same for all of
 * them. With it, a read younger than the interval (or still in flight) answers every partition of
 * that worker: 2 reads an interval per worker and run, whatever P (see docs/scaling.md).
 *
 * A partition may see the run's request up to one interval later than a read of its own would
 * have: a pause or cancel reaches it within two intervals instead of one. A write through the
 * same worker forgets the shared read, so a compare-and-swap that lost (`swapSettings`) reads the
 * store again; a failed read is not kept.
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';

type Kind = 'control' | 'settings';

interface Entry {
  readonly at: number;
  readonly value: Promise<string | undefined>;
}

export class SharedReads {
  readonly #entries = new Map<string, Entry>();
  readonly #maxAgeMs: number;

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  /** The shared read of `kind` of `ref`, made with `load` when none is young enough. */
  read(
    kind: Kind,
    ref: JobRef,
    load: () => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const key = keyOf(kind, ref);
    const now = performance.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && now - hit.at < this.#maxAgeMs) return hit.value;
    this.#prune(now);
    const entry: Entry = { at: now, value: load() };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }

  /** Forgets the shared read of `kind` of `ref`: written through this worker, or a swap lost. */
  forget(kind: Kind, ref: JobRef): void {
    this.#entries.delete(keyOf(kind, ref));
  }

  /** Reads older than the interval are never answered again: drop them (runs end). */
  #prune(now: number): void {
    if (this.#entries.size < 64) return;
    for (const [key, entry] of this.#entries) {
      if (now - entry.at >= this.#maxAgeMs) this.#entries.delete(key);
    }
  }
}

function keyOf(kind: Kind, ref: JobRef): string {
  return `${kind}\u0000${ref.queueName}\u0000${ref.id}`;
}

const perStore = new WeakMap<CheckpointStore, SharedReads>();

/** The shared reads of the worker whose store is `store` (one per store, so per worker). */
export function sharedReadsOf(store: CheckpointStore, maxAgeMs: number): SharedReads {
  let shared = perStore.get(store);
  if (shared === undefined) {
    shared = new SharedReads(maxAgeMs);
    perStore.set(store, shared);
  }
  return shared;
}
