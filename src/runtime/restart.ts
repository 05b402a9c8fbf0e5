/**
 * Restart from a chosen cursor (`restartRun(queue, id, { fromCursor })`): a new job of the same
 * name whose data wraps the original params with where to start and where the restarted job
 * stood. On its first run the runtime copies that into the job's own state (`restart`) and starts
 * the cursor there, so every later run resumes like any job; the original params go to
 * `parseParams` and `ctx.params` untouched.
 */
import type { IterationState, RestartRecord } from './state.js';

/** The key of a restart job's data; the original data sits under it. */
export const RESTART_KEY = '$bullmqIterationRestart';

/** What a restart job's data carries under {@link RESTART_KEY}. */
export interface RestartData extends RestartRecord {
  /** The restarted job's data, untouched (its params, or a replay's data). */
  readonly data: unknown;
}

/** The restart instructions of a job's data, or undefined for any other job. */
export function restartOf(data: unknown): RestartData | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== RESTART_KEY) return undefined;
  const restart = (data as Record<string, unknown>)[RESTART_KEY] as Partial<RestartData> | null;
  if (typeof restart?.of !== 'string') return undefined;
  return restart as RestartData;
}

/** The data a job had before any restart wrapped it. */
export function unwrapRestart(data: unknown): unknown {
  return restartOf(data)?.data ?? data;
}

/** The data of a job that restarts with `record`, from a job whose data was `data`. */
export function restartData(record: RestartRecord, data: unknown): Record<string, RestartData> {
  // A restart of a restart starts from its own cursor, with the original data.
  return { [RESTART_KEY]: { ...record, data: unwrapRestart(data) } };
}

/**
 * For a restart job, records the restart in `state` the first time (setting its start cursor)
 * and returns the data it wraps; any other job's data is returned as it is. Called right after
 * the state is loaded, before anything can store it.
 */
export function startRestart(state: IterationState, data: unknown): unknown {
  const restart = restartOf(data);
  if (restart === undefined) return data;
  if (state.restart === undefined) {
    const { of, from, oldCursor, oldProcessed, at } = restart;
    state.restart = { of, from, oldCursor, oldProcessed, at };
    state.cursor = from;
  }
  return restart.data;
}
