/**
 * How a run builds its enumerator and runs an item: with the job's own `buildEnumerator` and
 * `eachIteration`, or, in a job made of `steps`, through its steps in order. The run sees one
 * enumerator either way; for steps it walks them from the stored step on: it builds each step's
 * enumerator at the step's cursor and yields its pairs, calls a `run` step once, and between steps
 * records the next step (cursor `null`) with a fenced checkpoint before it starts, so a finished
 * step is never run again. An `isolated` step is reached by requeueing the job (reason `step`).
 */
import type {
  BuildEnumeratorArgs,
  ItemContext,
  IterationContext,
  IterationStep,
} from '../define-job.js';
import { weightOf } from '../enumerator.js';
import { CheckpointError } from '../errors.js';
import type { IterationEventName } from '../events.js';
import { hasSteps } from '../steps-definition.js';
import type { StopReason } from './interruption.js';
import { grouped, groupWeight } from './item-groups.js';
import type { FailedItem } from './item-policy.js';
import type { IterationState } from './state.js';
import type { StepState } from './step-state.js';

/** What the steps read and do on their run. */
export interface StepsRun {
  readonly label: string;
  readonly definition: { readonly name: string };
  readonly ledger: {
    readonly state: Readonly<IterationState>;
    /** Records the step the job is in (with cursor `null` when it starts it). */
    enterStep(step: StepState, starting: boolean): void;
  };
  /** Makes the step just entered durable, before any of it runs. */
  commitPosition(): Promise<void>;
  readonly context: IterationContext<unknown, unknown>;
  readonly signal: AbortSignal;
  /** True once `ctx.stop()` was called (or `maxItems` reached): no further step starts. */
  readonly stopRequested: boolean;
  interrupt(reason: StopReason, detail?: string): void;
  emit(event: IterationEventName, extra: object): void;
}

/**
 * The run's seams: the source of a pass and the rows an item of it counts for (see
 * `WeighedEnumerator`; in a job of steps, as the step it comes from weighs it), a replayed
 * record's enumerator, and the work per item.
 */
export interface RunPlan {
  /** The items from the run's cursor on, in units of `unit` items; null when there are none. */
  open(args: BuildEnumeratorArgs<unknown, unknown>): Promise<Units | null>;
  /** The enumerator a replayed record is found in, at its cursor (in its step). */
  build(args: BuildEnumeratorArgs<unknown, unknown>, record: FailedItem): unknown;
  /** Runs the job's step on one item (a function of its own: the chain calls it unbound). */
  readonly each: (item: unknown) => unknown;
}

interface PlainDefinition {
  readonly name: string;
  buildEnumerator(args: never): unknown;
  eachIteration(item: never, ctx: never): unknown;
}

/**
 * The plan of a run of `definition`, chosen once per run. `unit` tells the items of an effect
 * scope's unit, asked when a pass opens (the scope is made after the plan, around its `each`).
 * `startStep` is where a job that has not entered any step yet starts (a split of a partition
 * starts in the step it was split in).
 */
export function runPlan(
  definition: PlainDefinition,
  run: StepsRun,
  unit: () => number,
  startStep?: string,
): RunPlan {
  if (hasSteps(definition)) {
    const { steps } = definition as { readonly steps?: readonly IterationStep<unknown>[] };
    const sequence = new StepSequence(steps!, run, unit, startStep);
    return {
      open: async (args) => ({ source: sequence.pairs(args), weigh: sequence.weigh }),
      build: (args, record) => sequence.replayed(args, record),
      each: (item) => sequence.each(item),
    };
  }
  const build = (args: BuildEnumeratorArgs<unknown, unknown>) => {
    const stored = run.ledger.state.step;
    if (stored !== undefined) throw stepGone(run, stored.name, []);
    // Called on the definition: a method of it may use `this`.
    return definition.buildEnumerator(args as never);
  };
  return {
    open: async (args) => unitsOf(await build(args), unit(), run.label),
    build,
    each: (item) => definition.eachIteration(item as never, run.context as never),
  };
}

class StepSequence {
  readonly #steps: readonly IterationStep<unknown>[];
  readonly #run: StepsRun;
  /** The iterating step whose items the loop is processing. */
  #current: IterationStep<unknown> | undefined;
  /** True once this run did work in a step: only then does an isolated step need a fresh run. */
  #worked = false;
  /** The rows of an item of the current step's units, when they are weighed. */
  #weigh: ((item: unknown) => number) | undefined;
  readonly #unit: () => number;
  readonly #startStep: string | undefined;

  constructor(
    steps: readonly IterationStep<unknown>[],
    run: StepsRun,
    unit: () => number,
    startStep?: string,
  ) {
    this.#steps = steps;
    this.#run = run;
    this.#unit = unit;
    this.#startStep = startStep;
  }

