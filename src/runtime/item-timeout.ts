/**
 * A deadline per item (`itemTimeoutMs`): the head of the item chain (see item-chain.ts) gives each
 * item an `AbortSignal` of its own, `ctx.signal`, which aborts at the deadline; an item that has
 * not settled `itemTimeoutGraceMs` later is abandoned. Either way it fails with an
 * `ItemTimeoutError`, which the item policy handles like any failure (fail, retry in place, skip
 * and record); it is not an interruption. Under `transactional` the abandoned item's connection is
 * dropped, which ends its transaction on the server, so a statement stuck there cannot hold it.
 *
 *   item ──┬── settles before the deadline ─────────────────► done, or its own error
 *          └── deadline: ctx.signal aborts ──┬── settles within the grace ─► ItemTimeoutError
 *                                            └── grace over: abandoned ────► ItemTimeoutError
 *
 * `ctx.signal` also aborts when the run must wind down (a shutdown, `maxRuntimeMs`, a pause or
 * cancel, a lost lock): those are interruptions, and the item is redone by the next run.
 */
import { ItemTimeoutError, IterationDefinitionError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { isThenable } from './loop.js';

/** Wait past the deadline for an aborted item to settle, before it is abandoned. */
export const ITEM_TIMEOUT_GRACE_MS = 1_000;

export interface ItemTimeout {
  readonly timeoutMs: number;
  readonly graceMs: number;
}

/** The item in hand, as the head that runs it writes it. */
export interface TimedHand {
  cursor: JsonValue | undefined;
  /** The item's own signal while it runs; undefined between items. */
  readonly signal: AbortSignal | undefined;
}

/**
 * The signal of one item, made when the step first reads `ctx.signal`: most steps never do, and
 * `AbortSignal.any` costs tens of microseconds a call (and a listener on the run's signal), which
 * for fast items was most of what a deadline cost. Its deadline is kept whether or not it was made.
 */
class ItemSignal {
  #signal: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  constructor(readonly run: AbortSignal) {}

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = (this.#controller = new AbortController());
      if (this.#aborted) controller.abort(this.#reason);
      this.#signal = AbortSignal.any([this.run, controller.signal]);
    }
    return this.#signal;
  }

  abort(reason: unknown): void {
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * A head that runs `each` for one item under a deadline, and the hand it keeps: `runSignal` is the
 * run's own signal, which the item's signal follows; `label` names the job in the error.
 */
export function timedHead(
  each: (item: unknown) => unknown,
  timeout: ItemTimeout,
  runSignal: AbortSignal,
  job: { readonly name: string; readonly label: string },
): { head: (item: unknown, cursor: JsonValue) => unknown; hand: TimedHand } {
  let current: ItemSignal | undefined;
  const hand = {
    cursor: undefined as JsonValue | undefined,
    get signal(): AbortSignal | undefined {
      return current?.signal;
    },
  };
  const head = (item: unknown, cursor: JsonValue): unknown => {
    hand.cursor = cursor;
    const signal = (current = new ItemSignal(runSignal));
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    let expired: ItemTimeoutError | undefined;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      if (current === signal) current = undefined;
    };
    const abandoned = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = new ItemTimeoutError(job.label, job.name, timeout.timeoutMs, cursor);
        signal.abort(expired);
        grace = setTimeout(() => reject(expired), timeout.graceMs);
      }, timeout.timeoutMs);
    });
    let pending: unknown;
    try {
      pending = each(item);
    } catch (error) {
      done();
      throw error;
    }
    if (!isThenable(pending)) {
      done();
      return pending;
    }
    // Past the deadline, whatever the item settles to, it timed out.
    const settled = Promise.resolve(pending).then(
      (value) => {
        if (expired !== undefined) throw expired;
        return value;
      },
      (error: unknown) => {
        throw expired ?? error;
      },
    );
    abandoned.catch(() => undefined);
    return Promise.race([settled, abandoned]).finally(done);
  };
  return { head, hand };
}

/** The definition's item timeout, validated once; undefined when it has none. */
export function itemTimeoutOf(d: {
  readonly name: string;
  readonly itemTimeoutMs?: unknown;
  readonly itemTimeoutGraceMs?: unknown;
}): ItemTimeout | undefined {
  const { itemTimeoutMs, itemTimeoutGraceMs } = d;
  if (itemTimeoutMs === undefined) {
    if (itemTimeoutGraceMs !== undefined) {
      throw new IterationDefinitionError(
        `Iteration job "${d.name}": \`itemTimeoutGraceMs\` only applies with \`itemTimeoutMs\`; ` +
          'add itemTimeoutMs (e.g. itemTimeoutMs: 30_000) or remove itemTimeoutGraceMs.',
        d.name,
      );
    }
    return undefined;
  }
  return {
    timeoutMs: positive(d.name, 'itemTimeoutMs', itemTimeoutMs, 1),
    graceMs: positive(d.name, 'itemTimeoutGraceMs', itemTimeoutGraceMs ?? ITEM_TIMEOUT_GRACE_MS, 0),
  };
}

function positive(job: string, option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 2 ** 31 - 1) {
    throw new IterationDefinitionError(
      `Iteration job "${job}": expected \`${option}\` to be a number of milliseconds ≥ ${min}, ` +
        `got \`${String(value)}\` (${typeof value}). E.g. ${option}: 30_000`,
      job,
    );
  }
  return value;
}
