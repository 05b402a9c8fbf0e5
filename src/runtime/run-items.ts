/**
 * One pass of a run over its items: where they come from, then the loop over them. The source is
 * built in layers, each added only when the run has it:
 *
 *   the job's enumerator (or its steps, one after the other: steps.ts)
 *     ├─ built within the partition's bounds, in a parallel run (BuildEnumeratorArgs.partition)
 *     ├─ grouped `itemsPerTransaction` at a time under an effect scope, within a step (steps.ts)
 *     └─ or replaced by the recorded items of a replay, each rebuilt at its cursor (replay.ts)
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
import type { Versioned } from '../versions-definition.js';
import type { EffectScope } from './effect-scope.js';
import type { RunLedger } from './ledger.js';
import type { LoopEnd, LoopRun } from './loop.js';
import { runLoop } from './loop.js';
import { migrateRecord } from './migration.js';
import type { ProgressReporter } from './progress.js';
import { replayItems } from './replay.js';
import { enumeratorSize } from './run-support.js';
import type { RunPlan, Units } from './steps.js';

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
  readonly origin: { readonly params: unknown };
  readonly definition: Versioned;
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
  let units: Units | null;
  if (replay === undefined) units = await run.plan.open(args);
  else {
    // Each record is an item of its own enumerator, rebuilt at its cursor (and never grouped):
    // the loop weighs an item right after pulling it, so the last weigher is that of its source.
    let weigher: ((item: unknown) => number) | undefined;
    // A record of an older version migrates with the job's own params, before parseParams.
    const raw = run.ledger.state.params ?? run.origin.params;
    const source = replayItems(
      replay,
      typeof args.cursor === 'number' ? args.cursor : 0,
      async (cursor, record) => {
        const partition = record.partition ?? args.partition;
        const built = await run.plan.build({ ...args, cursor, partition }, record);
        weigher = weightOf(built);
        return built;
      },
      run.logger,
      (record) => migrateRecord(run.definition, record, raw, run.label),
    );
    units = { source, weigh: (item) => (weigher === undefined ? 1 : weigher(item)) };
  }
  if (units === null) return 'nil';
  if (measure) {
    run.ledger.total =
      replay === undefined
        ? await enumeratorSize(units.sized ?? units.source, run.logger)
        : replay.items.reduce((rows, record) => rows + (record.rows ?? 1), 0);
  }
  await run.progress.publish('running');
  let end: LoopEnd;
  try {
    end = await runLoop(units.source, run, units.weigh);
  } finally {
    await run.scope?.release();
  }
  if (end === 'exhausted' && run.ledger.processedThisRun === 0) {
    run.emit('iteration.noItems', {});
  }
  return end;
}
