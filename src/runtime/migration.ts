/**
 * Versions of a job definition and the migrations between them: `version` (a positive integer,
 * 1 by default) and `migrate`, one function per version that turns a state written by that
 * version into one of the next. A run stored by version k and resumed by version n > k goes
 * through migrate[k], migrate[k + 1], … migrate[n - 1], once, at its start (see run-version.ts);
 * a recorded item of an older version goes through the same chain when it is replayed.
 *
 *   stored by v1 ─► migrate[1] ─► v2 state ─► migrate[2] ─► v3 state ─► the run (v3)
 *                      │ throws, missing, or returns no JSON cursor
 *                      └─► MigrationError: the run fails, no retry; its v1 state stays
 */
import { IterationDefinitionError, MigrationError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import type { ReplayedItem } from './item-policy.js';
import type { RunOrigin } from './origin.js';
import { RunFailure } from './run-failure.js';
import { isMarkedTransient } from './transient.js';

/** A run's state as one version of its job left it: what a migration receives. */
export interface MigrationState {
  /** The cursor in that version's format; `null` before the run's first item. */
  readonly cursor: JsonValue | null;
  /** The run's params as the job's data holds them (before `parseParams`), or as migrated. */
  readonly params: unknown;
  /** In a job made of steps: the name of the step the run is in. */
  readonly step: string | undefined;
}

/** What a migration returns: the state in the next version's format. */
export interface MigrationResult {
  /** The cursor in the next version's format (plain JSON data; `null`: the beginning). */
  readonly cursor: unknown;
  /** The params in the next version's format. @defaultValue unchanged */
  readonly params?: unknown;
  /**
   * The step the run continues in, by name (a step renamed or removed); `null` when the job has no
   * steps any more. @defaultValue unchanged
   */
  readonly step?: string | null | undefined;
}

/** Turns a state written by version k into one of version k + 1. */
export type Migration = (state: MigrationState) => MigrationResult | Promise<MigrationResult>;

/** `migrate` of a definition: the migration from each version to the next, by version. */
export type Migrations = { readonly [fromVersion: number]: Migration };

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

/** The options of a job definition that version it (see the changing-jobs guide). */
export interface VersionOptions {
  /**
   * The version of the job's code, a whole number from 1: raise it by one with each deploy that
   * changes the format of the cursor, the params or the steps, and add the migration from the
   * version before in `migrate`. Every stored state records the version that wrote it; a worker
   * whose version is older gives such a run back to the queue (see `versionSkewGraceMs`).
   * @defaultValue 1
   */
  readonly version?: number;
  /**
   * How a run stored by an older version continues: `migrate[k]` turns a state of version k into
   * one of version k + 1 (its `cursor`, and its `params` and `step` when they change). The links
   * from the run's version to this one run once, when the run starts, before its enumerator is
   * built. @defaultValue none: a run stored by an older version fails with `MigrationError`
   *
   * @example
   * ```ts
   * version: 2, // v2 walks by (batch, id) instead of id
   * migrate: {
   *   1: ({ cursor }) => {
   *     const v1 = cursor as { id: number } | null;
   *     return { cursor: v1 === null ? null : { batch: batchOf(v1.id), id: v1.id } };
   *   },
   * },
   * ```
   */
  readonly migrate?: Migrations;
}

/** A definition, as far as its versions go. */
export interface Versioned extends VersionOptions {
  readonly name: string;
}

/** The version of a definition. */
export function versionOf(definition: { readonly version?: number }): number {
  return definition.version ?? 1;
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

/** Checks `version` and `migrate` once, at definition time. */
export function validateVersions(d: Record<string, unknown>, name: string): void {
  const version = d.version ?? 1;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`version\` must be a whole number ≥ 1, got \`${String(version)}\` ` +
        `(${typeof version}). Raise it by one with each change of the cursor, params or steps ` +
        'format, e.g. version: 2 with migrate: { 1: ({ cursor }) => ({ cursor }) }.',
      name,
    );
  }
  const migrate = d.migrate;
  if (migrate === undefined) return;
  if (typeof migrate !== 'object' || migrate === null || Array.isArray(migrate)) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`migrate\` must be an object of functions by version, got ` +
        `${Array.isArray(migrate) ? 'an array' : String(migrate)}. E.g. migrate: { 1: ({ cursor, params, step }) => ({ cursor }) }.`,
      name,
    );
  }
  for (const [key, link] of Object.entries(migrate)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new IterationDefinitionError(
        `Iteration job "${name}" has version ${version}, so \`migrate\` keys are the versions ` +
          `1 to ${version - 1} it migrates from, got migrate[${JSON.stringify(key)}]. ` +
          `migrate[k] turns a state of version k into one of version k + 1.`,
        name,
      );
    }
    if (typeof link !== 'function') {
      throw new IterationDefinitionError(
        `Iteration job "${name}": migrate[${key}] must be a function ({ cursor, params, step }) => ` +
          `({ cursor, params?, step? }), got ${typeof link}.`,
        name,
      );
    }
  }
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
