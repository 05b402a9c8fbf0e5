/**
 * Run limits and interruption conditions, checked at each item boundary: `maxItemsPerRun` and
 * `interruptWhen` requeue the job like a deploy (reasons `max-items` and `condition`), `maxItems`
 * finishes it early like `ctx.stop()`. Resolved once per run into one function, or none at all:
 * a job without these options pays a single `undefined` test per item in the loop.
 */
import { IterationDefinitionError } from '../errors.js';
import type { StopReason } from './interruption.js';

/** What the checks read and do on their run. */
export interface LimitedRun {
  readonly ledger: { readonly processedThisRun: number; readonly state: { processed: number } };
  readonly context: object;
  /** Finishes the job after this item, as `ctx.stop()` does. */
  requestStop(): void;
  interrupt(reason: StopReason, detail?: string): void;
}

/** The limit options of a job definition (see `IterationJobDefinition` for their meaning). */
interface Limits {
  readonly maxItemsPerRun?: number;
  readonly maxItems?: number;
  readonly interruptWhen?: (ctx: never) => boolean | Promise<boolean>;
}

/**
 * The check to run after each finished item, or undefined when the job sets no limit. A promise
 * only when `interruptWhen` returned one.
 */
export function boundaryCheck(
  definition: Limits,
  run: LimitedRun,
): (() => void | Promise<void>) | undefined {
  const { maxItemsPerRun, maxItems, interruptWhen } = definition;
  if (maxItemsPerRun === undefined && maxItems === undefined && interruptWhen === undefined) {
    return undefined;
  }
  const { ledger, context } = run;
  const onCondition = (held: boolean) => {
    if (held) run.interrupt('condition', 'interruptWhen returned true');
  };
  return () => {
    if (maxItems !== undefined && ledger.state.processed >= maxItems) {
      run.requestStop();
      return;
    }
    if (maxItemsPerRun !== undefined && ledger.processedThisRun >= maxItemsPerRun) {
      run.interrupt('max-items', `${maxItemsPerRun} items this run (maxItemsPerRun)`);
      return;
    }
    if (interruptWhen === undefined) return;
    const held = interruptWhen(context as never);
    if (typeof held === 'boolean') return onCondition(held);
    return Promise.resolve(held).then((value) => onCondition(value === true));
  };
}

/** Before the first item: a job that already reached `maxItems` takes no more. */
export function reachedMaxItems(definition: Limits, processed: number): boolean {
  return definition.maxItems !== undefined && processed >= definition.maxItems;
}

/** Validates the limit options of a definition, once, when it is defined. */
export function validateLimits(d: Record<string, unknown>, owner: string): void {
  for (const name of ['maxItemsPerRun', 'maxItems'] as const) {
    const value = d[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new IterationDefinitionError(
        `${owner}: expected \`${name}\` to be a whole number ≥ 1, got \`${String(value)}\` ` +
          `(${typeof value}). Leave it out for no limit.`,
        typeof d.name === 'string' ? d.name : undefined,
      );
    }
  }
  if (d.interruptWhen !== undefined && typeof d.interruptWhen !== 'function') {
    throw new IterationDefinitionError(
      `${owner}: \`interruptWhen\` must be a function of the run's context returning a boolean ` +
        `(or a promise of one), got ${typeof d.interruptWhen}. ` +
        'Example: interruptWhen: (ctx) => ctx.params.region !== currentRegion()',
      typeof d.name === 'string' ? d.name : undefined,
    );
  }
}
