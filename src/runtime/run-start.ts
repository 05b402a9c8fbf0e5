/**
 * The start of a run, before its first item: load the stored state (and a restart's cursor, and a
 * transactional job's committed cursor), serve an operator's request that was waiting, parse the
 * params, load a replay's records, reopen an outage, set up the throttle gate and the max runtime,
 * then run onStart (first run) or onResume. Everything it learns is left on the run.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { RunRequest } from '../control/request.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { TransactionalStep } from '../transactional/step.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { ControlWatch } from './control-watch.js';
import type { RunHost } from './host.js';
import type { StopReason } from './interruption.js';
import { type InterruptibleRun, startMaxRuntime } from './interruption-sources.js';
import type { RunLedger } from './ledger.js';
import { reachedMaxItems } from './limits.js';
import { recordOutageResumed } from './outage.js';
import type { RunOwnership } from './ownership.js';
import { replayOf, replayRecords } from './replay.js';
import { startRestart } from './restart.js';
import { parseJobParams } from './run-support.js';
import { parseState } from './state.js';
import { recordRunStart, throttleFor, ThrottleGate } from './throttle-gate.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** What the start reads and sets on its run. */
export interface StartingRun extends InterruptibleRun {
  readonly job: Job;
  readonly jobRef: JobRef;
  readonly label: string;
  readonly logger: Logger;
  readonly host: RunHost;
  readonly definition: Definition;
  readonly ledger: RunLedger;
  readonly control: ControlWatch;
  readonly writer: CheckpointWriter;
  readonly ownership: RunOwnership;
  readonly context: IterationContext<unknown, unknown>;
  readonly transactional: TransactionalStep | undefined;
  loaded: boolean;
  params: unknown;
  began: boolean;
  inCallback: boolean;
  recovering: boolean;
  stopRequested: boolean;
  gate: ThrottleGate | undefined;
  interrupt(reason: StopReason, detail?: string): void;
  obey(request: RunRequest): void;
  emit(event: IterationEventName, extra: object): void;
}

/**
 * Loads the state, serves a waiting request, runs onStart or onResume. 'interrupted' or
 * 'exhausted' when the run ends before its loop; undefined to go on with the enumerator.
 */
export async function beginRun(run: StartingRun): Promise<'interrupted' | 'exhausted' | undefined> {
  const stored = await run.host.store.load(run.jobRef);
  const { ledger } = run;
  if (stored !== undefined) {
    ledger.adopt(parseState(stored, run.definition.name, String(run.job.id)));
  }
  // A restart from a cursor starts there; recorded before any ending can store the state.
  const data = startRestart(ledger.state, run.job.data);
  // Transactional jobs: the cursor committed with the effects is the one to resume at.
  await run.transactional?.claim(ledger.state);
  run.loaded = true;
  const { state } = ledger;
  // An operator's request waiting for the job is served before any callback runs.
  const request = await run.control.read();
  if (state.cancelled !== undefined) {
    run.interrupt('cancelled', 'already cancelled');
    return 'interrupted';
  }
  if (request !== undefined) {
    run.obey(request);
    return 'interrupted';
  }
  run.control.start(run.host.options.controlPollIntervalMs);
  const replay = replayOf(data);
  run.params = parseJobParams(
    run.definition,
    replay === undefined ? data : replay.params,
    run.label,
  );
  if (replay !== undefined) {
    state.replay ??= await replayRecords(
      run.host.store,
      run.job,
      run.definition.name,
      run.label,
      replay.of,
    );
  }
  recordRunStart(state, ledger.startedAt);
  if (state.outage !== undefined) {
    state.outage = recordOutageResumed(state.outage, ledger.startedAt);
    run.recovering = state.outage.since !== null;
  }
  run.gate = new ThrottleGate(
    throttleFor(run.definition, run.host.options.throttle),
    run.params,
    run.job,
    run.logger,
  );
  startMaxRuntime(run, run.definition.maxRuntimeMs ?? run.host.options.maxRuntimeMs);
  run.began = true;
  // Only states written since `began` existed can say false; older ones were written after it.
  if (state.began === false) {
    await runCallback(run, run.definition.onStart);
    state.began = true;
    state.startedAt = ledger.startedAt;
    // Recorded at once so onStart is not repeated by later runs, even if nothing else is saved.
    await run.writer.commit();
    if (!run.ownership.owned) return 'interrupted';
    run.emit('iteration.started', {});
  } else {
    await runCallback(run, run.definition.onResume);
    run.emit('iteration.resumed', {});
  }
  // A retry after a failing onComplete goes straight back to it.
  if (state.phase === 'completing') return 'exhausted';
  // The loop sees it before the first pull and completes the job as `ctx.stop()` would.
  if (reachedMaxItems(run.definition, state.processed)) run.stopRequested = true;
  return undefined;
}

/** While a callback of the job runs, its errors are the job's, not the runtime's. */
async function runCallback(run: StartingRun, callback: Definition['onStart']): Promise<void> {
  if (callback === undefined) return;
  run.inCallback = true;
  await callback(run.context as never);
  run.inCallback = false;
}
