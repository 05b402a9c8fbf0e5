// The job of the rate benchmark, shared by the benchmark (which enqueues it) and its worker
// processes (which run it): PARTITIONS range partitions over items 0..items-1, each item awaiting a
// timer of IO_MS. Each item that ends is counted in the 10 ms slot of the clock it ended in, for
// the worker process to send to the benchmark (see rate-worker.ts).
import type { BuildEnumeratorArgs, RangePartition } from '../src/index.js';
import { defineIterationJob, range } from '../src/index.js';

export const IO_MS = 1;
export const PARTITIONS = 16;
export const PROCESSES = 4;
/** The width of a counting slot, in ms. */
export const SLOT_MS = 10;

export interface RateBenchParams {
  readonly items: number;
}

/** What a rate worker process sends while it runs: items ended per slot, as [slot, items]. */
export interface CountsMessage {
  readonly counts: [number, number][];
}

export const isCounts = (message: unknown): message is CountsMessage =>
  typeof message === 'object' && message !== null && 'counts' in message;

/** Items ended per slot (`Date.now() / SLOT_MS`, rounded down) since the last `drainCounts`. */
const counts = new Map<number, number>();

/** The counts since the last call, as [slot, items] pairs. */
export function drainCounts(): [number, number][] {
  const drained = [...counts];
  counts.clear();
  return drained;
}

export const rateBenchJob = defineIterationJob({
  name: 'bench-rate',
  partitions: ({ params }: { params: RateBenchParams }) =>
    Array.from({ length: PARTITIONS }, (_, i) => ({
      from: Math.floor((i * params.items) / PARTITIONS),
      to: Math.floor(((i + 1) * params.items) / PARTITIONS),
    })),
  buildEnumerator: ({
    cursor,
    partition,
  }: BuildEnumeratorArgs<RateBenchParams, number, RangePartition>) =>
    range({ ...partition, cursor }),
  async eachIteration() {
    await new Promise<void>((resolve) => setTimeout(resolve, IO_MS));
    const slot = Math.floor(Date.now() / SLOT_MS);
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  },
});
