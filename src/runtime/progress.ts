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
import type { StepState } from './step-state.js';

/**
 * - `running`: a run is iterating.
 * - `interrupted`: the run stopped (shutdown, `maxRuntimeMs`, an abort) and the job was requeued.
 * - `throttled`: a throttle condition held; the job was requeued after its backoff.
 * - `recovering`: a resource the run uses stayed unavailable (a database or Redis restart); the job
 *   was requeued from its last checkpoint after a backoff, without counting an attempt.
 * - `paused`: an operator paused the job; it is parked until resumed.
 * - `retry-after`: a step threw `RetryAfter`; the job is parked until `waitUntil`, no attempt
 *   counted.
 * - `shed`: adaptive concurrency parked this partition while its run's health is degraded.
 * - `held`: a hold covers the run's tags; it is parked until the hold is released.
 * - `completed` / `cancelled`: the job's final outcome (cancelled by an operator).
 * - `failed`: a failed attempt, which BullMQ may retry.
 */
export type IterationStatus =
  | 'running'
  | 'interrupted'
  | 'throttled'
  | 'recovering'
  | 'paused'
  | 'retry-after'
  | 'shed'
  | 'held'
  | 'completed'
  | 'cancelled'
  | 'failed';

/** What stopped a throttled run, in the progress it published last. */
export interface ThrottleProgress {
  /** The condition that held. */
  readonly condition: string;
  /** What it saw: `replication lag 12.4 s (limit 10 s)`. */
  readonly reason: string;
  /** The backoff the job was requeued with: it is due again about this long after `updatedAt`. */
  readonly delayMs: number;
}

export interface IterationProgress {
  /** Percentage done, 0–100, present when the total is known. */
  readonly progress?: number;
  readonly processed: number;
  /** Items in the whole collection, when the enumerator can count them. */
  readonly total?: number;
  readonly cursor: JsonValue | null;
  readonly timesInterrupted: number;
  /** Runs that ended throttled, over the life of the job (not counted in `timesInterrupted`). */
  readonly timesThrottled: number;
  /** Time spent waiting after throttles, in milliseconds. */
  readonly throttledMs: number;
  /** With status `throttled` only: the condition that held and when the job runs again. */
  readonly throttle?: ThrottleProgress;
  /** Runs requeued after a transient failure, over the life of the job; absent when none. */
  readonly transientFailures?: number;
  /** Time spent waiting after those requeues, in milliseconds; absent when none. */
  readonly transientMs?: number;
  /** Items skipped after failing (see `itemErrors`), over the life of the job; absent when none. */
  readonly skipped?: number;
  /**
   * In a job made of `steps`: the step it is in (`index` from 0 of `count`); `processed` and the
   * other figures stay those of the whole job. Absent in other jobs.
   */
  readonly step?: StepState;
  readonly totalTimeMs: number;
  /** While running: items per second over the last {@link RATE_WINDOW_MS}. */
  readonly itemsPerSecond?: number;
  /** The run's rate limit in force, when it has one (see `rate`). */
  readonly rate?: ProgressRate;
  /** While running with a known total: milliseconds left at the current rate. */
  readonly etaMs?: number;
  readonly status: IterationStatus;
  /** When this object was published (epoch ms). */
  readonly updatedAt: number;
}

/** What a lifecycle change publishes beside the figures: a parked run's time and reason. */
export interface ProgressNote {
  /** With status `retry-after`: when the run goes on (epoch ms). */
  readonly waitUntil?: number;
  /** Why it waits. */
  readonly reason?: string;
  /** With status `held`: the hold's id. */
  readonly holdId?: string;
}

/** The rate in progress is measured over this recent window, so it follows changes in speed. */
export const RATE_WINDOW_MS = 30_000;

export interface ProgressFigures {
  readonly processed: number;
  readonly total: number | undefined;
  readonly cursor: JsonValue | null;
  readonly timesInterrupted: number;
  readonly timesThrottled: number;
  readonly throttledMs: number;
  /** Set once a throttle condition held in this run; published with status `throttled` only. */
  readonly throttle: ThrottleProgress | undefined;
  readonly transientFailures: number;
  readonly transientMs: number;
  readonly skipped: number;
  readonly step: StepState | undefined;
  readonly totalTimeMs: number;
  /** The rate limit in force, if any. */
  readonly rate: ProgressRate | undefined;
}

/** A run's rate limit, as progress publishes it. */
export interface ProgressRate {
  readonly itemsPerSecond: number;
  readonly source: 'definition' | 'enqueue' | 'set';
}

