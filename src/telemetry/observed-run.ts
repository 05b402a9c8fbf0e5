/**
 * What telemetry reads of a run, kept structural so this folder does not depend on the run's class: the
 * job, the ledger's figures and the checkpoint writer's lag, all read outside the loop. `step` is
 * writable here on purpose: the item sampler swaps it for one timed call now and then (see
 * item-sampler.ts), which is how item durations cost the loop nothing between samples.
 */
import type { Job } from 'bullmq';

import type { JsonValue } from '../json.js';

export interface ObservedRun {
  readonly job: Job;
  readonly definition: { readonly name: string };
  readonly ledger: {
    readonly processedThisRun: number;
    readonly total: number | undefined;
    readonly state: { readonly processed: number };
  };
  readonly writer: { readonly lagItems: number; lagMs(now: number): number };
  step: (item: unknown, cursor: JsonValue, weight: number) => unknown;
}
