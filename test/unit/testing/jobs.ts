// Jobs for the tests of the inline runner, beside the shared `counter` of test/support/jobs.ts: a
// fully synchronous one (sync enumerator, sync step), the case where coalesced checkpoints never
// land before the loop yields.
import type { BuildEnumeratorArgs, CheckpointMode, IterationContext } from '../../../src/index.js';
import { defineIterationJob } from '../../../src/index.js';

type Context = IterationContext<{ total: number }, number>;

export function syncCounter(options: {
  checkpointMode?: CheckpointMode;
  onItem?: (item: number, ctx: Context) => void;
}) {
  const seen: number[] = [];
  const job = defineIterationJob({
    name: 'sync-counter',
    ...(options.checkpointMode === undefined ? {} : { checkpointMode: options.checkpointMode }),
    buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ total: number }, number>) => {
      const from = cursor === null ? 0 : cursor + 1;
      return Array.from({ length: Math.max(0, params.total - from) }, (_, i) => {
        const item = from + i;
        return [item, item] as const;
      });
    },
    eachIteration(item, ctx) {
      seen.push(item);
      options.onItem?.(item, ctx);
    },
  });
  return { job, seen };
}
