// The README's "A job, in full", runnable: `npx tsx --conditions=@bullmq-iteration/source examples/quickstart.ts`.
// Uses BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL when set, the embedded
// database otherwise.
import type { BuildEnumeratorArgs } from 'bullmq-iteration';
import { array, connect, defineIterationJob } from 'bullmq-iteration';
import { pino } from 'pino';

const sent: string[] = [];
const mailer = {
  async send(email: string, options: { signal: AbortSignal }) {
    options.signal.throwIfAborted();
    sent.push(email);
  },
};

const sendWelcome = defineIterationJob({
  name: 'send-welcome',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ emails: string[] }, number>) =>
    array(params.emails, { cursor }),
  async eachIteration(email, ctx) {
    await mailer.send(email, { signal: ctx.signal });
  },
  onStart: (ctx) => ctx.logger.info('starting'),
  onResume: (ctx) => ctx.logger.info({ at: ctx.cursor }, 'resuming'),
  onShutdown: (ctx) => ctx.logger.info({ done: ctx.processed }, 'run over'),
  onComplete: (ctx) => ctx.logger.info({ sent: ctx.processed }, 'all sent'),
  maxRuntimeMs: 5 * 60_000,
  defaultJobOptions: { attempts: 3 },
});

const backend = await connect();
const queueName = `quickstart-${Date.now()}`;
const queue = backend.queue(queueName);
const worker = backend.worker(queueName, [sendWelcome], {
  logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }),
});
const emails = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
const done = new Promise((resolve) => worker.once('iteration.completed', resolve));
await sendWelcome.enqueue(queue, { emails });
await done;
console.log(`sent ${sent.length} welcome e-mails on ${backend.kind}: ${sent.join(', ')}`);
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
await backend.close();
