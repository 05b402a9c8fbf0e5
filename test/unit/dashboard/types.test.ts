// The queues users have fit the dashboard's `queue` option without casts: BullMQ's Queue on Redis
// and the queues `connect()` hands out (Redis, PostgreSQL or embedded).
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Queue } from 'bullmq';
import { describe, expectTypeOf, it } from 'vitest';

import type { Connection, DashboardHandler, DashboardOptions } from '../../../src/index.js';
import { createDashboardHandler } from '../../../src/index.js';

describe('dashboard types', () => {
  it('accepts BullMQ and connect() queues and returns a node:http handler', () => {
    expectTypeOf<Queue>().toExtend<DashboardOptions['queue']>();
    expectTypeOf<ReturnType<Connection['queue']>>().toExtend<DashboardOptions['queue']>();
    expectTypeOf(createDashboardHandler).returns.toEqualTypeOf<DashboardHandler>();
    expectTypeOf<DashboardHandler>().toExtend<
      (req: IncomingMessage, res: ServerResponse) => void
    >();
  });
});
