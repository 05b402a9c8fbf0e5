/**
 * The requeue an inline run records instead of moving the job: why the run stepped aside and the
 * delay the job would have waited in BullMQ's delayed set.
 */
import type { IterationInterrupt } from '../runtime/interruption.js';
import { interruptReason } from '../runtime/interruption.js';
import type { ThrottleDecision } from '../throttle/evaluate.js';
import type { InlineEvent } from './events.js';

/**
 * - an interruption (`shutdown`, `max-runtime`, `aborted`): requeued after the worker's
 *   `requeueDelayMs`;
 * - `throttled`: a throttle condition held; requeued after its backoff, with the decision.
 */
export type InlineRequeue =
  | {
      readonly reason: Exclude<IterationInterrupt['reason'], 'lock-lost'>;
      readonly delayMs: number;
    }
  | { readonly reason: 'throttled'; readonly delayMs: number; readonly throttle: ThrottleDecision };

type ThrottledEvent = Extract<InlineEvent, { event: 'iteration.throttled' }>;

/**
 * Names the requeue a run asked for, from the events it emitted and its signal: a throttled run
 * says so in its `iteration.throttled` event (a shutdown may have arrived meanwhile; the throttle
 * still decided the delay), any other requeue is an interruption with the signal's reason.
 */
export function describeRequeue(
  delayMs: number,
  runEvents: readonly InlineEvent[],
  signal: AbortSignal,
): InlineRequeue {
  const throttled = runEvents.findLast(
    (e): e is ThrottledEvent => e.event === 'iteration.throttled',
  );
  if (throttled !== undefined) {
    const { condition, reason, consecutive } = throttled;
    const throttle = { condition, reason, delayMs: throttled.delayMs, consecutive };
    return { reason: 'throttled', delayMs, throttle };
  }
  const reason = interruptReason(signal) ?? 'aborted';
  // A lost lock hands the job off without a requeue, so it never reaches here.
  return { reason: reason as Exclude<typeof reason, 'lock-lost'>, delayMs };
}
