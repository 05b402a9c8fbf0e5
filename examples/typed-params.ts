// The README's "Typed params from a schema", runnable:
// `npx tsx --conditions=@bullmq-iteration/source examples/typed-params.ts`.
// Uses BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL when set, the embedded
// database otherwise.
import {
  array,
  connect,
  defineIterationJob,
  ParamsValidationError,
  waitForRun,
} from 'bullmq-iteration';
import { z } from 'zod';

const users = [
  { email: 'ada@example.com', segment: 'trial', joined: '2024-02-01' },
  { email: 'grace@example.com', segment: 'paid', joined: '2024-03-01' },
  { email: 'linus@example.com', segment: 'trial', joined: '2023-12-01' },
];
const notified: string[] = [];

const notify = defineIterationJob({
  name: 'notify-users',
  params: z.object({ segment: z.enum(['trial', 'paid']), since: z.string().date() }),
  buildEnumerator: ({ params, cursor }) =>
    array(
      users.filter((u) => u.segment === params.segment && u.joined >= params.since),
      { cursor },
    ),
  async eachIteration(user, ctx) {
    notified.push(`${user.email} (${ctx.params.segment})`);
  },
});

const backend = await connect();
const queueName = `typed-params-${Date.now()}`;
const queue = backend.queue(queueName);
const worker = backend.worker(queueName, [notify], { logger: false });
try {
  // Refused at enqueue with the schema's own message, before anything reaches the queue.
  await notify.enqueue(queue, { segment: 'gold' as never, since: '2024-01-01' }).catch((error) => {
    if (!(error instanceof ParamsValidationError)) throw error;
    console.log(`refused: ${error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  });
  const job = await notify.enqueue(
    queue,
    { segment: 'trial', since: '2024-01-01' },
    { tags: { shard: 'db-3' } },
  );
  const { summary } = await waitForRun(queue, job.id!, { timeoutMs: 60_000 });
  console.log(`notified ${summary?.processed} on ${backend.kind}: ${notified.join(', ')}`);
} finally {
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await backend.close();
}
