/**
 * The progress object a running job publishes through BullMQ's `job.updateProgress`, so dashboards
 * that already read `job.progress` (bull-board and the like) show it: a numeric `progress`
 * percentage when the total is known, plus the iteration figures.
 *
 * Every `updateProgress` is also an event on BullMQ's capped event stream, so the reporter publishes
 * at most once per `progressIntervalMs` from the loop, plus once at each lifecycle change; never per
 * item. Progress is a view for people: the runtime resumes from the fenced checkpoint, never from it.
 */
import type { JsonValue } from '../json.js';

export type IterationStatus = 'running' | 'interrupted' | 'completed' | 'failed';

export interface IterationProgress {
  /** Percentage done, 0–100, present when the total is known. */
  readonly progress?: number;
  readonly processed: number;
  /** Items in the whole collection, when the enumerator can count them. */
  readonly total?: number;
  readonly cursor: JsonValue | null;
  readonly timesInterrupted: number;
  readonly totalTimeMs: number;
  readonly status: IterationStatus;
  /** When this object was published (epoch ms). */
  readonly updatedAt: number;
}

export interface ProgressFigures {
  readonly processed: number;
  readonly total: number | undefined;
  readonly cursor: JsonValue | null;
  readonly timesInterrupted: number;
  readonly totalTimeMs: number;
}

export function buildProgress(
  figures: ProgressFigures,
  status: IterationStatus,
): IterationProgress {
  const { total } = figures;
  const base = {
    processed: figures.processed,
    cursor: figures.cursor,
    timesInterrupted: figures.timesInterrupted,
    totalTimeMs: Math.round(figures.totalTimeMs),
    status,
    updatedAt: Date.now(),
  };
  if (total === undefined) return base;
  const done = status === 'completed' ? 100 : percentage(figures.processed, total);
  return { progress: done, total, ...base };
}

function percentage(processed: number, total: number): number {
  if (total <= 0) return 100;
  // Two decimals: enough for a bar over millions of items, and below 100 until completion.
  return Math.min(99.99, Math.floor((processed / total) * 10_000) / 100);
}

/** Publishes progress for one run: on a timer-set flag from the loop, and on lifecycle changes. */
export class ProgressReporter {
  #due = false;
  #inFlight: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #publishTo: (progress: IterationProgress) => Promise<void>;
  readonly #figures: () => ProgressFigures;
  readonly #onError: (error: unknown) => void;

  constructor(options: {
    publish: (progress: IterationProgress) => Promise<void>;
    intervalMs: number;
    figures: () => ProgressFigures;
    onError: (error: unknown) => void;
  }) {
    this.#publishTo = options.publish;
    this.#figures = options.figures;
    this.#onError = options.onError;
    this.#timer = setInterval(() => {
      this.#due = true;
    }, options.intervalMs);
    this.#timer.unref();
  }

  /** Set once per interval; the loop reads it at item boundaries, which costs one property read. */
  get due(): boolean {
    return this.#due;
  }

  /** Publishes in the background if nothing is in flight (called by the loop when `due`). */
  tick(): void {
    this.#due = false;
    if (this.#inFlight !== undefined) return;
    this.#inFlight = this.#publish('running').finally(() => {
      this.#inFlight = undefined;
    });
  }

  /** Publishes a lifecycle change and waits for it; failures are reported, not thrown. */
  async publish(status: IterationStatus): Promise<void> {
    this.#due = false;
    if (this.#inFlight !== undefined) await this.#inFlight;
    await this.#publish(status);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #publish(status: IterationStatus): Promise<void> {
    try {
      await this.#publishTo(buildProgress(this.#figures(), status));
    } catch (error) {
      this.#onError(error);
    }
  }
}
