// Iteration jobs used across runtime tests: a counter over 0..total-1 whose cursor is the index of
// the last finished item, recording every item it processes.
import type {
  BuildEnumeratorArgs,
  CheckpointMode,
  IterationContext,
  IterationJobDefinition,
} from '../../src/index.js';
import { defineIterationJob } from '../../src/index.js';

export type CounterContext = IterationContext<Record<string, unknown>, number>;

export interface CounterOptions extends Partial<
  Omit<
    IterationJobDefinition<Record<string, unknown>, number, number>,
    'buildEnumerator' | 'eachIteration'
  >
> {
  readonly total: number;
  /** Wait this long in each item. */
  readonly stepMs?: number;
  /** Called in each item after it was recorded. */
  readonly onItem?: (item: number, ctx: CounterContext) => void | Promise<void>;
  readonly checkpointMode?: CheckpointMode;
  /** Reported as the enumerator's size(). */
  readonly size?: number;
}

export interface Counter {
  readonly job: ReturnType<typeof defineCounter>;
  /** Every item processed, in order, across runs (duplicates included). */
  readonly seen: number[];
}

function defineCounter(options: CounterOptions, seen: number[]) {
  const { total, stepMs, onItem, size, ...rest } = options;
  return defineIterationJob({
    name: 'counter',
    ...rest,
    buildEnumerator({ cursor }: BuildEnumeratorArgs<Record<string, unknown>, number>) {
      const from = cursor === null ? 0 : cursor + 1;
      async function* items() {
        for (let i = from; i < total; i++) yield [i, i] as const;
      }
      const it = items();
      return size === undefined ? it : Object.assign(it, { size: () => size });
    },
    async eachIteration(item, ctx) {
      seen.push(item);
      if (stepMs !== undefined) await new Promise((r) => setTimeout(r, stepMs));
      await onItem?.(item, ctx);
    },
  });
}

export function counter(options: CounterOptions): Counter {
  const seen: number[] = [];
  return { job: defineCounter(options, seen), seen };
}

/** Items that appear more than once in `seen`. */
export function duplicates(seen: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const item of seen) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([item]) => item);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
