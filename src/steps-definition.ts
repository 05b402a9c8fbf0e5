/**
 * Multi-step jobs: a job made of named steps run in order, each with its own enumerator and step
 * function, or a single call (`run`). The types users write and their validation, once, when the
 * job is defined; how a run walks the steps is in src/runtime/steps.ts.
 */
import type { EnumeratorSource } from './enumerator.js';
import { IterationDefinitionError } from './errors.js';

/** What the steps of a job share: a name, unique in the job, and whether it runs on its own. */
interface StepBase {
  /**
   * The step's name, unique among the job's steps. It is stored with the job's cursor: renaming or
   * removing a step while runs of the job are in flight fails those runs (see the steps guide).
   */
  readonly name: string;
  /**
   * Requeue the job (no attempt counted, reason `step`) before this step starts, so it begins in a
   * fresh run with a whole `maxRuntimeMs` of its own. Not applied when a run starts at this step.
   * @defaultValue false
   */
  readonly isolated?: boolean;
}

/**
 * A step that iterates: its own enumerator (`Args` are the job's `BuildEnumeratorArgs`, with the
 * step's own cursor, `null` when the step starts) and its own work per item (`Ctx` is the job's
 * context). Items are typed `unknown`: annotate `eachIteration`'s item to type it; it is not
 * checked against the enumerator.
 */
export interface EnumeratedStep<Args, Ctx> extends StepBase {
  buildEnumerator(
    args: Args,
  ):
    | EnumeratorSource<unknown, unknown>
    | null
    | undefined
    | Promise<EnumeratorSource<unknown, unknown> | null | undefined>;
  eachIteration(item: unknown, ctx: Ctx): void | Promise<void>;
  readonly run?: never;
}

/**
 * A step that is one call: sending a notice, swapping a table, clearing a cache. It runs once per
 * job; a failure, a crash or a shutdown during it runs it again in the next run, so keep it
 * idempotent. Its errors are classified like those of `buildEnumerator`.
 */
export interface CallStep<Ctx> extends StepBase {
  run(ctx: Ctx): void | Promise<void>;
  readonly buildEnumerator?: never;
  readonly eachIteration?: never;
}

const EXAMPLE = `Example:
  defineIterationJob({
    name: 'export-accounts',
    steps: [
      { name: 'export', buildEnumerator: ({ cursor }) => array(ids, { cursor }), eachIteration: exportOne },
      { name: 'notify', run: (ctx) => notifyOwners(ctx.params) },
    ],
  });`;

/** True when a definition is made of steps (it has a `steps` option). */
export function hasSteps(definition: object): boolean {
  return (definition as { steps?: unknown }).steps !== undefined;
}

/** Validates `steps` (and that the job has no top-level enumerator beside them), once. */
export function validateSteps(d: Record<string, unknown>, name: string): void {
  const job = `Iteration job "${name}"`;
  const fail = (why: string) => {
    throw new IterationDefinitionError(`${job}: ${why} ${EXAMPLE}`, name);
  };
  for (const both of ['buildEnumerator', 'eachIteration'] as const) {
    if (d[both] !== undefined) {
      fail(
        `has both \`steps\` and a top-level \`${both}\`; a job has one or the other. ` +
          'Move the enumerator and its eachIteration into a step, or drop `steps`.',
      );
    }
  }
  const steps = d.steps;
  if (!Array.isArray(steps) || steps.length === 0) {
    fail(
      `\`steps\` must be a non-empty array of steps, got ${Array.isArray(steps) ? 'an empty array' : String(steps)}.`,
    );
  }
  const seen = new Set<string>();
  (steps as unknown[]).forEach((step, index) => {
    if (typeof step !== 'object' || step === null) fail(`step ${index} is ${String(step)}.`);
    const s = step as Record<string, unknown>;
    const stepName = s.name;
    if (typeof stepName !== 'string' || stepName.trim() === '') {
      fail(
        `step ${index} needs a non-empty string \`name\`, got ${JSON.stringify(stepName) ?? 'undefined'}.`,
      );
    }
    const label = `step "${String(stepName)}"`;
    if (seen.has(stepName as string)) {
      fail(`${label} appears twice; step names must be unique (they are stored with the cursor).`);
    }
    seen.add(stepName as string);
    const iterates = s.buildEnumerator !== undefined || s.eachIteration !== undefined;
    if (iterates && s.run !== undefined) {
      fail(`${label} has both \`run\` and an enumerator; give it one or the other.`);
    }
    if (iterates) {
      for (const fn of ['buildEnumerator', 'eachIteration'] as const) {
        if (typeof s[fn] !== 'function') {
          fail(
            `${label} is missing \`${fn}\` (got ${typeof s[fn]}); an iterating step needs both.`,
          );
        }
      }
    } else if (typeof s.run !== 'function') {
      fail(
        `${label} needs either \`run\` (one call) or \`buildEnumerator\` and \`eachIteration\` (got run: ${typeof s.run}).`,
      );
    }
    if (s.isolated !== undefined && typeof s.isolated !== 'boolean') {
      fail(`${label}: \`isolated\` must be a boolean, got ${typeof s.isolated}.`);
    }
  });
}
