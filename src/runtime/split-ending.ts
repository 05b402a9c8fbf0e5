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
 * by the next run, items past it by the new partition: none twice, none skipped.
 */
import { DelayedError } from 'bullmq';

import { splitJobId } from '../parallel/partition-data.js';
import type { RunEnd } from './endings.js';
import { fail, handOff, recover, requeue } from './endings.js';
import { isTransientError } from './transient.js';

export async function splitOff(run: RunEnd): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  const splitter = run.host.splitter;
  const { state } = run.ledger;
  let split: string | undefined;
  if (splitter !== undefined) {
    try {
      // The split point is taken after the durable cursor, so no finished item can move.
      await run.writer.commit();
      if (!run.ownership.owned) return handOff(run);
      await splitter.publish(run.job, state);
      const proposal = await splitter.propose(run.job, state, run.context.params);
      if (proposal !== undefined) {
        const [shrunk, added] = proposal;
        const splits = (state.splits ??= []);
        const jobId = splitJobId(String(run.job.id), splits.length + 1);
        state.partition = shrunk;
        splits.push({ jobId, partition: added, cursor: state.cursor, at: Date.now() });
        await run.writer.commit();
        if (!run.ownership.owned) return handOff(run);
        await splitter.publish(run.job, state);
        split = jobId;
      }
      await splitter.withdraw(run.job);
    } catch (error) {
      return isTransientError(error) ? recover(run, error) : fail(run, error);
    }
  }
  await requeue(run, 'interrupted', 0);
  run.logger.info(
    { split, partition: state.partition, cursor: state.cursor },
    split === undefined ? 'nothing worth splitting; requeued' : 'split for rebalancing; requeued',
  );
  throw new DelayedError(
    split === undefined
      ? 'requeued after a split request that left too little to split'
      : `requeued on its shrunk bounds after splitting off partition job ${split}`,
  );
}
