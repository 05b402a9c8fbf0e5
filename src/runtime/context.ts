/**
 * The `ctx` object handed to every callback of a run: live getters over the run's state, so it is
 * built once per run and never copied per item.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { ItemContext } from '../define-job.js';
import type { JsonValue } from '../json.js';
import { idempotencyKey } from './idempotency.js';
import type { IterationState } from './state.js';

/** What the context reads from its run. */
export interface ContextSource {
  readonly params: unknown;
  readonly job: Job;
  readonly ledger: { readonly state: Readonly<IterationState>; readonly totalTimeMs: number };
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** `ctx.tx` is the effect scope's (the item's transaction client of a transactional job). */
  readonly scope: { readonly tx: unknown } | undefined;
  /** The cursor after the item in hand: with the job id, the item's idempotency key. */
  readonly itemCursor: JsonValue | undefined;
  /** The item's own signal while it runs (`itemTimeoutMs`); the run's signal otherwise. */
  readonly itemSignal: AbortSignal | undefined;
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
      return run.ledger.state.cursor;
    },
    get processed() {
      return run.ledger.state.processed;
    },
    get timesInterrupted() {
      return run.ledger.state.timesInterrupted;
    },
    get timesThrottled() {
      return run.ledger.state.throttle?.timesThrottled ?? 0;
    },
    get throttledMs() {
      return run.ledger.state.throttle?.throttledMs ?? 0;
    },
    get totalTimeMs() {
      return run.ledger.totalTimeMs;
    },
    get step() {
      return run.ledger.state.step?.name;
    },
    get logger() {
      return run.logger;
    },
    get signal() {
      return run.itemSignal ?? run.signal;
    },
    get tx() {
      return run.scope?.tx;
    },
    get idempotencyKey() {
      return idempotencyKey(String(run.job.id), run.itemCursor);
    },
    stop() {
      run.requestStop();
    },
  });
}
