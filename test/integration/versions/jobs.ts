// The jobs of the versioning tests, in two versions each, as two deploys of one job would define
// them: a keyset walk over a table whose v2 adds an ordering column (its cursor gains `batch`),
// and a walk over numbers whose v2 cursor is `{ at }` instead of the number, usable with
// partitions, `transactional` and skipped items. Every item is logged with the version that did it.
import type {
  BuildEnumeratorArgs,
  IterationJobDefinition,
  Migration,
  RangePartition,
} from '../../../src/index.js';
import { defineIterationJob, keyset, pgQuery, range } from '../../../src/index.js';
import type { AnyBackendUnderTest, AnyQueue } from '../../support/backends.js';
import type { DataDb } from '../../support/data-db.js';
import { dataDb } from '../../support/data-db.js';
import { eventually, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

/** One finished item: which version's code did it, in the order items finished. */
export interface Done {
  readonly version: number;
  readonly id: number;
  readonly step?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ids done more than once, and ids of 1..total (or 0..total-1) never done. */
export function onceEach(done: readonly Done[], ids: readonly number[]) {
  const counts = new Map<number, number>();
  for (const d of done) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
  return {
    twice: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    missing: ids.filter((id) => !counts.has(id)),
  };
}

export const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

/** The batch of row `id` in the v2 ordering: ten rows a batch, so (batch, id) follows id. */
export const batchOf = (id: number) => Math.floor(id / 10);

/** v1 cursors `{ id }` become v2's `{ batch, id }`. */
export const keysetToV2: Migration = ({ cursor }) => {
  const v1 = cursor as { id: number } | null;
  return { cursor: v1 === null ? null : { batch: batchOf(v1.id), id: v1.id } };
};

export interface RowsWorld {
  readonly db: DataDb;
  readonly table: string;
  readonly done: Done[];
  /** The job as version 1 (by id) or 2 (by batch, id) defines it, with `migrate` for v2. */
  job(version: 1 | 2, migrate?: Record<number, Migration>): ReturnType<typeof defineIterationJob>;
}

/** A table of rows 1..total in the data database, and the keyset job over it. */
export async function rowsWorld(
  total: number,
  options: Partial<IterationJobDefinition<object, object, unknown>> = {},
): Promise<RowsWorld> {
  const db = await dataDb(4);
  const table = uniqueQueueName('rows').replaceAll('-', '_');
  await db.pool.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, batch int NOT NULL)`);
  await db.pool.query(
    `INSERT INTO public.${table} SELECT i, i / 10 FROM generate_series(1, ${total}) AS i`,
  );
  const done: Done[] = [];
  const query = pgQuery(db.pool);
  return {
    db,
    table,
    done,
    job: (version, migrate) =>
      defineIterationJob({
        name: 'rows',
        ...options,
        version,
        ...(migrate === undefined ? {} : { migrate }),
        buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, unknown>) =>
          keyset<{ id: number }>({
            query,
            table,
            schema: 'public',
            columns: version === 1 ? ['id'] : ['batch', 'id'],
            batchSize: 10,
            cursor,
          }),
        async eachIteration(row: { id: number }) {
          done.push({ version, id: row.id });
          await sleep(3);
        },
        defaultJobOptions: { attempts: 3 },
      } as never) as ReturnType<typeof defineIterationJob>,
  };
}

/** v1 cursors (`range`'s: the next number to do) become v2's `{ at }` (the last number done). */
export const numbersToV2: Migration = ({ cursor }) => ({
  cursor: cursor === null ? null : { at: (cursor as number) - 1 },
});

/**
 * Items `from`..`to`-1 (a partition's bounds, else 0..total-1) with the cursor of `version`: the
 * next number (v1, `range`'s) or `{ at }`, the number done (v2).
 */
export function numbersIn(
  version: number,
  bounds: RangePartition,
  cursor: unknown,
): AsyncIterable<readonly [number, unknown]> | Iterable<readonly [number, unknown]> {
  if (version === 1) return range({ from: bounds.from, to: bounds.to, cursor: cursor as number });
  const after = cursor as { at: number } | null;
  if (after !== null && typeof after?.at !== 'number') {
    throw new Error(`version 2 got a cursor of version 1: ${JSON.stringify(cursor)}`);
  }
  const start = after === null ? bounds.from : after.at + 1;
  return (function* () {
    for (let i = start; i < bounds.to; i++) yield [i, { at: i }] as const;
  })();
}

/** The definition of the numbers job of `version`, for `total` items, with more options. */
export function numbersJob(
  version: number,
  total: number,
  done: Done[],
  options: Record<string, unknown> = {},
  each?: (id: number, ctx: { tx: unknown }) => Promise<void> | void,
): ReturnType<typeof defineIterationJob> {
  return defineIterationJob({
    name: 'numbers',
    version,
    ...(version > 1 ? { migrate: { 1: numbersToV2 } } : {}),
    buildEnumerator: ({
      cursor,
      partition,
    }: BuildEnumeratorArgs<object, unknown, RangePartition>) =>
      numbersIn(version, partition ?? { from: 0, to: total }, cursor),
    async eachIteration(id: number, ctx: { tx: unknown }) {
      await each?.(id, ctx);
      done.push({ version, id });
      await sleep(3);
    },
    defaultJobOptions: { attempts: 3 },
    ...options,
  } as never) as ReturnType<typeof defineIterationJob>;
}

/** Waits for job `id` to reach BullMQ state `state` (failing fast on an unexpected failure). */
export async function reaches(
  queue: AnyQueue,
  id: string,
  state: 'completed' | 'failed',
  timeoutMs = 45_000,
) {
  return eventually(
    async () => {
      const job = await queue.getJob(id);
      const now = await job?.getState();
      if (now === 'failed' && state !== 'failed') {
        throw new Error(`job ${id} failed: ${job!.failedReason}`);
      }
      return now === state ? (await queue.getJob(id))! : undefined;
    },
    `job ${id} to be ${state}`,
    timeoutMs,
  );
}

/** Resolves once `check` holds. */
export function until(check: () => boolean, what: string, timeoutMs?: number) {
  return eventually(() => (check() ? true : undefined), what, timeoutMs);
}

/**
 * Enqueues `job` on a new queue and runs it on a worker of its version until `done` has `n`
 * items, then closes that worker (a deploy: the run is interrupted and requeued).
 */
export async function runPartly(
  b: AnyBackendUnderTest,
  prefix: string,
  job: ReturnType<typeof defineIterationJob>,
  done: () => number,
  n: number,
) {
  const queueName = uniqueQueueName(prefix);
  const queue = b.queue(queueName);
  const worker = iterationWorker(b, queueName, [job], FAST);
  const enqueued = await job.enqueue(queue as never, {});
  await until(() => done() >= n, `${n} items done`);
  await worker.close();
  return { queueName, queue, id: enqueued.id! };
}

/** Worker options that make status and control quick to follow. */
export const FAST = { progressIntervalMs: 100, controlPollIntervalMs: 100 };

/** A fresh data database, for tests that need only its effects table. */
export { dataDb };
