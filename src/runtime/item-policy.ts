/**
 * What a job does when one item keeps failing (a poison item): the `itemErrors` option of a job
 * definition, its defaults, its validation, and the record a skipped item leaves in the job's
 * iteration state. The retrying and skipping itself is in item-guard.ts.
 */
import { IterationDefinitionError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { stripUndefined } from '../options.js';

/**
 * Item errors: retry the failing item in place, then fail the attempt or skip the item.
 *
 * @example
 * ```ts
 * itemErrors: { retries: 3, action: 'skip', maxSkipped: 50, maxSkippedShare: 0.01 },
 * ```
 */
export interface ItemErrorPolicy {
  /**
   * Times a failing item is tried again inside the run, after its first failure, before `action`
   * applies. The job is not requeued meanwhile. @defaultValue 2
   */
  readonly retries?: number;
  /** Wait before the first retry of an item, doubled before each next one. @defaultValue 100 */
  readonly retryDelayMs?: number;
  /**
   * What happens once the retries are spent. `fail`: the error fails the attempt, as it does
   * without this option (BullMQ's `attempts` decide the rest). `skip`: the item is recorded (see
   * `getFailedItems`) and the run goes on with the next one. @defaultValue 'fail'
   */
  readonly action?: 'fail' | 'skip';
  /**
   * With `skip`: the run fails (with `ItemFailuresExceededError`) instead of skipping one more item
   * than this, over the life of the job, so a systemic failure is not hidden as a thousand skips.
   * @defaultValue 100
   */
  readonly maxSkipped?: number;
  /**
   * With `skip`: the run fails when more than this share (0 to 1) of the items it visited were
   * skipped; judged as it goes once at least {@link SHARE_MIN_ITEMS} items were visited, and over
   * every item at the end, so a small run cannot finish above it. @defaultValue none
   */
  readonly maxSkippedShare?: number;
  /**
   * Skipped items recorded at most; later ones are only counted (`dropped`), the oldest records are
   * kept. Each record is bounded (a preview of the item, a truncated stack). @defaultValue 100
   */
  readonly maxRecorded?: number;
}

/** `maxSkippedShare` is judged once this many items were visited (processed plus skipped). */
export const SHARE_MIN_ITEMS = 100;

export interface ResolvedItemPolicy {
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly action: 'fail' | 'skip';
  readonly maxSkipped: number;
  readonly maxSkippedShare: number | undefined;
  readonly maxRecorded: number;
}

export const ITEM_POLICY_DEFAULTS = {
  retries: 2,
  retryDelayMs: 100,
  action: 'fail',
  maxSkipped: 100,
  maxSkippedShare: undefined,
  maxRecorded: 100,
} as const satisfies ResolvedItemPolicy;

/** A skipped item, as stored beside the cursor in the job's iteration state. */
export interface FailedItem {
  /** The cursor before the item: an enumerator built at it yields the item first. */
  readonly cursor: JsonValue | null;
  /**
   * The cursor after the item, as the enumerator yielded it with the item: what tells a replay
   * that the item found at `cursor` is still this one.
   */
  readonly after: JsonValue;
  /** The item as JSON, cut to {@link PREVIEW_CHARS} characters. */
  readonly item: string;
  readonly error: {
    readonly name: string;
    readonly message: string;
    /** Cut to {@link STACK_CHARS} characters. */
    readonly stack?: string;
  };
  /** When it was skipped (epoch ms). */
  readonly at: number;
  /** BullMQ's attempt the item was skipped in (1 for the first). */
  readonly attempt: number;
  /** Times the item was tried, the first one included. */
  readonly tries: number;
  /** In a job made of steps: the step the item belongs to, whose enumerator a replay rebuilds. */
  readonly step?: string;
  /**
   * In a partition of a parallel run: the partition's bounds when the item was skipped, which a
   * replay builds the enumerator with.
   */
  readonly partition?: JsonValue;
  /** The rows the item counts for, when not one (a batch): what a replay of it counts. */
  readonly rows?: number;
  /**
   * The version of the job whose cursor and step format the record is in; absent: 1. A replay
   * on a later version migrates the record first (see the changing-jobs guide).
   */
  readonly version?: number;
}

/** A record a replay took, and where it came from (see `retryFailedItems`). */
export interface ReplayedItem extends FailedItem {
  /** The job whose list the record is in, and its place there. Absent in older replays. */
  readonly source?: { readonly job: string; readonly index: number };
}

/**
 * Stored in the state of a job made by `retryFailedItems`, on its first run: the records it
 * visits, in order (see replay.ts).
 */
export interface ReplayState {
  /** Id of the job (or parallel run) whose records these are. */
  readonly of: string;
  readonly items: readonly ReplayedItem[];
}

export const PREVIEW_CHARS = 500;
export const MESSAGE_CHARS = 1_000;
export const STACK_CHARS = 2_000;

/** Validates `itemErrors` once, at definition time; undefined when the job has none. */
export function resolveItemPolicy(value: unknown, owner: string): ResolvedItemPolicy | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IterationDefinitionError(
      `${owner}: expected \`itemErrors\` to be an object, got ${String(value)}. ` +
        "Example: itemErrors: { retries: 3, action: 'skip' }",
    );
  }
  const o = { ...ITEM_POLICY_DEFAULTS, ...stripUndefined(value as ItemErrorPolicy) };
  const count = (name: keyof ResolvedItemPolicy, v: unknown, min: number) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new IterationDefinitionError(
        `${owner}: expected \`itemErrors.${name}\` to be a whole number ≥ ${min}, got \`${String(v)}\` (${typeof v}).`,
      );
    }
    return v;
  };
  if (o.action !== 'fail' && o.action !== 'skip') {
    throw new IterationDefinitionError(
      `${owner}: expected \`itemErrors.action\` to be 'fail' or 'skip', got \`${String(o.action)}\`.`,
    );
  }
  const delay = o.retryDelayMs;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw new IterationDefinitionError(
      `${owner}: expected \`itemErrors.retryDelayMs\` to be a non-negative finite number of milliseconds, got \`${String(delay)}\` (${typeof delay}).`,
    );
  }
  const share = o.maxSkippedShare;
  if (share !== undefined && (typeof share !== 'number' || !(share > 0 && share <= 1))) {
    throw new IterationDefinitionError(
      `${owner}: expected \`itemErrors.maxSkippedShare\` to be a share above 0 and at most 1 (0.01 for 1 %), got \`${String(share)}\` (${typeof share}).`,
    );
  }
  return Object.freeze({
    retries: count('retries', o.retries, 0),
    retryDelayMs: delay,
    action: o.action,
    maxSkipped: count('maxSkipped', o.maxSkipped, 0),
    maxSkippedShare: share,
    maxRecorded: count('maxRecorded', o.maxRecorded, 0),
  });
}

