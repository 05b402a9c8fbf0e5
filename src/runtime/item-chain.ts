/**
 * What runs one loop item, as a chain of layers chosen once per run; each wraps the next and adds
 * its part, and an option that is off adds nothing to the per-item path:
 *
 *   rate gate (the run's budget of rows a second)                  run-rate.ts
 *   item policy (itemErrors: retry in place, skip and record)     item-guard.ts
 *     └─ effect scope (transactional: one unit per item or group)  effect-scope.ts
 *          └─ the item in hand (its cursor, for ctx.idempotencyKey;  here
 *             its deadline and ctx.signal, with itemTimeoutMs)       item-timeout.ts
 *               └─ eachIteration of the job, or of its current step  steps.ts
 *
 * The chain's head is the one writer of the item in hand; the scope calls it once per item of a
 * group, so every item of a unit has its own idempotency key.
 */
import type { JsonValue } from '../json.js';
import type { EffectScope } from './effect-scope.js';
import { scopeOf } from './effect-scope.js';
import type { GuardedRun, ItemStep } from './item-guard.js';
import { ItemGuard } from './item-guard.js';
import type { ResolvedItemPolicy } from './item-policy.js';
import type { ItemTimeout, TimedHand } from './item-timeout.js';
import { itemTimeoutOf, timedHead } from './item-timeout.js';
import type { RateGate } from './run-rate.js';

/** The item the chain is running, as the context reads it. */
export interface ItemInHand {
  /** The cursor after the item in hand (of the last item, between items). */
  readonly cursor: JsonValue | undefined;
  /** With `itemTimeoutMs`: the item's own signal while it runs (see item-timeout.ts). */
  readonly signal: AbortSignal | undefined;
}

/** The item in hand, the run's effect scope, and the step the loop calls. */
export interface ItemChain {
  readonly hand: ItemInHand;
  readonly scope: EffectScope | undefined;
  readonly step: ItemStep;
}

/** The head of the chain: runs the job's step for one item, as the innermost layer. */
export type ChainHead = (item: unknown, cursor: JsonValue) => unknown;

/**
 * The chain of a run: `each` is the job's step (eachIteration, or the current step's), `scopeFor`
 * makes the run's effect scope around the head (undefined without one), `policy` is the resolved
 * `itemErrors`.
 */
export function itemChain(
  each: (item: unknown) => unknown,
  policy: ResolvedItemPolicy | undefined,
  run: GuardedRun,
  scopeFor: (head: ChainHead) => EffectScope | undefined,
  timeout: ItemTimeout | undefined,
  gate: RateGate,
): ItemChain {
  const timed =
    timeout === undefined
      ? undefined
      : timedHead(each, timeout, run.signal, { name: run.definition.name, label: run.label });
  const hand: TimedHand = timed?.hand ?? { cursor: undefined, signal: undefined };
  const head: ChainHead =
    timed?.head ??
    ((item, cursor) => {
      hand.cursor = cursor;
      return each(item);
    });
  const scope = scopeFor(head);
  const scoped: ItemStep =
    scope === undefined ? head : (item, cursor, weight) => scope.run(item, cursor, weight);
  const guarded = policy === undefined ? scoped : new ItemGuard(policy, run, scoped, scope).step;
  // Outermost: an item waits for the run's rate budget before anything of it runs.
  const waited = (wait: Promise<void>, item: unknown, cursor: JsonValue, weight: number) =>
    wait.then(() => guarded(item, cursor, weight));
  // Without a layer between the gate and the job's step, one call does both: the loop's per-item
  // cost is this function and the step.
  const step: ItemStep =
    guarded === head && timed === undefined
      ? (item, cursor, weight) => {
          const wait = gate.take(weight);
          if (wait !== undefined) return waited(wait, item, cursor, weight);
          hand.cursor = cursor;
          return each(item);
        }
      : (item, cursor, weight) => {
          const wait = gate.take(weight);
          return wait === undefined
            ? guarded(item, cursor, weight)
            : waited(wait, item, cursor, weight);
        };
  return { hand, scope, step };
}

/** What a run's chain reads of the run. */
export interface ChainedRun extends GuardedRun {
  readonly plan: { readonly each: (item: unknown) => unknown };
  readonly rate: RateGate;
  loseLock(detail: string): void;
}

/**
 * The chain of `run`: its plan's step at the head, the effect scope of the definition's
 * `transactional` adapter around it, and the resolved item policy outside.
 */
export function runChain(
  run: ChainedRun,
  definition: {
    readonly name: string;
    readonly transactional?: unknown;
    readonly itemTimeoutMs?: number;
    readonly itemTimeoutGraceMs?: number;
  },
  policy: ResolvedItemPolicy | undefined,
): ItemChain {
  const { job, label, signal, logger } = run;
  const loseLock = (detail: string) => run.loseLock(detail);
  return itemChain(
    run.plan.each,
    policy,
    run,
    (each) => scopeOf(definition, { job, label, signal, logger, definition, each, loseLock }),
    itemTimeoutOf(definition),
    run.rate,
  );
}
