// Iterations per second of no-op items: a bare async loop, this runtime in its two checkpoint
// modes, and BullMQ's documented step-job pattern (`job.updateData` after each item), measured
// side by side on one backend.
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';

import type { AnyIterationJob, BuildEnumeratorArgs, CheckpointMode } from '../src/index.js';
import { defineIterationJob, IterationWorker } from '../src/index.js';

export interface BackendTarget {
  readonly name: string;
  readonly connection: unknown;
  readonly backendFactory: unknown;
  /** Extra worker options (e.g. faster polling on PGlite). */
  readonly workerOptions?: Record<string, unknown>;
}

export interface RuntimeResult {
  readonly backend: string;
  readonly name: string;
  readonly items: number;
  readonly seconds: number;
  readonly perSecond: number;
}

const logger = pino({ level: 'silent' });

async function* numbers(from: number, to: number) {
  for (let i = from; i < to; i++) yield [i, i] as const;
}

// The step every variant runs per item: an awaited async no-op, as an `async eachIteration`.
let sink = 0;
async function step(item: number): Promise<void> {
  sink = (sink + item) | 0;
}

export async function bareLoop(items: number): Promise<number> {
  const started = performance.now();
  for await (const [item] of numbers(0, items)) await step(item);
  return (performance.now() - started) / 1000;
}

/**
 * What a variant of the no-op job adds to it (see bench/costs.ts): options of its definition, an
 * enumerator that weighs its items (each one row, so the count checked at the end is unchanged),
 * or its enumerator and step moved into the one step of a `steps` job.
 */
export interface JobShape {
  readonly options?: Record<string, unknown>;
  readonly weighed?: boolean;
  readonly asStep?: boolean;
}

/**
 * One iteration job over `items` no-op items, timed from the start of its first item to the end
 * of its last, in the job's own process: the per-item cost of the runtime, without the fixed
 * round trips of starting and completing a job (which the step-job timing leaves out as well).
 */
export async function iterationRun(
  target: BackendTarget,
  items: number,
  mode: CheckpointMode,
  workerOptions: Record<string, unknown> = {},
  shape: JobShape = {},
): Promise<number> {
  let first = 0;
  let last = 0;
  const buildEnumerator = ({ cursor }: BuildEnumeratorArgs<object, number>) => {
    const source = numbers(cursor === null ? 0 : cursor + 1, items);
    if (shape.weighed !== true) return source;
    return { [Symbol.asyncIterator]: () => source, itemWeight: () => 1 };
  };
  // The same single awaited no-op as the other variants; the clock is read on two items only.
  const eachIteration = (item: number) => {
    if (item === 0) first = performance.now();
    if (item !== items - 1) return step(item);
    return step(item).then(() => {
      last = performance.now();
    });
  };
  const work =
    shape.asStep === true
      ? { steps: [{ name: 'items', buildEnumerator, eachIteration }] }
      : { buildEnumerator, eachIteration };
  // Cast: the options of a variant are checked when the job is defined, not here.
  const job = defineIterationJob({
    name: `bench-${mode}`,
    checkpointMode: mode,
    ...shape.options,
    ...work,
  } as never) as unknown as RunnableJob;
  return runOneJob(
    target,
    job,
    async (worker) => {
      await new Promise<void>((resolve, reject) => {
        worker.once('iteration.completed', (e) => {
          if (e.processed !== items) reject(new Error(`processed ${e.processed} of ${items}`));
          resolve();
        });
        worker.once('iteration.failed', (e) => reject(e.error));
      });
      return (last - first) / 1000;
    },
    workerOptions,
  );
}

type RunnableJob = AnyIterationJob & { enqueue(queue: Queue, params: object): Promise<unknown> };

/**
 * Runs one job of `definition` on a fresh queue and worker of `target`, and resolves what
 * `measure` makes of the worker once the job is done; the queue is removed afterwards.
 */
