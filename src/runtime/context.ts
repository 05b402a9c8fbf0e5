/**
 * The `ctx` object handed to every callback of a run: live getters over the run's state, so it is
 * built once per run and never copied per item.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { ItemContext } from '../define-job.js';
import type { IterationState } from './state.js';

/** What the context reads from its run. */
export interface ContextSource {
  readonly params: unknown;
  readonly job: Job;
  readonly state: Readonly<IterationState>;
  readonly totalTimeMs: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** `ctx.tx`: the item's transaction client of a transactional job. */
  readonly tx: unknown;
  readonly idempotencyKey: string;
  requestStop(): void;
}

export function createContext(run: ContextSource): ItemContext<unknown, unknown, unknown> {
  return Object.freeze({
    get params() {
      return run.params;
    },
    get job() {
      return run.job;
    },
    get cursor() {
      return run.state.cursor;
    },
    get processed() {
      return run.state.processed;
    },
    get timesInterrupted() {
      return run.state.timesInterrupted;
    },
    get timesThrottled() {
      return run.state.throttle?.timesThrottled ?? 0;
    },
    get throttledMs() {
      return run.state.throttle?.throttledMs ?? 0;
    },
    get totalTimeMs() {
      return run.totalTimeMs;
    },
    get step() {
      return run.state.step?.name;
    },
    get logger() {
      return run.logger;
    },
    get signal() {
      return run.signal;
    },
    get tx() {
      return run.tx;
    },
    get idempotencyKey() {
      return run.idempotencyKey;
    },
    stop() {
      run.requestStop();
    },
  });
}
