/**
 * A run asks its host's admission (adaptive concurrency of a parallel run: see
 * src/parallel/adaptive.ts) whether it may go on: at its start and with each control poll. One
 * turned away is interrupted (`shed`) and parks at its next item boundary; its place is given
 * back whenever a run ends.
 */
import type { Job } from 'bullmq';

import type { RunHost } from './host.js';
import type { StopReason } from './interruption.js';

export interface AdmittedRun {
  readonly host: RunHost;
  readonly job: Job;
  interrupt(reason: StopReason, detail?: string): void;
}

/** True when the run may go on; otherwise it is interrupted as `shed`. */
export async function admitted(run: AdmittedRun): Promise<boolean> {
  const admission = run.host.admission;
  if (admission === undefined) return true;
  if (await admission.admit(run.job)) return true;
  run.interrupt('shed', admission.reason());
  return false;
}
