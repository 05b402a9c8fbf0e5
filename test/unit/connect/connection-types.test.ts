// The connection connect() returns type-checks where BullMQ's own classes expect one.
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';
import { describe, expectTypeOf, it } from 'vitest';

import type { Connection, QueueConnection } from '../../../src/index.js';

declare const backend: Connection;

describe('Connection.connection', () => {
  it('is accepted by QueueEvents, Queue, Worker and FlowProducer', () => {
    // Constructed only in the type checker: these lines fail to compile if the type is wrong.
    const build = () => [
      new QueueEvents('maintenance', { connection: backend.connection }),
      new Queue('maintenance', { connection: backend.connection }),
      new Worker('maintenance', async () => undefined, { connection: backend.connection }),
      new FlowProducer({ connection: backend.connection }),
    ];
    expectTypeOf(build).returns.toBeArray();
    expectTypeOf<ReturnType<Connection['queueEvents']>>().toEqualTypeOf<QueueEvents>();
    expectTypeOf<{ connectionString: string }>().toMatchTypeOf<QueueConnection>();
  });
});
