// The job of one combination of the matrix: items 0..47, written in the way the combination says,
// its effects counted per (step, item) in memory (at least once) or in an effects table of the
// data database (transactional), with two items that fail as the policy says. Its version 2 has
// another cursor format (`{ next }` around version 1's), with the migration from version 1.
import type { BuildEnumeratorArgs, MigrationState, RangePartition } from '../../../src/index.js';
import {
  batches,
  defineIterationJob,
  pgTransactions,
  range,
  splitRange,
} from '../../../src/index.js';
import { dataDb } from '../../support/data-db.js';
import type { Combo } from './combos.js';

export const TOTAL = 48;
export const POISON = [10, 30];
const BATCH = 4;
const GROUP = 3;

export interface MatrixWorld {
  readonly job: ReturnType<typeof defineIterationJob>;
  /** What the deploy a third of the way starts: the same job, or its version 2. */
  readonly deployed: ReturnType<typeof defineIterationJob>;
  /** The steps whose items count (one `main` for a job without steps). */
  readonly steps: readonly string[];
  /** Effects per `step:item`, as the database (or the in-memory record) holds them. */
  effects(): Promise<Map<string, number>>;
  /** Items done so far, over every step and partition. */
  done(): number;
  /** The cause is fixed: poison items succeed from now on. */
  fix(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function matrixWorld(combo: Combo): Promise<MatrixWorld> {
  const transactional = combo.effects !== 'at-least-once';
  const db = transactional ? await dataDb(4) : undefined;
  if (db !== undefined) await db.pool.query(`ALTER TABLE ${db.effects} ADD COLUMN step text`);
  const memory = new Map<string, number>();
  const broken = new Set(POISON);
  const failedOnce = new Set<string>();
  let done = 0;
  let boundaries = 0;

  /** Throws for an item the policy makes fail: always while broken (skip), else once. */
  const failing = (step: string, id: number) => {
    if (!broken.has(id)) return;
    const key = `${step}:${id}`;
    if (combo.policy === 'skip') throw new Error(`row ${id} is broken`);
    if (failedOnce.has(key)) return;
    failedOnce.add(key);
    throw new Error(`row ${id} failed once`);
  };
  const each = (step: string) => async (item: unknown, ctx: { tx: unknown }) => {
    const ids = Array.isArray(item) ? (item as number[]) : [item as number];
    if (db !== undefined) {
      const tx = ctx.tx as { query(text: string, values: unknown[]): Promise<unknown> };
      for (const id of ids) {
        await tx.query(`INSERT INTO ${db.effects} (step, item) VALUES ($1, $2)`, [step, id]);
      }
      // After the inserts: a failing item must roll them back.
      for (const id of ids) failing(step, id);
    } else {
      for (const id of ids) failing(step, id);
      for (const id of ids) memory.set(`${step}:${id}`, (memory.get(`${step}:${id}`) ?? 0) + 1);
    }
    done += ids.length;
    await sleep(2);
  };
  const define = (version: 1 | 2) => {
    const enumerate = ({
      cursor,
      partition,
    }: BuildEnumeratorArgs<object, unknown, RangePartition>) => {
      const bounds = partition ?? { from: 0, to: TOTAL };
      const at = version === 1 ? cursor : unwrap(cursor);
      const numbers = range({ from: bounds.from, to: bounds.to, cursor: at });
      const source = combo.effects === 'tx-batch' ? batches(numbers, BATCH) : numbers;
      return version === 1 ? source : wrapCursors(source);
    };
    return defineIterationJob({
      name: 'matrix',
      version,
      ...(version === 1
        ? {}
        : { migrate: { 1: ({ cursor }: MigrationState) => ({ cursor: wrap(cursor) }) } }),
      ...shapeOf(enumerate),
      ...parallelOf(version),
      ...common,
    } as never) as ReturnType<typeof defineIterationJob>;
  };
  const shapeOf = (enumerate: unknown) =>
    combo.shape === 'steps'
      ? {
          steps: [
            { name: 'a', buildEnumerator: enumerate, eachIteration: each('a') },
            { name: 'between', run: () => {} },
            { name: 'b', buildEnumerator: enumerate, eachIteration: each('b') },
          ],
        }
      : { buildEnumerator: enumerate, eachIteration: each('main') };
  const ahead = combo.effects === 'tx-batch' ? BATCH : combo.effects === 'tx-group' ? GROUP : 1;
  const parallelOf = (version: 1 | 2) =>
    combo.run === 'single'
      ? {}
      : {
          partitions: () =>
            combo.run === 'partitions'
              ? [0, 1, 2].map((i) => ({ from: i * 16, to: (i + 1) * 16 }))
              : [
                  { from: 0, to: 4 },
                  { from: 4, to: 8 },
                  { from: 8, to: TOTAL },
                ],
          ...(combo.run === 'rebalance'
            ? {
                splitPartition: ({
                  partition,
                  cursor,
                }: {
                  partition: RangePartition;
                  cursor: unknown;
                }) =>
                  splitRange(partition, version === 1 ? cursor : unwrap(cursor), {
                    minItems: 4,
                    ahead,
                  }),
              }
            : {}),
        };
  const common = {
    ...(db === undefined
      ? {}
      : {
          transactional: pgTransactions(db.pool, {
            schema: db.schema,
            itemsPerTransaction: combo.effects === 'tx-group' ? GROUP : 1,
          }),
        }),
    ...(combo.policy === 'retry' ? { itemErrors: { retries: 2, retryDelayMs: 1 } } : {}),
    ...(combo.policy === 'skip' ? { itemErrors: { retries: 0, action: 'skip' as const } } : {}),
    ...(combo.limit === 'maxItemsPerRun'
      ? { maxItemsPerRun: 5 }
      : { interruptWhen: () => ++boundaries % 6 === 0 }),
    defaultJobOptions: { attempts: 8 },
  };
  const job = define(1);
  const steps = combo.shape === 'steps' ? ['a', 'b'] : ['main'];
  return {
    job,
    deployed: combo.version === 'bumped' ? define(2) : job,
    steps,
    async effects() {
      if (db === undefined) return new Map(memory);
      const { rows } = await db.pool.query<{ step: string; item: number; n: string }>(
        `SELECT step, item, count(*) AS n FROM ${db.effects} GROUP BY step, item`,
      );
      return new Map(rows.map((r) => [`${r.step}:${r.item}`, Number(r.n)]));
    },
    done: () => done,
    fix: () => broken.clear(),
  };
}

/** Version 2's cursor: version 1's (`range`'s, or that of a batch) inside `{ next }`. */
const wrap = (cursor: unknown) => (cursor === null ? null : { next: cursor });
const unwrap = (cursor: unknown) => (cursor === null ? null : (cursor as { next: unknown }).next);

/** `source` with version 2's cursors, keeping how it weighs its items and counts them. */
function wrapCursors(source: AsyncIterable<readonly [unknown, unknown]>) {
  const inner = source as { itemWeight?: (item: unknown) => number; size?: () => unknown };
  const pairs = (async function* () {
    for await (const [item, cursor] of source) yield [item, wrap(cursor)] as const;
  })();
  return Object.assign(pairs, {
    ...(inner.itemWeight === undefined ? {} : { itemWeight: inner.itemWeight.bind(source) }),
    ...(inner.size === undefined ? {} : { size: inner.size.bind(source) }),
  });
}
