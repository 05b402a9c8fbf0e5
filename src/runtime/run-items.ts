/**
 * One pass of a run over its items: where they come from, then the loop over them. The source is
 * built in layers, each added only when the run has it:
 *
 *   the job's enumerator (or its steps, one after the other: steps.ts)
 *     ├─ built within the partition's bounds, in a parallel run (BuildEnumeratorArgs.partition)
 *     ├─ or replaced by the recorded items of a replay, each rebuilt at its cursor (replay.ts)
 *     └─ grouped `itemsPerTransaction` at a time under an effect scope (item-groups.ts)
 *
 * The pass is built at the last finished item; a retry in place builds it again after a
 * transient failure (see retry-in-place.ts), keeping the first count of the collection.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { BuildEnumeratorArgs } from '../define-job.js';
import { weightOf } from '../enumerator.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import type { EffectScope } from './effect-scope.js';
import { grouped, groupWeight } from './item-groups.js';
import type { RunLedger } from './ledger.js';
import type { LoopEnd, LoopRun } from './loop.js';
import { runLoop } from './loop.js';
import type { ProgressReporter } from './progress.js';
import { replayItems } from './replay.js';
import { enumeratorSize } from './run-support.js';
import type { RunPlan } from './steps.js';

/** What a pass reads of its run, besides what the loop does. */
export interface PassRun extends LoopRun<unknown> {
  readonly job: Job;
  readonly logger: Logger;
  readonly params: unknown;
  readonly ledger: RunLedger;
  readonly progress: ProgressReporter;
  readonly plan: RunPlan;
  readonly scope: EffectScope | undefined;
  /** The partition's bounds now (shrunk by splits, or as planned); undefined outside partitions. */
  readonly partitionBounds: JsonValue | undefined;
  emit(event: IterationEventName, extra: object): void;
}

/**
 * Builds the source at the last finished item and runs the loop over it; `measure` asks for the
 * collection's size (once per run). 'nil' when the enumerator is null.
 */
export async function runPass(run: PassRun, measure: boolean): Promise<LoopEnd | 'nil'> {
  // Building an enumerator often queries the very resource a throttle protects.
  if (run.throttling && (await run.checkThrottle())) return 'throttled';
  const args: BuildEnumeratorArgs<unknown, unknown> = {
    params: run.params,
    cursor: run.ledger.state.cursor,
    job: run.job,
    partition: run.partitionBounds,
  };
  const { replay } = run.ledger.state;
  let source: unknown =
    replay === undefined
      ? await run.plan.build(args)
      : replayItems(
          replay,
          typeof args.cursor === 'number' ? args.cursor : 0,
          (cursor, record) =>
            run.plan.build(
              { ...args, cursor, partition: record.partition ?? args.partition },
              record,
            ),
          run.logger,
        );
  if (source === null || source === undefined) return 'nil';
  // A replay visits records, one each, whatever the job's own enumerator weighs.
  let weigh = replay === undefined ? weightOf(source) : undefined;
  if (measure) {
    run.ledger.total =
      replay === undefined ? await enumeratorSize(source, run.logger) : replay.items.length;
  }
  await run.progress.publish('running');
  const unit = run.scope?.itemsPerUnit ?? 1;
  if (unit > 1) {
    source = grouped(source, unit, weigh, run.label);
    weigh = groupWeight;
  }
  let end: LoopEnd;
  try {
    end = await runLoop(source, run, weigh);
  } finally {
    await run.scope?.release();
  }
  if (end === 'exhausted' && run.ledger.processedThisRun === 0) {
    run.emit('iteration.noItems', {});
  }
  return end;
}