  /** The rows of an item of the walk, as the enumerator of its step weighs them. */
  readonly weigh = (item: unknown): number => (this.#weigh === undefined ? 1 : this.#weigh(item));

  each(item: unknown): unknown {
    return this.#current!.eachIteration!(item, this.#run.context as ItemContext<unknown, unknown>);
  }

  /**
   * Every step's pairs from the stored step and cursor on, recording each step as it starts. A
   * step's items are grouped (`unit` > 1) within the step: a group never spans two steps.
   */
  async *pairs(args: BuildEnumeratorArgs<unknown, unknown>): AsyncGenerator<unknown> {
    const run = this.#run;
    const stored = run.ledger.state.step;
    const first = stored?.name ?? this.#startStep;
    let index = first === undefined ? 0 : this.#find(first);
    // Before the first step (or in a state from before the job had steps): start it.
    if (stored === undefined) await this.#start(index);
    else this.#record(index, false);
    for (;;) {
      const step = this.#steps[index]!;
      if (step.run !== undefined) {
        this.#current = undefined;
        await step.run(run.context);
        this.#worked = true;
      } else {
        this.#current = step;
        const built = await step.buildEnumerator!({ ...args, cursor: run.ledger.state.cursor });
        const units = unitsOf(built, this.#unit(), run.label);
        this.#weigh = units?.weigh;
        if (units !== null) {
          for await (const pair of units.source as AsyncIterable<unknown>) {
            yield pair;
            this.#worked = true;
          }
        }
      }
      run.emit('iteration.stepCompleted', this.#figures(index));
      index++;
      // The loop sees a stop only between items: one asked for in a `run` step ends here.
      if (index === this.#steps.length || run.stopRequested) return;
      await this.#start(index);
      if (this.#steps[index]!.isolated === true && this.#worked) {
        run.interrupt('step', `requeued before isolated step "${this.#steps[index]!.name}"`);
        throw run.signal.reason;
      }
    }
  }

  /** The enumerator of the step a replayed item was recorded in, at its recorded cursor. */
  replayed(args: BuildEnumeratorArgs<unknown, unknown>, record: FailedItem): unknown {
    const name = record.step ?? this.#steps[0]!.name;
    const index = this.#find(name);
    const step = this.#steps[index]!;
    if (step.buildEnumerator === undefined) throw stepGone(this.#run, name, this.#steps);
    this.#current = step;
    this.#record(index, false);
    return step.buildEnumerator(args);
  }

  /** Makes step `index` the job's step at cursor `null`, durably, before any of it runs. */
  async #start(index: number): Promise<void> {
    const run = this.#run;
    this.#record(index, true);
    await run.commitPosition();
    // A lost lock or a shutdown during the write: leave before the step does anything.
    if (run.signal.aborted) throw run.signal.reason;
    run.emit('iteration.stepStarted', this.#figures(index));
  }

  #record(index: number, starting: boolean): void {
    const { ledger } = this.#run;
    const { name } = this.#steps[index]!;
    const count = this.#steps.length;
    const stored = ledger.state.step;
    // A restart from a cursor starts the first step at that cursor, not at null.
    if (starting || stored?.name !== name || stored.index !== index || stored.count !== count) {
      ledger.enterStep({ name, index, count }, starting && index > 0);
    }
  }

  #find(name: string): number {
    const index = this.#steps.findIndex((step) => step.name === name);
    if (index === -1) throw stepGone(this.#run, name, this.#steps);
    return index;
  }

  #figures(index: number): { step: string; index: number; count: number } {
    return { step: this.#steps[index]!.name, index, count: this.#steps.length };
  }
}

/** A pass's source, how its items weigh (undefined: one row each), and what can tell its size. */
export interface Units {
  readonly source: unknown;
  readonly weigh: ((item: unknown) => number) | undefined;
  /** The enumerator before grouping, whose `size()` counts the collection; the source itself by default. */
  readonly sized?: unknown;
}

/** `built` in units of `unit` items (groups above 1), or null when there is nothing to do. */
function unitsOf(built: unknown, unit: number, label: string): Units | null {
  if (built === null || built === undefined) return null;
  if (unit <= 1) return { source: built, weigh: weightOf(built) };
  const source = grouped(built, unit, weightOf(built), label);
  return { source, weigh: groupWeight, sized: built };
}

/** The stored step is not one the job has now: fail rather than restart or skip steps silently. */
function stepGone(
  run: StepsRun,
  name: string,
  steps: readonly IterationStep<unknown>[],
): CheckpointError {
  const now =
    steps.length === 0
      ? 'the job has no steps now'
      : `its steps are ${steps.map((s) => `"${s.name}"`).join(', ')}`;
  return new CheckpointError(
    `${run.label} is stored in step "${name}", which no longer exists (${now}). A run in flight ` +
      'cannot continue in a step that was removed or renamed, and starting over could repeat ' +
      `finished steps. Raise the job's \`version\` and map step "${name}" to one of its steps in ` +
      '`migrate` (`step` in the returned state), deploy a definition that has the step until its ' +
      'runs are done, or cancel this run and enqueue a new one.',
    { jobName: run.definition.name, stored: run.ledger.state },
  );
}
