/**
 * Running the migrations between versions of a job definition (`version` and `migrate`, their
 * types and validation, are in src/versions-definition.ts). A run stored by version k and resumed
 * by version n > k goes through migrate[k], migrate[k + 1], … migrate[n - 1], once, at its start
 * (see run-version.ts); a recorded item of an older version goes through the same chain when it
 * is replayed.
 *
 *   stored by v1 ─► migrate[1] ─► v2 state ─► migrate[2] ─► v3 state ─► the run (v3)
 *                      │ throws, missing, or returns no JSON cursor
 *                      └─► MigrationError: the run fails, no retry; its v1 state stays
 */
import { MigrationError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import type { MigrationResult, MigrationState, Versioned } from '../versions-definition.js';
import { versionOf } from '../versions-definition.js';
import type { ReplayedItem } from './item-policy.js';
import type { RunOrigin } from './origin.js';
import { RunFailure } from './run-failure.js';
import { isMarkedTransient } from './transient.js';

/**
 * Thrown when a run meets a state (or a replayed record) written by a newer version than the
 * worker's: the run gives its job back (see run-version.ts).
 */
export class VersionSkew extends Error {
  override readonly name = 'VersionSkew';

  constructor(
    readonly storedVersion: number,
    readonly workerVersion: number,
  ) {
    super(`stored by version ${storedVersion}, this worker runs version ${workerVersion}`);
  }
}

/**
 * The version of a run that has no state yet: a partition's is the plan's it was planned with, a
 * restart's the one its start cursor is in; any other run is of the worker's version.
 */
export function freshVersion(origin: RunOrigin, definition: Versioned): number {
  if (origin.kind === 'restart') return origin.restart?.version ?? 1;
  if (origin.kind === 'partition' || origin.kind === 'split') return origin.partition?.version ?? 1;
  return versionOf(definition);
}

/**
 * `state`, written by version `from`, through the links of `definition.migrate` up to the
 * definition's version. Throws `MigrationError` naming the link; a `TransientError` a link throws
 * (its lookup met an outage) is passed on as the job's own, so the run is resumed later instead.
 */
export async function migrateChain(
  definition: Versioned,
  from: number,
  state: MigrationState,
  label: string,
): Promise<MigrationState & { readonly cursor: JsonValue | null }> {
  const to = versionOf(definition);
  let current = state;
  for (let link = from; link < to; link++) {
    const fail = (why: string, fix: string, cause?: unknown) =>
      new MigrationError(
        `${label} was stored by version ${from} and this worker runs version ${to}, but ${why}. ` +
          `Nothing was changed: the run keeps the state version ${from} wrote. ${fix}, deploy, ` +
          'then retry the job (`bullmq-iteration retry <id>`, or job.retry()).',
        { jobName: definition.name, fromVersion: from, toVersion: to, link, cause },
      );
    const migration = definition.migrate?.[link];
    if (migration === undefined) {
      throw fail(
        `the job has no migrate[${link}] to turn a version-${link} state into a version-${link + 1} one`,
        `Add migrate: { ${link}: ({ cursor, params, step }) => ({ cursor, params, step }) } ` +
          '(returning them as they are if that version changed none of them)',
      );
    }
    let result: MigrationResult;
    try {
      result = await migration(Object.freeze({ ...current }));
    } catch (error) {
      if (isMarkedTransient(error)) throw new RunFailure(error, true);
      const message = error instanceof Error ? error.message : String(error);
      throw fail(`migrate[${link}] threw: ${message}`, `Fix migrate[${link}]`, error);
    }
    const problem = badResult(result);
    if (problem !== undefined) {
      throw fail(
        `migrate[${link}] returned ${preview(result, 120)}: ${problem}`,
        `Return { cursor, params?, step? } from migrate[${link}], with plain JSON data`,
      );
    }
    current = {
      cursor: result.cursor as JsonValue | null,
      params: result.params === undefined ? current.params : result.params,
      step: result.step === undefined ? current.step : (result.step ?? undefined),
    };
  }
  return current as MigrationState & { readonly cursor: JsonValue | null };
}

/** Why a migration's result cannot be used, or undefined. */
function badResult(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('cursor' in result)) {
    return 'expected an object with a `cursor` (null for the beginning)';
  }
  const r = result as MigrationResult;
  const cursor = describeNonJson(r.cursor, 'cursor');
  if (cursor !== undefined) return `its cursor is not plain JSON data (${cursor})`;
  if (r.params !== undefined) {
    const params = describeNonJson(r.params, 'params');
    if (params !== undefined) return `its params are not plain JSON data (${params})`;
  }
  if (r.step !== undefined && r.step !== null && (typeof r.step !== 'string' || r.step === '')) {
    return `its step is ${JSON.stringify(r.step)}, expected a step's name or null`;
  }
  return undefined;
}

/**
 * A recorded item of an older version, brought to the definition's: its cursors (before and
 * after the item) and its step go through the chain, with the replay's params; one of the
 * definition's version is returned as it is; one of a newer version throws {@link VersionSkew}.
 */
export async function migrateRecord(
  definition: Versioned,
  record: ReplayedItem,
  params: unknown,
  label: string,
): Promise<ReplayedItem> {
  const from = record.version ?? 1;
  const to = versionOf(definition);
  if (from > to) throw new VersionSkew(from, to);
  if (from === to) return record;
  const at = await migrateChain(
    definition,
    from,
    { cursor: record.cursor, params, step: record.step },
    label,
  );
  const after = await migrateChain(
    definition,
    from,
    { cursor: record.after, params, step: record.step },
    label,
  );
  const { step: _step, ...rest } = record;
  return {
    ...rest,
    cursor: at.cursor,
    after: after.cursor ?? record.after,
    ...(at.step === undefined ? {} : { step: at.step }),
    version: to,
  };
}
