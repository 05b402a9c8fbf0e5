/**
 * Replays' claims on the recorded (skipped) items of a job: which replay took which record, kept
 * beside the job's state (see `CheckpointStore.swapClaims`) and changed only by compare-and-set.
 * A record is taken by one replay at a time; a replay that finished without doing a record lets a
 * later one take it over, and only from that replay (the `from` of its ref), so a takeover cannot
 * race the replay that still holds it.
 *
 *   { "v": 1, "taken": { "0": "77", "3": "77", "4": "81" } }     record index → replay job id
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';
import type { ReplaySourceRef } from './origin.js';

/** Who holds each record of a job, by its index in the job's list. */
export interface Claims {
  readonly v: 1;
  readonly taken: Readonly<Record<string, string>>;
}

const NONE: Claims = { v: 1, taken: {} };

/** The claims stored as `text`; none when absent or unreadable. */
export function parseClaims(text: string | undefined): Claims {
  if (text === undefined) return NONE;
  try {
    const value = JSON.parse(text) as Partial<Claims> | null;
    const taken = value?.taken;
    return typeof taken === 'object' && taken !== null && !Array.isArray(taken)
      ? { v: 1, taken }
      : NONE;
  } catch {
    return NONE;
  }
}

/** Times a claim is tried again after losing a race: each loss means another replay moved. */
const ATTEMPTS = 20;

/**
 * Claims the records `refs` of job `ref` for replay `replayId`; resolves to the indexes it holds
 * afterwards (those it took now, and those it held already: a replay's second run takes nothing
 * new and keeps what it has).
 */
export async function claimRecords(
  store: CheckpointStore,
  ref: JobRef,
  replayId: string,
  refs: readonly ReplaySourceRef[],
): Promise<Set<number>> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const text = await store.loadClaims(ref);
    const claims = parseClaims(text);
    const taken = { ...claims.taken };
    const held = new Set<number>();
    for (const { index, from } of refs) {
      const holder = taken[index];
      if (holder === undefined || holder === replayId || holder === from) {
        taken[index] = replayId;
        held.add(index);
      }
    }
    const next = JSON.stringify({ v: 1, taken });
    if (next === (text ?? JSON.stringify(NONE))) return held;
    if (await store.swapClaims(ref, text, next)) return held;
  }
  throw new Error(
    `could not claim the recorded items of job ${ref.id}: their claims kept changing (${ATTEMPTS} tries)`,
  );
}
