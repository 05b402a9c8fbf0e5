// A job made of steps for the steps tests: `export` over 0..exported-1, `notify` (one call), and
// `cleanup` over 0..cleaned-1; each step's cursor is the index of its last finished item. Every
// item and call is recorded as `step:item`, with the cursor each enumerator was built at.
import type {
  BuildEnumeratorArgs,
  IterationContext,
  IterationStep,
  IterationStepsJob,
  StepsJobDefinition,
} from '../../src/index.js';
import { defineIterationJob } from '../../src/index.js';

type Params = Record<string, unknown>;
type Ctx = IterationContext<Params, unknown>;

export interface StepsJobOptions extends Partial<Omit<StepsJobDefinition<Params>, 'steps'>> {
  readonly exported?: number;
  readonly cleaned?: number;
  /** Wait this long in each item of `cleanup`. */
  readonly cleanupStepMs?: number;
  readonly isolatedCleanup?: boolean;
  /** Called in every item, after it was recorded. */
  readonly onItem?: (step: string, item: number, ctx: Ctx) => void | Promise<void>;
  /** Replaces the steps (after the default ones are built), to change a job's steps. */
  readonly reshape?: (steps: IterationStep<Params>[]) => IterationStep<Params>[];
}

export interface StepsJob {
  readonly job: IterationStepsJob<Params>;
  /** `export:3`, `notify`, `cleanup:0`, … in order, across runs. */
  readonly seen: string[];
  /** `export@null`, `cleanup@4`: each enumerator built, with its cursor. */
  readonly built: string[];
  /** `ctx.step` in every item and call. */
  readonly steps: (string | undefined)[];
}

export function numbers(total: number, cursor: unknown): AsyncGenerator<readonly [number, number]> {
  const from = typeof cursor === 'number' ? cursor + 1 : 0;
  return (async function* () {
    for (let i = from; i < total; i++) yield [i, i] as const;
  })();
}

export function stepsJob(options: StepsJobOptions = {}): StepsJob {
  const {
    exported = 10,
    cleaned = 5,
    cleanupStepMs,
    isolatedCleanup,
    onItem,
    reshape,
    ...rest
  } = options;
  const seen: string[] = [];
  const built: string[] = [];
  const steps: (string | undefined)[] = [];
  const iterating = (name: string, total: number, stepMs?: number): IterationStep<Params> => ({
    name,
    buildEnumerator({ cursor }: BuildEnumeratorArgs<Params, unknown>) {
      built.push(`${name}@${String(cursor)}`);
      return numbers(total, cursor);
    },
    async eachIteration(item, ctx) {
      seen.push(`${name}:${String(item)}`);
      steps.push(ctx.step);
      if (stepMs !== undefined) await new Promise((r) => setTimeout(r, stepMs));
      await onItem?.(name, item as number, ctx);
    },
  });
  const defaults: IterationStep<Params>[] = [
    iterating('export', exported),
    {
      name: 'notify',
      run(ctx) {
        seen.push('notify');
        steps.push(ctx.step);
      },
    },
    { ...iterating('cleanup', cleaned, cleanupStepMs), isolated: isolatedCleanup === true },
  ];
  const job = defineIterationJob<Params>({
    name: 'steps',
    ...rest,
    steps: reshape === undefined ? defaults : reshape(defaults),
  });
  return { job, seen, built, steps };
}

/** `export:0`, …, `export:n-1`. */
export function items(step: string, n: number, from = 0): string[] {
  return Array.from({ length: n - from }, (_, i) => `${step}:${i + from}`);
}
