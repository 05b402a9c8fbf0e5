/**
 * The endings that park a run for a while, holding no worker slot, and say until when and why:
 *
 * - `retryLater`: a step threw `RetryAfter`; the item it was on is not done (a transactional
 *   item was rolled back), so the run resumes at it once the time comes. With `scope: 'run'` in
 *   a parallel run, the run's other partitions are asked to park until then as well, through a
 *   timed pause on the run (see control-request.ts).
 * - `parkUntil`: such a timed pause reached this run: it parks until the pause's time, when the
 *   pause counts as withdrawn.
 *
 * Neither counts an attempt nor an interruption.
 */
import { DelayedError } from 'bullmq';

import type { RetryAfter } from '../retry-after.js';
import { serializeControl } from './control-request.js';
import { runTagsOf } from './hold-watch.js';
import type { RunEnd } from './moves.js';
import { handOff, requeue } from './moves.js';

/** A step threw `RetryAfter`: park until its time. */
export async function retryLater(run: RunEnd, retry: RetryAfter): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  const { until, reason, scope } = retry;
  if (scope === 'run') await parkTheRun(run, retry);
  await requeue(run, 'retry-after', Math.max(0, until - Date.now()), waitNote(until, reason));
  run.logger.info(
    { until: new Date(until).toISOString(), reason, scope, processed: run.ledger.state.processed },
    'a step asked to retry later; parked until then, no attempt counted',
  );
  run.emit('iteration.retryAfter', { until, scope, ...(reason === undefined ? {} : { reason }) });
  throw new DelayedError(`parked until ${new Date(until).toISOString()} (RetryAfter)`);
}

/** Adaptive concurrency turned the run away: park, and ask again when it wakes. */
export async function shed(run: RunEnd): Promise<never> {
  const admission = run.host.admission!;
  const reason = admission.reason();
  const delayMs = Math.round(admission.parkMs * (0.75 + Math.random() / 2));
  await requeue(run, 'shed', delayMs, { waitUntil: Date.now() + delayMs, reason });
  run.logger.info({ reason, processed: run.ledger.state.processed }, 'shed; parked');
  throw new DelayedError(`shed by adaptive concurrency (${reason})`);
}

/**
 * A hold covers the run: park, and look at the holds again when it wakes (a release promotes
 * the runs it held, so they need not wait for the end of their park).
 */
export async function held(run: RunEnd): Promise<never> {
  const hold = await run.host.holds?.covering(runTagsOf(run.job), Infinity);
  const reason = hold === undefined ? 'held' : hold.reason;
  const delayMs = Math.round(HELD_PARK_MS * (0.75 + Math.random() / 2));
  await requeue(run, 'held', delayMs, {
    reason,
    ...(hold === undefined ? {} : { holdId: hold.id }),
  });
  run.logger.info(
    { hold: hold?.id, reason, processed: run.ledger.state.processed },
    'held; parked',
  );
  throw new DelayedError(`held${hold === undefined ? '' : ` by ${hold.id}`} (${reason})`);
}

/** How long a held run parks before it looks at the holds again. */
const HELD_PARK_MS = 5_000;

/** A timed pause reached the run: park until it ends by itself. */
export async function parkUntil(run: RunEnd, until: number): Promise<never> {
  const reason = run.request?.reason;
  await requeue(run, 'retry-after', Math.max(0, until - Date.now()), waitNote(until, reason));
  run.logger.info(
    { until: new Date(until).toISOString(), reason },
    'the run was asked to wait; parked until then',
  );
  throw new DelayedError(`parked until ${new Date(until).toISOString()}`);
}

/**
 * Asks every partition of the run (or the run itself) to park until `retry.until`, unless an
 * operator's request (or a longer wait) is there already. Best effort: a failure to ask only means
 * the other partitions meet the same answer themselves.
 */
async function parkTheRun(run: RunEnd, retry: RetryAfter): Promise<void> {
  const ref = run.host.runRef ?? { queueName: run.job.queueName, id: String(run.job.id) };
  try {
    const current = await run.host.store.loadControl(ref);
    const existing = current === undefined ? undefined : safeParse(current);
    if (existing !== undefined && (existing.until === undefined || existing.until >= retry.until)) {
      return;
    }
    const request = {
      action: 'pause' as const,
      requestedAt: Date.now(),
      until: retry.until,
      source: 'retry-after' as const,
      ...(retry.reason === undefined ? {} : { reason: retry.reason }),
    };
    await run.host.store.setControl(ref, serializeControl(request));
  } catch (error) {
    run.logger.warn({ err: error }, 'could not ask the run to wait; its other partitions go on');
  }
}

function safeParse(text: string): { until?: number } | undefined {
  try {
    return JSON.parse(text) as { until?: number };
  } catch {
    return undefined;
  }
}

function waitNote(until: number, reason: string | undefined) {
  return { waitUntil: until, ...(reason === undefined ? {} : { reason }) };
}
