/**
 * The step of a transactional job (chosen once, by the run's constructor): for each item, or each
 * group of `itemsPerTransaction` items, open a transaction, run `eachIteration` with `ctx.tx` in
 * it, advance the cursor behind the fence (see fence.ts) and commit. Effects and cursor commit or
 * roll back together:
 *
 *   BEGIN ─► eachIteration(item, ctx.tx) ─► UPDATE cursor … WHERE epoch = ours ─┬─ 1 row ─► COMMIT
 *                 │ throws                                                     └─ 0 rows ─► ROLLBACK,
 *                 └─► ROLLBACK (40001 / 40P01: again, with backoff)                lock lost, stop
 *
 * At the start of a run, `claim` takes the job in the data database and makes its committed
 * cursor and count the run's own, so the queue-side checkpoint only ever lags it.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import { EnumeratorError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { CheckpointUnavailableError } from '../runtime/checkpoint-writer.js';
import { isThenable } from '../runtime/loop.js';
import { sleep } from '../runtime/retry-in-place.js';
import type { IterationState } from '../runtime/state.js';
import { describeError, isTransientError } from '../runtime/transient.js';
import type { Transactional, TxSession } from './adapter.js';
import { TransactionMisuseError } from './errors.js';
import { Fence, isFencedOut } from './fence.js';
import { ensureTable } from './schema.js';
import { TxGuard } from './tx-guard.js';

/**
 * Shortest time between two queue-side checkpoints of a transactional job. Its cursor is committed
 * with every item in the data database, which a resume reads; the queue-side copy only feeds
 * progress and status, so writing it after every item would spend the queue's server (on the
 * PostgreSQL backend, often the data database itself) on a redundant write.
 */
export const TRANSACTIONAL_CHECKPOINT_INTERVAL_MS = 250;

/**
 * Longest a transaction opened ahead by a commit is used for the next item. Between items of a
 * running loop it is microseconds; a run that waited longer (throttled, say) begins afresh.
 */
const AHEAD_FRESH_MS = 1000;

export function queueCheckpointIntervalMs(
  definition: { readonly transactional?: unknown },
  intervalMs: number,
): number {
  return definition.transactional === undefined
    ? intervalMs
    : Math.max(intervalMs, TRANSACTIONAL_CHECKPOINT_INTERVAL_MS);
}

/** What the transactional step reads and sets on its run. */
export interface TransactionalRun {
  readonly job: Job;
  readonly label: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly definition: { readonly name: string };
  readonly ledger: { readonly state: IterationState };
  /** `ctx.tx`: the wrapped client while an item runs, undefined otherwise. */
  tx: unknown;
  /** The cursor after the item in hand, for `ctx.idempotencyKey`. */
  itemCursor: JsonValue | undefined;
  eachIteration(item: unknown): unknown;
  loseLock(detail: string): void;
}

type Pair = readonly [unknown, JsonValue];

/** Items pulled together for one transaction (`itemsPerTransaction` > 1). */
class Group {
  constructor(readonly pairs: readonly Pair[]) {}
}

export class TransactionalStep {
  readonly #adapter: Transactional<unknown>;
  readonly #run: TransactionalRun;
  readonly #fence: Fence;
  readonly #size: number;
  /** The next transaction, opened by the last commit on its connection (see `commitAhead`). */
  #ahead: { readonly session: TxSession<unknown>; readonly at: number } | undefined;

  constructor(adapter: Transactional<unknown>, run: TransactionalRun) {
    this.#adapter = adapter;
    this.#run = run;
    this.#fence = new Fence(adapter, run.job.queueName, String(run.job.id));
    this.#size = adapter.options.itemsPerTransaction;
  }

