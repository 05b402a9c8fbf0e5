// The job of the parallel benchmark and the shapes it runs in, shared by the benchmark (which enqueues it) and its worker
// processes (which run it): `count` range partitions over items 0..items-1, each item awaiting a
// timer of IO_MS, as an item that waits on a remote call would.
import type { BuildEnumeratorArgs } from '../src/index.js';
import { defineIterationJob } from '../src/index.js';

export const IO_MS = 1;
/** Partitions per run, side by side; the first is the baseline. */
export const PARTITIONS = [1, 4, 8, 16] as const;
/** Worker processes at most; a run of fewer partitions gets one process per partition. */
export const PROCESSES = 4;
/** The tuned setting shown beside the default (0: a checkpoint write as soon as the last returned). */
export const TUNED_INTERVAL_MS = 50;

export interface ParallelBenchParams {
  readonly items: number;
  readonly count: number;
}

type Partition = { from: number; to: number };

export const parallelBenchJob = defineIterationJob({
  name: 'bench-parallel',
  partitions: ({ params }: { params: ParallelBenchParams }) =>
    Array.from({ length: params.count }, (_, i) => ({
      from: Math.floor((i * params.items) / params.count),
      to: Math.floor(((i + 1) * params.items) / params.count),
    })),
  async *buildEnumerator({
    cursor,
    partition,
  }: BuildEnumeratorArgs<ParallelBenchParams, number, Partition>) {
    for (let i = cursor === null ? partition.from : cursor + 1; i < partition.to; i++) {
      yield [i, i] as const;
    }
  },
  eachIteration: () => new Promise<void>((resolve) => setTimeout(resolve, IO_MS)),
});
