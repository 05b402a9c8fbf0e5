/**
 * What the status of a run says about the versions of its job (see the changing-jobs guide): the
 * version that wrote its state, the last migration it went through, and, while workers of an
 * older version give it back, the version it waits for.
 */
import type { MigrationRecord } from '../runtime/state.js';

/**
 * The version fields of `getRun`, `listRuns` and `status`.
 *
 * @example
 * ```ts
 * const { version, migrated, waitingForVersion } = await getRun(queue, '42');
 * if (waitingForVersion !== undefined) console.log(`deploy version ${waitingForVersion}`);
 * ```
 */
export interface RunVersionInfo {
  /**
   * The version of the job definition that wrote the run's state (1 for states written before
   * versions existed); undefined before the run's first state.
   */
  readonly version: number | undefined;
  /** Set once a migration brought the run to a later version: from, to, and the state before. */
  readonly migrated: MigrationRecord | undefined;
  /** With status `waiting-for-version`: the version a worker must run (or a later one). */
  readonly waitingForVersion: number | undefined;
}

/** The version fields of a run, from its stored state and the note of its progress. */
export function versionInfo(
  state: { readonly version?: number; readonly migrated?: MigrationRecord } | undefined,
  note: { readonly status: string; readonly waitingForVersion?: number } | undefined,
): RunVersionInfo {
  return {
    version: state === undefined ? undefined : (state.version ?? 1),
    migrated: state?.migrated,
    waitingForVersion: note?.status === 'waiting-for-version' ? note.waitingForVersion : undefined,
  };
}
