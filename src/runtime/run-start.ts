/**
 * The start of a run, before its first item, in three phases the run calls in order (it keeps
 * what each returns; nothing here writes the run's own fields):
 *
 *   load   stored state ─► a restart's start cursor ─► the effect scope's claim (its committed
 *          position wins) ─► operators' requests waiting for the job
 *   (then the version phase, run-version.ts: migrate a state of an older version, or give back
 *   one of a newer version)
 *   ready  params (parseParams) ─► a replay's records (taken on its first run) ─► a reopened
 *          outage ─► the throttle gate ─► the max runtime
 *   open   onStart (first run; recorded at once) or onResume ─► `completing` goes straight to
 *          onComplete ─► `maxItems` already reached stops before the first item
 *
 * An ending that comes before `ready` finished sees a run that was not started: it never calls
 * onShutdown and never splits (see endings.ts).
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { RunRequest } from './control-request.js';
import type { ControlWatch } from './control-watch.js';
import type { EffectScope } from './effect-scope.js';
import type { RunHost } from './host.js';
import type { RunLedger } from './ledger.js';
import { reachedMaxItems } from './limits.js';
import { freshVersion } from './migration.js';
import type { RunOrigin } from './origin.js';
import { recordOutageResumed } from './outage.js';
import type { RunOwnership } from './ownership.js';
import { takeReplayRecords } from './replay.js';
import { RunFailure } from './run-failure.js';
import { parseJobParams } from './run-support.js';
import { extrasOf, parseState } from './state.js';
import { recordRunStart, throttleFor, ThrottleGate } from './throttle-gate.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** What the start reads and calls on its run. */
export interface StartingRun {
  readonly job: Job;
  readonly jobRef: JobRef;
  readonly origin: RunOrigin;
  readonly label: string;
  readonly logger: Logger;
  readonly host: RunHost;
  readonly definition: Definition;
  readonly ledger: RunLedger;
  readonly control: ControlWatch;
  readonly ownership: RunOwnership;
  readonly scope: EffectScope | undefined;
  readonly context: IterationContext<unknown, unknown>;
  readonly writer: { commit(): Promise<void> };
  emit(event: IterationEventName, extra: object): void;
}

/**
 * Loads the job's state and the request waiting for it, if any: `cancelled` when it was cancelled
 * already, else the request (an operator's pause or cancel is served before any callback runs; a
 * split request once the run started), or undefined.
 */
export async function loadRun(run: StartingRun): Promise<'cancelled' | RunRequest | undefined> {
  const stored = await run.host.store.load(run.jobRef);
  const { ledger } = run;
  if (stored !== undefined) {
    ledger.adopt(parseState(stored, run.definition.name, String(run.job.id)));
  } else {
    // Before the claim: the effect scope keeps the version its cursor is in.
    ledger.stampVersion(freshVersion(run.origin, run.definition));
  }
  // A restart from a cursor starts there; recorded before any ending can store the state.
  ledger.startRestart(run.origin.restart);
  const { state } = ledger;
  if (run.scope !== undefined) {
    // The position committed with the effects is the one to resume at; the queue side lags it.
    const queueSide = { cursor: state.cursor, processed: state.processed, extras: extrasOf(state) };
    const claimed = await run.scope.claim(queueSide, state.began === false);
    if (claimed.processed !== state.processed) {
      run.logger.info(
        { queueSide: state.processed, committed: claimed.processed },
        'resuming at the position committed in the data database (the queue side lagged)',
      );
    }
    ledger.adoptDurable(claimed);
  }
  const request = await run.control.read();
  if (state.cancelled !== undefined) return 'cancelled';
  return request;
}

/** What the run knows once started. */
export interface Started {
  readonly params: unknown;
  readonly gate: ThrottleGate;
  /** True when an outage was open when the job was requeued: its first finished item closes it. */
  readonly recovering: boolean;
}

/** Parses the params, takes a replay's records and sets up the gate. */
export async function readyRun(run: StartingRun): Promise<Started> {
  const { ledger, origin } = run;
  const { state } = ledger;
  // Params a migration changed are the run's from then on; the job's data stays as enqueued.
  const params = parseJobParams(run.definition, state.params ?? origin.params, run.label);
  if (origin.replay !== undefined && state.replay === undefined) {
    ledger.startReplay(
      await takeReplayRecords(
        run.host.store,
        run.job,
        run.definition.name,
        origin.replay,
        run.logger,
      ),
    );
  }
  recordRunStart(state, ledger.startedAt);
  let recovering = false;
  if (state.outage !== undefined) {
    ledger.recordOutage(recordOutageResumed(state.outage, ledger.startedAt));
    recovering = state.outage.since !== null;
  }
  const gate = new ThrottleGate(
    throttleFor(run.definition, run.host.options.throttle),
    params,
    run.job,
    run.logger,
  );
  return { params, gate, recovering };
}

/**
 * Runs onStart (first run) or onResume. 'interrupted' or 'exhausted' when the run ends before its
 * loop; 'stop' when it already reached `maxItems`; undefined to go on with the items.
 */
export async function openRun(
  run: StartingRun,
): Promise<'interrupted' | 'exhausted' | 'stop' | undefined> {
  const { ledger } = run;
  const { state } = ledger;
  // Only states written since `began` existed can say false; older ones were written after it.
  if (state.began === false) {
    await runCallback(run, run.definition.onStart);
    ledger.markBegun();
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
  return reachedMaxItems(run.definition, state.processed) ? 'stop' : undefined;
}

/** A callback's errors are the job's, not the runtime's. */
async function runCallback(run: StartingRun, callback: Definition['onStart']): Promise<void> {
  if (callback === undefined) return;
  try {
    await callback(run.context as never);
  } catch (error) {
    throw new RunFailure(error, true);
  }
}
