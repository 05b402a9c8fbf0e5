// The jobs of the scaling benchmark: light items, so that hundreds of runs or partitions fit on a
// small machine and what is measured is the library's traffic, not the items' work. What an item
// does is set for the whole process (the workers run in the benchmark's own process): a no-op, a
// timer, or a wait for `setItems` to change it, which keeps runs alive and idle for as long as a
// window needs.
import type { BuildEnumeratorArgs } from '../src/index.js';
import { defineIterationJob } from '../src/index.js';

export type ItemMode =
  | { readonly kind: 'noop' }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'hold' };

export interface ScalingParams {
  readonly items: number;
  /** Partitions of a parallel run. */
  readonly count?: number;
}

type Range = { readonly from: number; readonly to: number };

let mode: ItemMode = { kind: 'noop' };
let release: () => void = () => {};
let held = new Promise<void>((resolve) => (release = resolve));

/** What items do from now on; items held so far are let go. */
export function setItems(next: ItemMode): void {
  mode = next;
  release();
  held = new Promise<void>((resolve) => (release = resolve));
}

function step(): Promise<void> | undefined {
  if (mode.kind === 'hold') return held;
  if (mode.kind === 'sleep') {
    const ms = mode.ms;
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  return undefined;
}

async function* range(from: number, to: number) {
  for (let i = from; i < to; i++) yield [i, i] as const;
}

export const plainJob = defineIterationJob({
  name: 'scaling-plain',
  buildEnumerator: ({ cursor, params }: BuildEnumeratorArgs<ScalingParams, number>) =>
    range(cursor === null ? 0 : cursor + 1, params.items),
  eachIteration: () => step(),
});

export const parallelJob = defineIterationJob({
  name: 'scaling-parallel',
  partitions: ({ params }: { params: ScalingParams }): Range[] => {
    const count = params.count ?? 1;
    return Array.from({ length: count }, (_, i) => ({
      from: Math.floor((i * params.items) / count),
      to: Math.floor(((i + 1) * params.items) / count),
    }));
  },
  buildEnumerator: ({ cursor, partition }: BuildEnumeratorArgs<ScalingParams, number, Range>) =>
    range(cursor === null ? partition.from : cursor + 1, partition.to),
  eachIteration: () => step(),
});
