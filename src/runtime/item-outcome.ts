/**
 * What running one loop item can settle to besides "done": the item was skipped (its record goes
 * into the state with the cursor after it), or, for a group of items that failed together and was
 * run again one item at a time, the outcome of each part. The loop hands the outcome to the run's
 * `advance`, which applies it to the ledger in one place; a plain item settles to `undefined` and
 * costs the loop one test.
 */
import type { JsonValue } from '../json.js';
import type { FailedItem } from './item-policy.js';

/** An item skipped by the item policy: its record (all but the cursor after it) and the error. */
export class Skip {
  constructor(
    readonly record: Omit<FailedItem, 'after'>,
    readonly error: Error,
  ) {}
}

/** One item of a group run again on its own: where it ends, its rows, and its skip if skipped. */
export interface GroupPart {
  readonly cursor: JsonValue;
  readonly weight: number;
  readonly skip: Skip | undefined;
}

/** A group of items that failed together and was run again one item at a time, in order. */
export class GroupParts {
  constructor(readonly parts: readonly GroupPart[]) {}
}

/** What a loop item settled to; `undefined` for an item done. */
export type ItemOutcome = Skip | GroupParts | undefined;

/** The outcome an item's step returned, or undefined for anything that is not one. */
export function outcomeOf(value: unknown): ItemOutcome {
  return value instanceof Skip || value instanceof GroupParts ? value : undefined;
}
