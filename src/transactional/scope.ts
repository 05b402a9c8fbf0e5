/**
 * The effect scope of a transactional job (see src/runtime/effect-scope.ts): each loop item, or
 * group of `itemsPerTransaction` items, runs in one transaction of the data database that also
 * advances the job's cursor behind the fence (fence.ts), so effects and cursor commit or roll back
 * together:
 *
 *   BEGIN ─► each item: eachIteration(item, ctx.tx) ─► UPDATE cursor … WHERE epoch = ours ─┬─ COMMIT
 *              │ throws                                                                   └─ fenced
 *              └─► ROLLBACK (40001 / 40P01: again, with backoff)                  out: ROLLBACK, stop
 *
 * A skip commits a transaction of its own that moves the cursor past the item and records it
 * (with no effects); a step change (or a migration) commits the move to the new position. At the start of a run,
 * `claim` takes the job in the data database and returns its committed position, which becomes
 * the run's, so the queue-side checkpoint only ever lags it.
 */
import { ItemTimeoutError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { CheckpointUnavailableError } from '../runtime/checkpoint-writer.js';
import type { DurablePosition, EffectScope, ScopeRun } from '../runtime/effect-scope.js';
import { type GroupedPair, ItemGroup } from '../runtime/item-groups.js';
import { isThenable } from '../runtime/loop.js';
import { sleep } from '../runtime/retry-in-place.js';
import type { DurableExtras } from '../runtime/state.js';
import { describeError, isTransientError } from '../runtime/transient.js';
import type { Statement, Transactional, TxSession } from './adapter.js';
import { TransactionMisuseError } from './errors.js';
import { Fence, isFencedOut } from './fence.js';
import { ensureTable } from './schema.js';
import { TxGuard } from './tx-guard.js';

/**
 * Longest a transaction opened ahead by a commit is used for the next item. Between items of a
 * running loop it is microseconds; a run that waited longer (throttled, say) begins afresh.
 */
const AHEAD_FRESH_MS = 1000;

export class TransactionScope implements EffectScope {
  readonly #adapter: Transactional<unknown>;
  readonly #run: ScopeRun;
  readonly #fence: Fence;
  /** The next transaction, opened by the last commit on its connection (see `commitAhead`). */
  #ahead: { readonly session: TxSession<unknown>; readonly at: number } | undefined;
  #tx: unknown;

  constructor(adapter: Transactional<unknown>, run: ScopeRun) {
    this.#adapter = adapter;
    this.#run = run;
    this.#fence = new Fence(adapter, run.job.queueName, String(run.job.id));
  }

  get tx(): unknown {
    return this.#tx;
  }

  get itemsPerUnit(): number {
    return this.#adapter.options.itemsPerTransaction;
  }

  async claim(queueSide: DurablePosition, fresh: boolean): Promise<DurablePosition> {
    await ensureTable(this.#adapter);
    return this.#fence.claim(queueSide, fresh);
  }

  run(item: unknown, cursor: JsonValue, weight: number): Promise<void> {
    const pairs = item instanceof ItemGroup ? item.pairs : [{ item, cursor, weight }];
    return this.#retrying(() => this.#items(pairs, cursor, weight));
  }

  skip(cursor: JsonValue, extras: DurableExtras): Promise<void> {
    return this.#retrying(() => this.#only(this.#fence.advance(cursor, 0, extras)));
  }

  moveTo(extras: DurableExtras, cursor: JsonValue | null): Promise<void> {
    return this.#retrying(() => this.#only(this.#fence.advance(cursor, 0, extras)));
  }

  /** Ends the transaction opened ahead, if any: the run's loop is over. */
  async release(): Promise<void> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    await ahead?.session.rollback();
  }

  /** Runs a transaction again after serialization failures and deadlocks, a bounded number of times. */
  async #retrying(transaction: () => Promise<void>): Promise<void> {
    const { conflictRetries, conflictRetryDelayMs } = this.#adapter.options;
    const run = this.#run;
    for (let retry = 0; ; retry++) {
      try {
        await transaction();
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

  /** One transaction over `pairs`: each item's step, then the fenced cursor write and COMMIT. */
  async #items(pairs: readonly GroupedPair[], last: JsonValue, rows: number): Promise<void> {
    const run = this.#run;
    const session = await this.#open();
    const guard = new TxGuard(run.definition.name, run.label);
    let ended = false;
    this.#tx = this.#adapter.wrap(session, guard);
    try {
      for (const { item, cursor } of pairs) {
        const pending = run.each(item, cursor);
        if (isThenable(pending)) await pending;
        guard.finish();
      }
      guard.close();
      this.#tx = undefined;
      ended = true;
      await this.#commit(session, this.#fence.advance(last, rows), true);
    } catch (error) {
      if (error instanceof ItemTimeoutError && session.abandon !== undefined) {
        // Its statement may still run on the connection: drop it rather than wait to roll back.
        ended = true;
        session.abandon();
        throw error;
      }
      // The server ended the session under the item (a restart, pg_terminate_backend): the
      // connection is the runtime's, so this is an outage to resume from, not the item's failure.
      if (session.broken !== undefined) throw unavailable(session.broken, 'running the item');
      if (guard.isStatementError(error) && isTransientError(error) && !isConflict(error)) {
        throw unavailable(error, 'running the item');
      }
      throw error;
    } finally {
      guard.close();
      this.#tx = undefined;
      if (!ended) await session.rollback();
    }
  }

  /** A transaction with no effects: only the fenced write. */
  async #only(statement: Statement): Promise<void> {
    await this.#commit(await this.#open(), statement, false);
  }

  /**
   * The transaction for the next item: the one the last commit opened ahead when it is fresh and
   * its connection is sound (a run that waited longer, throttled or paused, starts a new one
   * rather than trust a connection that sat idle in a transaction), else a new one.
   */
  async #open(): Promise<TxSession<unknown>> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead !== undefined) {
      if (ahead.session.broken === undefined && Date.now() - ahead.at <= AHEAD_FRESH_MS) {
        return ahead.session;
      }
      await ahead.session.rollback();
    }
    return infra(this.#adapter.begin(), 'opening a transaction');
  }

  /** Writes the cursor behind the fence and commits; a fenced-out run stops as lock-lost. */
  async #commit(session: TxSession<unknown>, last: Statement, ahead: boolean): Promise<void> {
    const run = this.#run;
    try {
      if (!ahead || session.commitAhead === undefined || run.signal.aborted) {
        await session.commit(last);
        return;
      }
      const next = await session.commitAhead(last);
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
      if (session.broken !== undefined) throw unavailable(session.broken, 'committing the item');
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
    throw unavailable(error, doing);
  }
}

function unavailable(error: unknown, doing: string): CheckpointUnavailableError {
  return new CheckpointUnavailableError(
    `the data database failed while ${doing} (${describeError(error)})`,
    { cause: error },
  );
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
