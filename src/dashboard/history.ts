/**
 * What the dashboard remembers of runs between reads, in memory: samples of items processed over
 * time (for the run page's chart) and the status changes it has seen (for its events history).
 * Every read of a run feeds it, so a run's chart fills while any page that shows the run is open.
 * Bounded: samples are thinned when a run has too many, and the least recently seen runs go first.
 */
import type { IterationRunInfo } from '../control/status.js';

export interface Sample {
  /** Epoch ms. */
  readonly at: number;
  readonly processed: number;
}

export interface SeenChange {
  readonly at: number;
  readonly status: string;
  /** The operator's reason or the last error, when there is one. */
  readonly detail: string | undefined;
}

interface Remembered {
  samples: Sample[];
  changes: SeenChange[];
}

const MAX_SAMPLES = 600;
const MAX_CHANGES = 200;
const MAX_RUNS = 2_000;
/** A sample even when nothing moved, so a stalled run draws a flat line rather than nothing. */
const IDLE_SAMPLE_MS = 10_000;

export class RunHistory {
  readonly #runs = new Map<string, Remembered>();

  /** Records what a read saw of `run`, at `at`. */
  observe(run: IterationRunInfo, at = Date.now()): void {
    const key = keyOf(run.queueName, run.jobId);
    let entry = this.#runs.get(key);
    if (entry === undefined) {
      entry = { samples: [], changes: [] };
      if (this.#runs.size >= MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    } else this.#runs.delete(key);
    this.#runs.set(key, entry); // re-inserted: the map's order is least recently seen first
    const last = entry.samples.at(-1);
    if (last === undefined || last.processed !== run.processed || at - last.at >= IDLE_SAMPLE_MS) {
      entry.samples.push({ at, processed: run.processed });
      if (entry.samples.length > MAX_SAMPLES) entry.samples = thin(entry.samples);
    }
    const status = String(run.status);
    if (entry.changes.at(-1)?.status !== status) {
      entry.changes.push({ at, status, detail: run.control?.reason ?? run.lastError });
      if (entry.changes.length > MAX_CHANGES) entry.changes.shift();
    }
  }

  samples(queueName: string, jobId: string): readonly Sample[] {
    return this.#runs.get(keyOf(queueName, jobId))?.samples ?? [];
  }

  changes(queueName: string, jobId: string): readonly SeenChange[] {
    return this.#runs.get(keyOf(queueName, jobId))?.changes ?? [];
  }
}

/** Runs of two queues may share an id. */
function keyOf(queueName: string, jobId: string): string {
  return `${queueName}\u0000${jobId}`;
}

/** Every other sample, keeping the first and the last: the chart's shape at half the points. */
function thin(samples: readonly Sample[]): Sample[] {
  const kept = samples.filter((_, i) => i % 2 === 0);
  if (kept.at(-1) !== samples.at(-1)) kept.push(samples.at(-1)!);
  return kept;
}