const resolved = new WeakMap<object, ResolvedItemPolicy | undefined>();

/** The resolved `itemErrors` of a definition, validated on first use and kept. */
export function itemPolicyOf(definition: {
  readonly name: string;
  readonly itemErrors?: unknown;
}): ResolvedItemPolicy | undefined {
  if (resolved.has(definition)) return resolved.get(definition);
  const policy = resolveItemPolicy(definition.itemErrors, `iteration job "${definition.name}"`);
  resolved.set(definition, policy);
  return policy;
}

/**
 * At the end of a run with `skip`: why it must not complete, or undefined. A run that skipped
 * every item it visited never completes (whatever the thresholds: nothing was done), nor one whose
 * skipped share ended above `maxSkippedShare`, which is judged over every item here, however few.
 */
export function skippedTooMuch(
  policy: ResolvedItemPolicy | undefined,
  state: { readonly processed: number; readonly skipped?: number },
): string | undefined {
  const skipped = state.skipped ?? 0;
  if (policy === undefined || skipped === 0) return undefined;
  const visited = state.processed + skipped;
  if (state.processed === 0) return `every one of the ${visited} items it visited failed`;
  const share = policy.maxSkippedShare;
  if (share !== undefined && skipped / visited > share) {
    return `${skipped} of the ${visited} items it visited were skipped, more than maxSkippedShare (${share * 100} %)`;
  }
  return undefined;
}
