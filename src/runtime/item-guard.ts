/**
 * The item policy layer (`itemErrors`, see item-policy.ts): it wraps what runs one loop item. A
 * failing item is tried again in place with a doubling backoff; once its retries are spent the
 * attempt fails, or the item is skipped: the guard returns a {@link Skip}, which the run's
 * `advance` stores with the cursor after the item in the same state write. Under an effect scope
 * (`transactional`), each try is a unit of its own (a failing one is rolled back, effects and
 * cursor), and the skip itself is committed by the scope with the record before it is returned,
 * so a crash loses both or neither. A group of items that fails together is run again one item at
 * a time, each with the policy, and settles to {@link GroupParts}.
 * Interruptions and errors marked transient are left to the run, untouched.
 */
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';

import { ItemFailuresExceededError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { preview } from '../json.js';
import { isRetryAfter } from '../retry-after.js';
import type { EffectScope } from './effect-scope.js';
import { isInterruptError } from './interruption.js';
import { ItemGroup } from './item-groups.js';
import type { GroupPart } from './item-outcome.js';
import { GroupParts, Skip } from './item-outcome.js';
import type { FailedItem, ResolvedItemPolicy } from './item-policy.js';
import { MESSAGE_CHARS, PREVIEW_CHARS, SHARE_MIN_ITEMS, STACK_CHARS } from './item-policy.js';
import { recordOf } from './item-records.js';
import type { RunLedger } from './ledger.js';
import { isThenable } from './loop.js';
import { sleep } from './retry-in-place.js';
import type { DurableExtras } from './state.js';
import { describeError, isMarkedTransient } from './transient.js';

/** Runs one loop item: what the loop calls, and what each layer wraps. */
export type ItemStep = (item: unknown, cursor: JsonValue, weight: number) => unknown;

/** What the guard reads of its run. */
export interface GuardedRun {
  readonly job: Job;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly label: string;
  readonly definition: { readonly name: string };
  readonly ledger: RunLedger;
  /** The bounds of the partition the run iterates, recorded with a skip; undefined otherwise. */
  readonly partitionBounds: JsonValue | undefined;
}

/** Where a single item starts: the cursor before it, and the skips of a group's earlier parts. */
interface Before {
  readonly cursor: JsonValue | null;
  readonly skipped: number;
  readonly extras: DurableExtras | undefined;
}

export class ItemGuard {
  readonly #policy: ResolvedItemPolicy;
  readonly #run: GuardedRun;
  readonly #inner: ItemStep;
  readonly #scope: EffectScope | undefined;

  constructor(
    policy: ResolvedItemPolicy,
    run: GuardedRun,
    inner: ItemStep,
    scope: EffectScope | undefined,
  ) {
    this.#policy = policy;
    this.#run = run;
    this.#inner = inner;
    this.#scope = scope;
  }

  /** Runs one loop item; a promise only when the item returned one or failed. */
  readonly step: ItemStep = (item, cursor, weight) => {
    let pending: unknown;
    try {
      pending = this.#inner(item, cursor, weight);
    } catch (error) {
      return this.#failed(item, cursor, weight, error);
    }
    if (isThenable(pending)) {
      return Promise.resolve(pending).then(undefined, (error: unknown) =>
        this.#failed(item, cursor, weight, error),
      );
    }
    return pending;
  };

  #failed(item: unknown, cursor: JsonValue, weight: number, error: unknown): Promise<unknown> {
    if (this.#leftToRun(error)) return Promise.reject(error);
    if (item instanceof ItemGroup) return this.#parts(item);
    const { state } = this.#run.ledger;
    const before = { cursor: state.cursor, skipped: state.skipped ?? 0, extras: undefined };
    return this.#single(item, cursor, weight, error, before);
  }

  /**
   * Interruptions and errors marked transient belong to the run, not to the item; so does an
   * `UnrecoverableError` (a misuse of `ctx.tx` is one): it fails the job at once, as without a
   * policy, since trying or skipping the item cannot fix the code.
   */
  #leftToRun(error: unknown): boolean {
    return (
      isInterruptError(error, this.#run.signal) ||
      isMarkedTransient(error) ||
      isRetryAfter(error) ||
      error instanceof UnrecoverableError
    );
  }

  /** Retries one item in place; then fails, or skips it. Resolves to its Skip, or undefined. */
  async #single(
    item: unknown,
    cursor: JsonValue,
    weight: number,
    first: unknown,
    before: Before,
  ): Promise<Skip | undefined> {
    const run = this.#run;
    const { retries, retryDelayMs } = this.#policy;
    let error = first;
    let tries = 1;
    for (;;) {
      if (this.#leftToRun(error)) throw error;
      if (tries > retries) break;
      const delayMs = retryDelayMs * 2 ** (tries - 1);
      run.logger.warn(
        { err: error, tries, delayMs },
        `an item failed (${describeError(error)}); trying it again in place`,
      );
      await sleep(delayMs, run.signal);
      // A shutdown while waiting: the item is redone by the next run.
      if (run.signal.aborted) throw run.signal.reason;
      tries++;
      try {
        await this.#inner(item, cursor, weight);
        return undefined;
      } catch (again) {
        error = again;
      }
    }
    if (this.#policy.action === 'fail') throw error;
    this.#checkThreshold(error, before.skipped + weight);
    const err = error instanceof Error ? error : new Error(String(error));
    const skip = new Skip(this.#record(item, err, tries, before.cursor, weight), err);
    if (this.#scope !== undefined) {
      const extras = run.ledger.extrasAfterSkip(
        recordOf(run.ledger, skip, cursor),
        this.#policy.maxRecorded,
        weight,
        before.extras,
      );
      await this.#scope.skip(cursor, extras);
    }
    run.logger.warn(
      { err: error, tries, cursor: before.cursor },
      `skipping an item that failed ${tries} times (${describeError(error)}); recorded for replay`,
    );
    return skip;
  }

  /** A group failed together: each of its items again, alone, with the policy. */
  async #parts(group: ItemGroup): Promise<GroupParts> {
    const { state } = this.#run.ledger;
    const parts: GroupPart[] = [];
    let before: Before = { cursor: state.cursor, skipped: state.skipped ?? 0, extras: undefined };
    for (const { item, cursor, weight } of group.pairs) {
      let skip: Skip | undefined;
      try {
        await this.#inner(item, cursor, weight);
      } catch (error) {
        skip = await this.#single(item, cursor, weight, error, before);
      }
      parts.push({ cursor, weight, skip });
      const extras =
        skip === undefined
          ? before.extras
          : this.#run.ledger.extrasAfterSkip(
              recordOf(this.#run.ledger, skip, cursor),
              this.#policy.maxRecorded,
              weight,
              before.extras,
            );
      before = {
        cursor,
        skipped: before.skipped + (skip === undefined ? 0 : weight),
        extras,
      };
    }
    return new GroupParts(parts);
  }

  /**
   * Throws when the run would then have skipped `after` rows: more than `maxSkipped`, or more than
   * `maxSkippedShare` of what it visited.
   */
  #checkThreshold(error: unknown, after: number): void {
    const { state } = this.#run.ledger;
    const { maxSkipped, maxSkippedShare } = this.#policy;
    const before = state.skipped ?? 0;
    const visited = state.processed + after;
    let why: string | undefined;
    if (after > maxSkipped) why = `more than maxSkipped (${maxSkipped}) items`;
    else if (
      maxSkippedShare !== undefined &&
      visited >= SHARE_MIN_ITEMS &&
      after / visited > maxSkippedShare
    ) {
      why = `more than maxSkippedShare (${maxSkippedShare * 100} %) of the ${visited} items visited`;
    }
    if (why === undefined) return;
    const run = this.#run;
    throw new ItemFailuresExceededError(
      `${run.label} would skip ${why} (${before} skipped, ${state.processed} processed); the ` +
        `failures look systemic, so the attempt fails instead. Last error: ${describeError(error)}. ` +
        'Fix the cause and retry the job (it resumes at this item), or raise the threshold in ' +
        '`itemErrors`.',
      { jobName: run.definition.name, skipped: before, processed: state.processed, cause: error },
    );
  }

  #record(
    item: unknown,
    e: Error,
    tries: number,
    cursor: JsonValue | null,
    rows: number,
  ): Omit<FailedItem, 'after'> {
    const run = this.#run;
    const { step } = run.ledger.state;
    const partition = run.partitionBounds;
    return {
      cursor,
      item: preview(item, PREVIEW_CHARS),
      error: {
        name: e.name,
        message: cut(e.message, MESSAGE_CHARS),
        ...(typeof e.stack === 'string' ? { stack: cut(e.stack, STACK_CHARS) } : {}),
      },
      at: Date.now(),
      attempt: run.job.attemptsMade + 1,
      tries,
      ...(step === undefined ? {} : { step: step.name }),
      ...(partition === undefined ? {} : { partition }),
      ...(rows === 1 ? {} : { rows }),
    };
  }
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
