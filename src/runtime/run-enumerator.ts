/**
 * One pass of a run over its items: build the enumerator at the last finished item (the job's own,
 * or a replay's records), size it once per run, and run the loop over it. A retry in place
 * (retry-in-place.ts) calls it again after a transient failure.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { BuildEnumeratorArgs } from '../define-job.js';
import { weightOf } from '../enumerator.js';
import type { IterationEventName } from '../events.js';
import type { TransactionalStep } from '../transactional/step.js';
import type { RunLedger } from './ledger.js';
import type { LoopEnd, LoopRun } from './loop.js';
import { runLoop } from './loop.js';
import type { ProgressReporter } from './progress.js';
import { replayItems } from './replay.js';
import { enumeratorSize } from './run-support.js';
import type { RunPlan } from './steps.js';

/** What a pass reads and sets on its run, besides what the loop does. */
export interface EnumeratingRun extends LoopRun<unknown> {
  readonly job: Job;
  readonly logger: Logger;
  readonly params: unknown;
  readonly ledger: RunLedger;
  readonly progress: ProgressReporter;
  readonly plan: RunPlan;
  readonly transactional: TransactionalStep | undefined;
  readonly retry: { readonly attempts: number };
  weigh: ((item: unknown) => number) | undefined;
  emit(event: IterationEventName, extra: object): void;
}

/** Builds the enumerator at the last finished item and runs the loop over it. */
export async function enumerate(run: EnumeratingRun): Promise<LoopEnd | 'nil'> {
  // Building an enumerator often queries the very resource a throttle protects.
  if (run.throttling && (await run.checkThrottle())) return 'throttled';
  const args: BuildEnumeratorArgs<unknown, unknown> = {
    params: run.params,
    cursor: run.ledger.state.cursor,
    job: run.job,
    // Bounds a rebalancing split left the partition with; a partition job's definition
    // (src/parallel/partition-job.ts) falls back to the planned partition.
    partition: run.ledger.state.partition,
  };
  const { replay } = run.ledger.state;
  const source: unknown =
    replay === undefined
      ? await run.plan.build(args)
      : replayItems(
          replay,
          typeof args.cursor === 'number' ? args.cursor : 0,
          (cursor, record) => run.plan.build({ ...args, cursor }, record),
          run.logger,
        );
  if (source === null || source === undefined) return 'nil';
  // A replay visits records, one each, whatever the job's own enumerator weighs.
  run.weigh = replay === undefined ? weightOf(source) : undefined;
  // Counted once per run: a rebuild after a transient failure keeps the first count.
  if (run.retry.attempts === 0) {
    run.ledger.total =
      replay === undefined ? await enumeratorSize(source, run.logger) : replay.items.length;
  }
  await run.progress.publish('running');
  let end: LoopEnd;
  try {
    end = await runLoop(run.transactional?.source(source) ?? source, run);
  } finally {
    await run.transactional?.release();
  }
  if (end === 'exhausted' && run.ledger.processedThisRun === 0) {
    run.emit('iteration.noItems', {});
  }
  return end;
}
