/**
 * What a loop reads and calls on its run (the run is its one owner: see run.ts), how a loop ends,
 * and the two duties every loop variant shares between items: the checkpoint writer's attention,
 * and a turn of the event loop after a stretch without one.
 */
import type { JsonValue } from '../json.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { ItemOutcome } from './item-outcome.js';

/**
 * How the loop ended: enumerator exhausted, `ctx.stop()` called, interrupted, or a throttle
 * condition held before the next fetch.
 */
export type LoopEnd = 'exhausted' | 'stopped' | 'interrupted' | 'throttled';

export interface LoopRun<Item> {
  /** `iteration job "name" (id 42)`, for error messages. */
  readonly label: string;
  readonly signal: AbortSignal;
  /** True once `ctx.stop()` was called. */
  readonly stopRequested: boolean;
  /** True once the run was interrupted (its signal aborted) or `ctx.stop()` was called. */
  readonly halted: boolean;
  readonly strict: boolean;
  readonly writer: CheckpointWriter;
  readonly progress: { readonly due: boolean; tick(): void };
  /** True when the run has throttle conditions; read once, when the loop starts. */
  readonly throttling: boolean;
  /**
   * True when a finished item is only ever done: no item policy or effect scope can settle it
   * otherwise, and the host has no per-item hook. Read once, when the loop starts.
   */
  readonly plainItems: boolean;
  /** True when a throttle condition holds now; a promise only when a check had to be awaited. */
  checkThrottle(): boolean | Promise<boolean>;
  /**
   * Runs one item (its layers: item policy, effect scope, the job's step); `cursor` is the position
   * after it, `weight` the rows it counts for. Read per item: telemetry swaps it to time a sample.
   */
  step(item: Item, cursor: JsonValue, weight: number): unknown;
  /**
   * Records a finished item: the cursor after it, its rows, and what it settled to (`undefined`
   * when done; a skip, or a group's parts: see item-outcome.ts).
   */
  advance(cursor: JsonValue, weight: number, outcome: ItemOutcome): void;
  /**
   * Run limits and `interruptWhen`, checked after each finished item (see limits.ts); undefined
   * when the job has none. Read once, when the loop starts.
   */
  readonly atBoundary?: (() => void | Promise<void>) | undefined;
}

/** Longest stretch the loop runs without letting timers and I/O run. */
export const YIELD_AFTER_MS = 20;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The writer asked for attention: start what is due, wait for the store when it is behind. */
export async function attendTo(writer: CheckpointWriter, now: number): Promise<void> {
  const landing = writer.attend(now);
  if (landing === undefined) return;
  // Backpressure: a store that is slow or failing makes the loop wait, so the items a crash or a
  // lost lock would redo stay within the writer's lag bound, whatever the latency.
  await landing;
  const failure = writer.failure;
  if (failure !== undefined) throw failure.error;
}
