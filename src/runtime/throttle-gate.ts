/**
 * The throttle gate of one run: before each fetch, and once before `buildEnumerator`, it asks the
 * run's conditions (the worker's default combined with the job's own) whether to step aside, and
 * keeps the job's throttle stats in its iteration state. A run without conditions has an inactive
 * gate, and the loop then never calls it: it tests one boolean per item and nothing else.
 */
import type { Job } from 'bullmq';

import type { EvaluateThrottleOptions, ThrottleDecision } from '../throttle/evaluate.js';
import { evaluateThrottle } from '../throttle/evaluate.js';
import { jobThrottle } from '../throttle/job-throttle.js';
import type { ThrottleLogger } from '../throttle/logger.js';
import type { ResolvedThrottle } from '../throttle/resolve.js';
import { combineThrottles } from '../throttle/resolve.js';
import type { ThrottleStats } from '../throttle/stats.js';
import {
  NO_THROTTLE_STATS,
  recordPassed,
  recordResumed,
  recordThrottled,
} from '../throttle/stats.js';
import type { IterationState } from './state.js';

/** Combined throttles by worker default, then by definition: both keys are long-lived objects. */
const combined = new WeakMap<ResolvedThrottle, WeakMap<object, ResolvedThrottle>>();

/**
 * The conditions a run of `definition` checks under a worker whose default is `workerDefault`:
 * the worker's first, then the job's (see `combineThrottles`). Combined once per pair, so every
 * run of a job reads the same frozen list; throws the definition's validation error, if any.
 */
export function throttleFor(
  definition: { readonly name: string; readonly throttle?: unknown },
  workerDefault: ResolvedThrottle,
): ResolvedThrottle {
  let byDefinition = combined.get(workerDefault);
  if (byDefinition === undefined) {
    byDefinition = new WeakMap();
    combined.set(workerDefault, byDefinition);
  }
  let throttle = byDefinition.get(definition);
  if (throttle === undefined) {
    throttle = combineThrottles(workerDefault, jobThrottle(definition));
    byDefinition.set(definition, throttle);
  }
  return throttle;
}

export class ThrottleGate {
  /** False when no condition applies: the run then never calls {@link ThrottleGate.check}. */
  readonly active: boolean;
  /** The decision that ends the run, once a condition held. */
  decision: ThrottleDecision | undefined;
  readonly #throttle: ResolvedThrottle;
  /** One object for the whole run, handed to every check; only its cursor changes. */
  readonly #ctx: { params: unknown; cursor: unknown; job: Job };
  readonly #options: EvaluateThrottleOptions;

  constructor(
    throttle: ResolvedThrottle,
    params: unknown,
    job: Job,
    logger: ThrottleLogger | undefined,
  ) {
    this.active = throttle.length > 0;
    this.#throttle = throttle;
    this.#ctx = { params, cursor: null, job };
    // No jobName: the run's logger binds it already, and a second copy would repeat the key.
    this.#options = { logger };
  }

  /**
   * True when a condition holds and the run must end throttled (the decision is then in
   * `decision`). A promise only when a check had to be awaited; never rejects.
   */
  check(state: IterationState): boolean | Promise<boolean> {
    this.#ctx.cursor = state.cursor;
    const stats = state.throttle;
    const decision = evaluateThrottle(
      this.#throttle,
      this.#ctx,
      stats === undefined ? 0 : stats.consecutive,
      this.#options,
    );
    if (decision instanceof Promise) return decision.then((d) => this.#settle(state, d));
    return this.#settle(state, decision);
  }

  #settle(state: IterationState, decision: ThrottleDecision | undefined): boolean {
    if (decision !== undefined) {
      this.decision = decision;
      return true;
    }
    // The streak ends once every condition passes, so the next throttle starts the backoff over.
    const stats = state.throttle;
    if (stats !== undefined && stats.consecutive !== 0) state.throttle = recordPassed(stats);
    return false;
  }
}

/** A run starts: the wait that began with the previous throttle, if any, ends now. */
export function recordRunStart(state: IterationState, now: number): void {
  if (state.throttle !== undefined) state.throttle = recordResumed(state.throttle, now);
}

/** A run ends throttled: counts it and opens the wait that the next run will close. */
export function recordRunThrottled(
  state: IterationState,
  decision: ThrottleDecision,
  now: number,
): ThrottleStats {
  state.throttle = recordThrottled(state.throttle ?? NO_THROTTLE_STATS, decision.condition, now);
  return state.throttle;
}
