/**
 * The version phase of a run's start, between its load and its params (see run-lifecycle.ts):
 * the run's state says which version of its job wrote it, and the worker's definition has one.
 *
 *   stored version ─┬─ same: go on
 *                   ├─ older: migrate[k] … migrate[n - 1] once, the new state committed fenced
 *                   │         (in the effect scope first) before the first item, `migrated` kept
 *                   └─ newer: give the job back, without an attempt, for a worker that runs that
 *                             version (version skew, a rolling deploy), for `versionSkewGraceMs`;
 *                             then fail with VersionSkewError (a rollback). Nothing is written.
 *
 * A run that has no state yet takes its version from its origin: a partition from the plan it
 * was planned with, a restart from the cursor it starts at; any other is of the worker's version.
 */
import { DelayedError } from 'bullmq';

import { MigrationError, VersionSkewError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { hasSteps } from '../steps-definition.js';
import { formatDuration } from '../throttle/duration.js';
import { versionOf } from '../versions-definition.js';
import { fail } from './endings.js';
import type { GiveBack } from './give-back.js';
import { giveBack } from './give-back.js';
import { migrateChain, VersionSkew } from './migration.js';
import type { RunEnd } from './moves.js';
import { closeRun, handOff } from './moves.js';
import type { StartingRun } from './run-start.js';

export { VersionSkew } from './migration.js';
import type { StepState } from './step-state.js';

/** What the version phase reads and calls on its run. */
export interface VersioningRun extends StartingRun {
  readonly signal: AbortSignal;
  /** Makes the position the run just moved to durable: in the effect scope first, then the queue. */
  commitPosition(): Promise<void>;
}

/** Migrates the run's state to the definition's version, or throws {@link VersionSkew}. */
export async function settleVersion(run: VersioningRun): Promise<void> {
  const { ledger, definition, origin } = run;
  const { state } = ledger;
  const to = versionOf(definition);
  const from = state.version ?? 1;
  if (from > to) throw new VersionSkew(from, to);
  // A replay's cursor is a count of records: each record migrates itself when it is replayed.
  if (from === to || state.replay !== undefined) {
    ledger.stampVersion(to);
    return;
  }
  const previous = {
    cursor: state.cursor,
    params: state.params ?? origin.params,
    step: state.step?.name ?? origin.partition?.step,
  };
  const migrated = await migrateChain(definition, from, previous, run.label);
  const step = migrated.step === previous.step ? undefined : stepState(run, migrated.step, from);
  ledger.migrate(
    {
      cursor: migrated.cursor,
      ...(migrated.params === previous.params ? {} : { params: migrated.params as JsonValue }),
      ...(step === undefined ? {} : { step }),
    },
    {
      fromVersion: from,
      toVersion: to,
      previous: {
        cursor: previous.cursor,
        params: (previous.params ?? null) as JsonValue,
        step: previous.step ?? null,
      },
      at: Date.now(),
    },
  );
  await run.commitPosition();
  // A lost lock or a shutdown during the write: leave before anything runs.
  if (run.signal.aborted) throw run.signal.reason;
  run.logger.info(
    { fromVersion: from, toVersion: to, cursor: migrated.cursor, previous: previous.cursor },
    `migrated from version ${from} to version ${to}`,
  );
}

/** Where a migration put the run: a step of the job's, or none (`null`). */
function stepState(run: VersioningRun, name: string | undefined, from: number): StepState | null {
  if (name === undefined) return null;
  const { definition } = run;
  const steps = hasSteps(definition)
    ? (definition as unknown as { readonly steps: readonly { readonly name: string }[] }).steps
    : [];
  const index = steps.findIndex((step) => step.name === name);
  if (index !== -1) return { name, index, count: steps.length };
  const to = versionOf(definition);
  const has =
    steps.length === 0
      ? 'it has no steps'
      : `its steps are ${steps.map((s) => `"${s.name}"`).join(', ')}`;
  throw new MigrationError(
    `${run.label} was stored by version ${from} and this worker runs version ${to}, but its ` +
      `migrations put it in step "${name}", which the job does not have (${has}). Nothing was ` +
      'changed. Return the name of one of its steps (or null for a job without steps) as `step`, ' +
      'deploy, then retry the job.',
    { jobName: definition.name, fromVersion: from, toVersion: to, link: to - 1 },
  );
}

/** How a job stored by version `need` is given back by a worker of version `mine`. */
export function versionSkewGiveBack(
  label: string,
  job: { readonly id?: string | undefined },
  jobName: string,
  need: number,
  mine: number,
  options: { readonly versionSkewGraceMs: number },
): GiveBack {
  const graceMs = options.versionSkewGraceMs;
  const error = new VersionSkewError(
    `${label} was last run by version ${need} of its job, but for ${formatDuration(graceMs)} ` +
      `only workers of version ${mine} took it (a rollback?). They give it back rather than run a ` +
      `state they may not understand. Deploy version ${need} or later, then retry the job ` +
      `(\`bullmq-iteration retry ${String(job.id)}\`); the state version ${need} wrote is kept.`,
    { jobName, storedVersion: need, workerVersion: mine },
  );
  return {
    status: 'waiting-for-version',
    error,
    reason: `waiting for version ${need} (this worker runs version ${mine})`,
    graceMs,
    fields: { waitingForVersion: need },
  };
}

/**
 * The ending of a run stored by a newer version: given back to the queue for a worker of that
 * version, or failed with `VersionSkewError` once `versionSkewGraceMs` is over. Met at the start,
 * nothing is written and no callback runs; met by a replay at a record of a newer version, the
 * records done so far are checkpointed and onShutdown runs first, as for a requeue.
 */
export async function waitForVersion(run: RunEnd, skew: VersionSkew): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  if (run.began) await closeRun(run);
  const { storedVersion: need, workerVersion: mine } = skew;
  const { label, job, definition, host } = run;
  const back = versionSkewGiveBack(label, job, definition.name, need, mine, host.options);
  try {
    return await giveBack(host, job, run.token, back, run.logger);
  } catch (thrown) {
    if (thrown === back.error) return fail(run, back.error);
    if (thrown instanceof DelayedError) throw thrown;
    run.logger.error(
      { err: thrown },
      'could not give the job back; its lock will lapse and the stalled check hands it on',
    );
    throw new DelayedError('version skew: the give-back failed; left to the stalled check');
  }
}