  /** Takes the job in the data database; its committed cursor and count become the run's. */
  async claim(state: IterationState): Promise<void> {
    await ensureTable(this.#adapter);
    const claimed = await this.#fence.claim({
      cursor: state.cursor,
      processed: state.processed,
      fresh: state.began === false,
    });
    if (claimed.processed !== state.processed) {
      this.#run.logger.info(
        { queueSide: state.processed, committed: claimed.processed, epoch: claimed.epoch },
        'resuming at the cursor committed in the data database (the queue-side checkpoint lagged)',
      );
    }
    state.cursor = claimed.cursor;
    state.processed = claimed.processed;
  }

  /** The loop's source: grouped `itemsPerTransaction` at a time when that is above 1. */
  source(source: unknown): unknown {
    return this.#size === 1 ? source : grouped(source, this.#size, this.#run.label);
  }

  readonly step = (item: unknown, cursor: JsonValue): Promise<void> => {
    if (item instanceof Group) {
      // The loop counts the group as one item once it is done; the ledger counts items.
      return this.#retrying(item.pairs, cursor).then(() => {
        this.#run.ledger.state.processed += item.pairs.length - 1;
      });
    }
    return this.#retrying([[item, cursor]], cursor);
  };

  /** Runs the transaction again after serialization failures and deadlocks, a bounded number of times. */
  async #retrying(pairs: readonly Pair[], last: JsonValue): Promise<void> {
    const { conflictRetries, conflictRetryDelayMs } = this.#adapter.options;
    const run = this.#run;
    for (let retry = 0; ; retry++) {
      try {
        await this.#transaction(pairs, last);
        return;
      } catch (error) {
        if (!isConflict(error) || retry >= conflictRetries || run.signal.aborted) throw error;
        const delayMs = Math.round(conflictRetryDelayMs * 2 ** retry * (0.5 + Math.random() / 2));
        run.logger.warn(
          { err: error, retry: retry + 1, delayMs },
          `the item's transaction failed (${describeError(error)}); rolled back, running it again`,
        );
        await sleep(delayMs, run.signal);
        if (run.signal.aborted) throw run.signal.reason;
      }
    }
  }

  async #transaction(pairs: readonly Pair[], last: JsonValue): Promise<void> {
    const run = this.#run;
    const session = await this.#open();
    const guard = new TxGuard(run.definition.name, run.label);
    let ended = false;
    run.tx = this.#adapter.wrap(session, guard);
    try {
      for (const [item, cursor] of pairs) {
        run.itemCursor = cursor;
        const pending = run.eachIteration(item);
        if (isThenable(pending)) await pending;
        guard.finish();
      }
      guard.close();
      run.tx = undefined;
      ended = true;
      await this.#commit(session, last, pairs.length);
    } finally {
      guard.close();
      run.tx = undefined;
      if (!ended) await session.rollback();
    }
  }

  /**
   * The transaction for the next item: the one the last commit opened ahead when it is fresh (a
   * run that waited longer, throttled or paused, starts a new one rather than trust a connection
   * that sat idle in a transaction), else a new one.
   */
  async #open(): Promise<TxSession<unknown>> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead !== undefined) {
      if (Date.now() - ahead.at <= AHEAD_FRESH_MS) return ahead.session;
      await ahead.session.rollback();
    }
    return infra(this.#adapter.begin(), 'opening a transaction');
  }

  /** Ends the transaction opened ahead, if any: the run's loop is over. */
  async release(): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    await ahead?.session.rollback();
  }

  /** Writes the cursor behind the fence and commits; a fenced-out run stops as lock-lost. */
  async #commit(session: TxSession<unknown>, last: JsonValue, items: number): Promise<void> {
    const run = this.#run;
    try {
      const advance = this.#fence.advance(last, items);
      if (session.commitAhead === undefined || run.signal.aborted) {
        await session.commit(advance);
        return;
      }
      const next = await session.commitAhead(advance);
      if (next !== undefined) this.#ahead = { session: next, at: Date.now() };
    } catch (error) {
      if (isFencedOut(error)) {
        run.loseLock('another run claimed the job in the data database; its item was rolled back');
        throw run.signal.reason;
      }
      if ((error as { code?: unknown }).code === '25P02') {
        throw new TransactionMisuseError(
          `A statement on ctx.tx failed inside the step of ${run.label} and the step went on ` +
            'without throwing, so PostgreSQL aborted the item’s transaction and its cursor cannot ' +
            'be written. Let the error propagate (the item is rolled back and retried), or wrap the ' +
            'statement in a SAVEPOINT and roll back to it.',
          run.definition.name,
        );
      }
      return infra(Promise.reject(error), 'committing the item');
    }
  }
}

/**
 * Our own statements failing on a connection problem: the commit may or may not have landed, so
 * the run must not rebuild its enumerator from its own cursor. CheckpointUnavailableError is
 * transient and skips the retry in place: the job is requeued, and the next run reads the cursor
 * from the data database.
 */
async function infra<T>(promise: Promise<T>, doing: string): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (!isTransientError(error) || isConflict(error)) throw error;
    throw new CheckpointUnavailableError(
      `the data database failed while ${doing} (${describeError(error)})`,
      { cause: error },
    );
  }
}

/** Serialization failure or deadlock, on the error or its causes. */
function isConflict(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '40001' || code === '40P01') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

async function* grouped(source: unknown, size: number, label: string) {
  let pairs: Pair[] = [];
  for await (const pair of source as AsyncIterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new EnumeratorError(
        `The enumerator of ${label} yielded ${String(pair)}, not an [item, cursor] pair.`,
        { source: 'enumerator' },
      );
    }
    pairs.push(pair as unknown as Pair);
    if (pairs.length === size) {
      yield [new Group(pairs), pairs[size - 1]![1]] as const;
      pairs = [];
    }
  }
  if (pairs.length > 0) yield [new Group(pairs), pairs[pairs.length - 1]![1]] as const;
}
