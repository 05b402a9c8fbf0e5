/**
 * The `split` ending: a partition of a parallel run, interrupted at an item boundary because the
 * run asked it to rebalance, gives the tail of its items to a new partition and is requeued on
 * what it keeps (no attempt counted, not counted as an interruption either).
 *
 *   flush the cursor ─► re-add earlier splits' jobs ─► propose [shrunk, added] at that cursor
 *     ─► store shrunk bounds + the split record in one fenced write ─► add the new partition's
 *     job (deterministic id) ─► withdraw the request ─► requeue at the tail
 *
 * The fenced write is the split: a worker that lost the lock cannot make one, and the next owner
 * reads it and re-adds the same job id, so a crash anywhere leaves at most one partition per split.
 * Items before the cursor were done here, items from the cursor to the split point are done here
 * by the next run, items past it by the new partition: none twice, none skipped. In a job made of
 * steps the new partition starts in the step the split was made in: the steps before it were done
 * over the whole partition.
 *
 * A split is best effort: one that cannot be made (the splitter throws, the run had not started)
 * only costs balance, so the partition is requeued whole and never fails for it. Only a store that
 * is down (transient) ends the run as an outage, like any other ending.
 */
import { DelayedError } from 'bullmq';

import type { RunEnd } from './endings.js';
import { recover } from './endings.js';
import { handOff, requeue } from './moves.js';
import { splitJobId } from './origin.js';
import { describeError, isTransientError } from './transient.js';

export async function splitOff(run: RunEnd): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  let split: string | undefined;
  try {
    split = await makeSplit(run);
  } catch (error) {
    if (isTransientError(error)) return recover(run, error);
    if (!run.ownership.owned) return handOff(run);
    run.logger.warn(
      { err: error },
      `could not split for rebalancing (${describeError(error)}); the partition stays whole`,
    );
  }
  await run.host.splitter?.withdraw(run.job).catch((error: unknown) => {
    run.logger.warn({ err: error }, 'could not withdraw the split request');
  });
  const { state } = run.ledger;
  await requeue(run, 'interrupted', 0);
  run.logger.info(
    { split, partition: state.partition, cursor: state.cursor },
    split === undefined ? 'nothing split; requeued' : 'split for rebalancing; requeued',
  );
  throw new DelayedError(
    split === undefined
      ? 'requeued after a split request that was not served'
      : `requeued on its shrunk bounds after splitting off partition jobs ${split}`,
  );
}

/** Makes the split: the new partitions' job ids, or undefined when nothing was split. */
async function makeSplit(run: RunEnd): Promise<string | undefined> {
  const splitter = run.host.splitter;
  // The params are known only once the run started; a request served earlier waits for the next.
  if (splitter === undefined || run.start === undefined) return undefined;
  // The split point is taken after the durable cursor, so no finished item can move.
  await run.writer.commit();
  if (!run.ownership.owned) return handOff(run);
  const { state } = run.ledger;
  await splitter.publish(run.job, state);
  const proposal = await splitter.propose(run.job, state, run.start.params);
  if (proposal === undefined || proposal.length < 2) return undefined;
  const [shrunk, ...added] = proposal;
  const made = state.splits?.length ?? 0;
  const step = state.step?.name;
  const at = Date.now();
  const splits = added.map((partition, i) => ({
    jobId: splitJobId(String(run.job.id), made + i + 1),
    partition,
    cursor: state.cursor,
    at,
    ...(step === undefined ? {} : { step }),
  }));
  run.ledger.recordSplit(shrunk!, splits);
  await run.writer.commit();
  if (!run.ownership.owned) return handOff(run);
  await splitter.publish(run.job, state);
  return splits.map((s) => s.jobId).join(', ');
}
