/**
 * A run's rate limit: at most `itemsPerSecond` rows a second for the whole run, across its
 * partitions, workers and machines. The budget is a token bucket kept by the queue's store (one
 * per run, on the parent job of a parallel run: see `CheckpointStore.takeTokens`); each run takes
 * tokens in small chunks (a twentieth of a second's worth) and spends them locally, so a limited
 * item costs a store call only once per chunk. A take that gets less than it asked for found the
 * bucket empty: the run's other partitions share what comes in, so the gate asks again only after
 * a good part of a chunk's time (a half on average, spread at random so partitions do not ask all
 * together), spending what it got meanwhile, rather than as soon as its small share runs out: 16
 * contending partitions made a store call every few items. The limit comes from, strongest first:
 * a live `setRunRate` (the run's settings, read with the control requests every second), the
 * enqueue options (`rate`, kept in the job's options), the definition's `rate`.
 *
 *   item ─► rate gate: tokens left here? ─ yes ─► the item
 *                          └ no ─► take a chunk from the run's bucket ─ none ─► wait, take again
 *                                   (less than a chunk: the next take waits ~half a chunk's time)
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';
import { IterationDefinitionError } from '../errors.js';
import { sleep } from './retry-in-place.js';

/** A rate limit as a definition, the enqueue options or `setRunRate` give it. */
export interface RateOption {
  /** Rows a second for the whole run (a batch counts its rows). */
  readonly itemsPerSecond: number;
  /** Most rows that may run back to back after an idle spell. @defaultValue one second of rows */
  readonly burst?: number;
}

/** The limit a run applies, and where it comes from. */
export interface RunRate {
  readonly itemsPerSecond: number;
  readonly burst: number;
  readonly source: 'definition' | 'enqueue' | 'set';
}

/** The key of the iteration options in a job's BullMQ options (kept by both backends). */
export const JOB_OPTIONS_KEY = 'bullmqIteration';

/** What a run's live settings hold: a rate set by `setRunRate` (`null` for none), and more. */
export interface RunSettings {
  readonly rate?: RateOption | null;
  /** Adaptive concurrency's state (see src/parallel/adaptive.ts). */
  readonly concurrency?: unknown;
}

/** Validates a rate option; `owner` names who gave it in the error. */
export function checkRate(value: unknown, owner: string): RateOption {
  const r = value as Partial<RateOption> | null;
  const fix = 'E.g. rate: { itemsPerSecond: 500 } or { itemsPerSecond: 500, burst: 1000 }.';
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw new IterationDefinitionError(
      `${owner}: \`rate\` must be an object, got ${String(value)}. ${fix}`,
    );
  }
  const { itemsPerSecond, burst } = r;
  if (
    typeof itemsPerSecond !== 'number' ||
    !Number.isFinite(itemsPerSecond) ||
    itemsPerSecond <= 0
  ) {
    throw new IterationDefinitionError(
      `${owner}: expected \`rate.itemsPerSecond\` to be a number above 0, got \`${String(itemsPerSecond)}\` (${typeof itemsPerSecond}). ${fix}`,
    );
  }
  if (
    burst !== undefined &&
    (typeof burst !== 'number' || !Number.isSafeInteger(burst) || burst < 1)
  ) {
    throw new IterationDefinitionError(
      `${owner}: expected \`rate.burst\` to be a whole number ≥ 1, got \`${String(burst)}\` (${typeof burst}). ${fix}`,
    );
  }
  return burst === undefined ? { itemsPerSecond } : { itemsPerSecond, burst };
}

/** The limit of a run: its live settings, else its job options, else its definition. */
export function runRateOf(
  settings: string | undefined,
  jobOptions: unknown,
  definitionRate: RateOption | undefined,
): RunRate | undefined {
  const set = parseSettings(settings);
  if (set?.rate === null) return undefined;
  if (set?.rate !== undefined) return resolved(set.rate, 'set');
  const enqueued = (jobOptions as Record<string, { rate?: RateOption } | undefined> | undefined)?.[
    JOB_OPTIONS_KEY
  ]?.rate;
  if (enqueued !== undefined) return resolved(enqueued, 'enqueue');
  return definitionRate === undefined ? undefined : resolved(definitionRate, 'definition');
}

function resolved(rate: RateOption, source: RunRate['source']): RunRate {
  const burst = rate.burst ?? Math.max(1, Math.round(rate.itemsPerSecond));
  return { itemsPerSecond: rate.itemsPerSecond, burst, source };
}