export function buildProgress(
  figures: ProgressFigures,
  status: IterationStatus,
  itemsPerSecond?: number,
): IterationProgress {
  const { total, throttle } = figures;
  const moving = status === 'running' && itemsPerSecond !== undefined;
  const base = {
    processed: figures.processed,
    cursor: figures.cursor,
    timesInterrupted: figures.timesInterrupted,
    timesThrottled: figures.timesThrottled,
    throttledMs: Math.round(figures.throttledMs),
    ...(status === 'throttled' && throttle !== undefined ? { throttle } : {}),
    ...(figures.transientFailures > 0
      ? {
          transientFailures: figures.transientFailures,
          transientMs: Math.round(figures.transientMs),
        }
      : {}),
    ...(figures.skipped > 0 ? { skipped: figures.skipped } : {}),
    ...(figures.step === undefined ? {} : { step: figures.step }),
    ...(figures.rate === undefined ? {} : { rate: figures.rate }),
    totalTimeMs: Math.round(figures.totalTimeMs),
    ...(moving ? { itemsPerSecond: Math.round(itemsPerSecond * 100) / 100 } : {}),
    ...(moving && total !== undefined && itemsPerSecond > 0
      ? { etaMs: Math.round((Math.max(0, total - figures.processed) / itemsPerSecond) * 1000) }
      : {}),
    status,
    updatedAt: Date.now(),
  };
  if (total === undefined) return base;
  const done = status === 'completed' ? 100 : percentage(figures.processed, total);
  return { progress: done, total, ...base };
}

/**
 * The total the job's last run published, if any. A run starts with it, so a run that ends
 * before it sizes its enumerator (throttled or paused by the check before `buildEnumerator`)
 * still publishes the total and its percentage; sizing the enumerator replaces it.
 */
export function publishedTotal(progress: unknown): number | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const total = (progress as { total?: unknown }).total;
  return typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : undefined;
}

/** Percentage done, below 100 until the job completes (then the caller says 100). */
export function percentage(processed: number, total: number): number {
  if (total <= 0) return 100;
  // Two decimals: enough for a bar over millions of items, and below 100 until completion.
  return Math.min(99.99, Math.floor((processed / total) * 10_000) / 100);
}

/**
 * Items per second over a sliding window of (time, processed) samples, one per publication: cheap
 * (a handful of samples) and robust to a slow start or a pause in the middle of a run.
 */
export class RateMeter {
  readonly #samples: { at: number; processed: number }[] = [];
  readonly #windowMs: number;

  constructor(windowMs = RATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records a sample and returns the rate, or undefined until a second has been observed. */
  sample(processed: number, at = Date.now()): number | undefined {
    const samples = this.#samples;
    samples.push({ at, processed });
    // Keep the newest sample older than the window as the baseline, drop the rest.
    while (samples.length > 2 && at - samples[1]!.at >= this.#windowMs) samples.shift();
    const first = samples[0]!;
    const elapsedMs = at - first.at;
    if (elapsedMs < 1_000) return undefined;
    return ((processed - first.processed) * 1000) / elapsedMs;
  }
}

/** Publishes progress for one run: on a timer-set flag from the loop, and on lifecycle changes. */
export class ProgressReporter {
  #due = false;
  /** True while the newest publication says `running`: only then is a heartbeat due. */
  #live = false;
  readonly #rate = new RateMeter();
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
      // The loop did not come by for a whole interval (an item is slow, or the run waits for a
      // store): publish from here, so a live run never looks like one whose worker died.
      if (this.#due && this.#live) this.tick();
      else this.#due = true;
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

  /**
   * Publishes a lifecycle change and waits for it; failures are reported, not thrown. `note` adds
   * what the change says beyond the figures (`retry-after`: until when, and why).
   */
  async publish(status: IterationStatus, note?: ProgressNote): Promise<void> {
    this.#due = false;
    this.#live = status === 'running';
    if (this.#inFlight !== undefined) await this.#inFlight;
    await this.#publish(status, note);
  }

  stop(): void {
    this.#live = false;
    clearInterval(this.#timer);
  }

  async #publish(status: IterationStatus, note?: ProgressNote): Promise<void> {
    try {
      const figures = this.#figures();
      const rate = this.#rate.sample(figures.processed);
      const progress = buildProgress(figures, status, rate);
      await this.#publishTo(note === undefined ? progress : { ...progress, ...note });
    } catch (error) {
      this.#onError(error);
    }
  }
}
