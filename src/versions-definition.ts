/**
 * Versioned job definitions: `version` (a positive integer, 1 by default) and `migrate`, one
 * function per version that turns a state written by that version into one of the next. The types
 * users write and their validation, once, when the job is defined; how a run goes through the
 * links is in src/runtime/migration.ts and run-version.ts.
 */
import { IterationDefinitionError } from './errors.js';
import type { JsonValue } from './json.js';

/**
 * A run's state as one version of its job left it: what a migration receives.
 *
 * @example
 * ```ts
 * const v1: Migration = ({ cursor, params, step }) => ({ cursor, params, step }); // changes nothing
 * ```
 */
export interface MigrationState {
  /** The cursor in that version's format; `null` before the run's first item. */
  readonly cursor: JsonValue | null;
  /** The run's params as the job's data holds them (before `parseParams`), or as migrated. */
  readonly params: unknown;
  /** In a job made of steps: the name of the step the run is in. */
  readonly step: string | undefined;
}

/**
 * What a migration returns: the state in the next version's format.
 *
 * @example
 * ```ts
 * ({ cursor, step }) => ({ cursor, step: step === 'cleanup' ? 'purge' : step }) // a renamed step
 * ```
 */
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

/**
 * Turns a state written by version k into one of version k + 1; may be async (a lookup).
 *
 * @example
 * ```ts
 * const offsetToKey: Migration = async ({ cursor }) => ({
 *   cursor: cursor === null ? null : { id: await idAtOffset(cursor as number) },
 * });
 * ```
 */
export type Migration = (state: MigrationState) => MigrationResult | Promise<MigrationResult>;

/**
 * `migrate` of a definition: the migration from each version to the next, by version.
 *
 * @example
 * ```ts
 * const migrate: Migrations = { 1: offsetToKey, 2: ({ cursor }) => ({ cursor }) };
 * ```
 */
export type Migrations = { readonly [fromVersion: number]: Migration };

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
