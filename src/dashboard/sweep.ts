/**
 * Removing uploaded files whose run has ended: completed or cancelled (BullMQ's `completed`), or
 * removed from its queue. A failed run keeps its file, since a retry reads it again.
 */
import type { RequestContext } from './context.js';

export async function sweepUploads(ctx: RequestContext): Promise<void> {
  await ctx.uploads?.sweep((run) =>
    ctx.access.use(async (queues) => {
      const queue = queues.get(run.queue);
      if (queue === undefined) return false;
      const job = await queue.getJob(run.id);
      return !job || (await job.getState()) === 'completed';
    }),
  );
}