async function runOneJob<T>(
  target: BackendTarget,
  job: RunnableJob,
  measure: (worker: IterationWorker) => Promise<T>,
  workerOptions: Record<string, unknown> = {},
): Promise<T> {
  const queueName = `bench-${job.name}-${Date.now()}`;
  const queue = new Queue(
    queueName,
    { connection: target.connection } as never,
    target.backendFactory as never,
  );
  const worker = new IterationWorker(
    queueName,
    [job],
    {
      ...target.workerOptions,
      ...workerOptions,
      connection: target.connection,
      logger,
      handleSignals: false,
    } as never,
    target.backendFactory as never,
  );
  try {
    const measured = measure(worker);
    await job.enqueue(queue, {});
    return await measured;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/**
 * BullMQ's step-job pattern: the cursor in job data, `updateData` awaited after every item, over
 * the same async generator as the other variants.
 */
export async function stepJobPattern(target: BackendTarget, items: number): Promise<number> {
  const queueName = `bench-step-job-${Date.now()}`;
  const queue = new Queue(
    queueName,
    { connection: target.connection } as never,
    target.backendFactory as never,
  );
  let seconds = 0;
  const done = new Promise<void>((resolve, reject) => {
    const worker = new Worker(
      queueName,
      async (job) => {
        const started = performance.now();
        const data = job.data as { cursor: number };
        for await (const [item, cursor] of numbers(data.cursor + 1, items)) {
          await step(item);
          await job.updateData({ cursor });
        }
        seconds = (performance.now() - started) / 1000;
      },
      { ...target.workerOptions, connection: target.connection } as never,
      target.backendFactory as never,
    );
    worker.once('completed', () => void worker.close().then(resolve, reject));
    worker.once('failed', (_job, error) => void worker.close().then(() => reject(error)));
  });
  try {
    await queue.add('step-job', { cursor: -1 });
    await done;
    return seconds;
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Item counts per variant; slow variants get fewer items so each takes a second or a few. */
export interface RuntimeSizes {
  readonly fast: number;
  readonly slow: number;
}

/**
 * Runs every variant `rounds` times, alternating their order, and keeps each one's best round:
 * other processes on a shared machine only ever slow a round down.
 */
export async function benchmarkRuntime(
  target: BackendTarget,
  sizes: RuntimeSizes,
  rounds: number,
  onProgress: (line: string) => void,
): Promise<RuntimeResult[]> {
  const variants: [string, number, () => Promise<number>][] = [
    ['bare async loop', sizes.fast, () => bareLoop(sizes.fast)],
    [
      'runtime, coalesced checkpoints',
      sizes.fast,
      () => iterationRun(target, sizes.fast, 'coalesced'),
    ],
    ['runtime, strict checkpoints', sizes.slow, () => iterationRun(target, sizes.slow, 'strict')],
    ['BullMQ step job (updateData per item)', sizes.slow, () => stepJobPattern(target, sizes.slow)],
  ];
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, , run] of order) {
      onProgress(`${target.name}: round ${round + 1}/${rounds}, ${name}`);
      const seconds = await run();
      best.set(name, Math.min(best.get(name) ?? Infinity, seconds));
    }
  }
  return variants.map(([name, items]) => {
    const seconds = best.get(name)!;
    return { backend: target.name, name, items, seconds, perSecond: items / seconds };
  });
}

/**
 * Runs enumerators inside iteration jobs on `target`, for the enumerator benchmarks: the whole
 * path a real job takes (worker, loop, cursor checks, coalesced checkpoints, progress).
 */
export function runtimeRunner(target: BackendTarget) {
  return (
    name: string,
    build: (cursor: unknown) => AsyncIterable<readonly [unknown, unknown]>,
  ): Promise<number> => {
    const job = defineIterationJob({
      name: `bench-${name}`,
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, unknown>) => build(cursor),
      eachIteration: (item: unknown) => {
        if (item !== undefined) sink = (sink + 1) | 0;
      },
    });
    return runOneJob(
      target,
      job,
      (worker) =>
        new Promise<number>((resolve, reject) => {
          worker.once('iteration.completed', (e) => resolve(e.processed));
          worker.once('iteration.failed', (e) => reject(e.error));
        }),
    );
  };
}