export function parseSettings(text: string | undefined): RunSettings | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as RunSettings | null;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Tokens taken from the bucket at a time: a twentieth of a second's worth, at least the item. */
const chunkOf = (rate: RunRate, weight: number) =>
  Math.max(weight, Math.min(rate.burst, Math.ceil(rate.itemsPerSecond / 20)));

/** The rate gate of one run (see the file's header). */
export class RateGate {
  #limit: RunRate | undefined;
  #tokens = 0;
  /** After a take that found the bucket empty: the time (epoch ms) before which not to ask again. */
  #quietUntil = 0;
  readonly #store: CheckpointStore;
  readonly #bucket: JobRef;
  readonly #signal: AbortSignal;
  readonly #jobOptions: unknown;
  readonly #definitionRate: RateOption | undefined;

  /**
   * The gate of a run whose budget is kept on `bucket` (the run's job: a partition's parent);
   * `jobOptions` and `definitionRate` give the limit until live settings say otherwise.
   */
  constructor(
    store: CheckpointStore,
    bucket: JobRef,
    signal: AbortSignal,
    jobOptions: unknown,
    definitionRate: RateOption | undefined,
  ) {
    this.#store = store;
    this.#bucket = bucket;
    this.#signal = signal;
    this.#jobOptions = jobOptions;
    this.#definitionRate = definitionRate;
    this.follow(undefined);
  }

  /** Where the run's budget and live settings are kept: the parallel run's job, or its own. */
  get bucket(): JobRef {
    return this.#bucket;
  }

  /** The limit in force; undefined for none (the gate then lets every item through at once). */
  get limit(): RunRate | undefined {
    return this.#limit;
  }

  /** The run's live settings (read at its start and with each control poll) say its limit. */
  follow(settings: string | undefined): void {
    this.#limit = runRateOf(settings, this.#jobOptions, this.#definitionRate);
  }

  /** Nothing when the item may run now; else a promise that resolves when it may. */
  take(weight: number): Promise<void> | undefined {
    if (this.#limit === undefined) return undefined;
    if (this.#tokens >= weight) {
      this.#tokens -= weight;
      return undefined;
    }
    return this.#refill(weight);
  }

  async #refill(weight: number): Promise<void> {
    for (;;) {
      const rate = this.#limit;
      if (rate === undefined) return;
      // A shutdown while waiting: the item has not started, the next run does it.
      if (this.#signal.aborted) throw this.#signal.reason;
      const quiet = this.#quietUntil - Date.now();
      if (quiet > 0) {
        // The limit may change (setRunRate) or the run stop meanwhile: both are read again.
        await sleep(quiet, this.#signal);
        continue;
      }
      const chunk = chunkOf(rate, weight);
      const wanted = chunk - Math.max(0, this.#tokens);
      const { granted, waitMs } = await this.#store.takeTokens(
        this.#bucket,
        wanted,
        rate.itemsPerSecond,
        Math.max(rate.burst, weight),
      );
      this.#tokens += granted;
      if (granted < wanted) {
        // The bucket is empty (see the file's header): ask again once a good part of a chunk's
        // worth came in, half its time on average, spread so the partitions do not ask together.
        const chunkMs = (chunk * 1000) / rate.itemsPerSecond;
        this.#quietUntil = Date.now() + Math.max(waitMs, chunkMs * (0.25 + Math.random() / 2), 5);
      }
      if (this.#tokens >= weight) {
        this.#tokens -= weight;
        return;
      }
    }
  }
}

/** Times a change of a run's settings is tried again after losing a race to another change. */
const SWAPS = 20;

/**
 * Changes a run's live settings with `change` (from what they are), by compare-and-set, so a
 * rate an operator sets and the concurrency a partition adapts never undo each other.
 */
export async function changeSettings(
  store: Pick<CheckpointStore, 'loadSettings' | 'swapSettings'>,
  ref: JobRef,
  change: (settings: RunSettings) => RunSettings,
): Promise<RunSettings> {
  for (let attempt = 0; attempt < SWAPS; attempt++) {
    const text = await store.loadSettings(ref);
    const current = parseSettings(text) ?? {};
    const next = change(current);
    // Unchanged: nothing to write (partitions check every second, and mostly change nothing).
    if (next === current && text !== undefined) return current;
    if (await store.swapSettings(ref, text, JSON.stringify(next))) return next;
  }
  throw new Error(`could not change the settings of run ${ref.id}: they kept changing`);
}
