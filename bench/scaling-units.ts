// Unit costs: what one call of each kind a running partition makes costs a store, measured as
// CALLS calls in a window. The model of docs/scaling.md multiplies these by how often the
// runtime makes each call (its intervals, the partitions, the workers); a checkpoint write's cost
// comes from the strict run (one write per item), which holds the job's lock as a write needs.
import { Job } from 'bullmq';

import { checkpointStoreFor } from '../src/backends/for-backend.js';
import type { Cost, Target } from './scaling-harness.js';
import { measure, queueName, queueOf, removeQueue } from './scaling-harness.js';
import { plainJob } from './scaling-jobs.js';

const CALLS = 200;

/** A progress object of the size a running run publishes (figures, rate, ETA). */
const PROGRESS = {
  progress: 41.27,
  total: 1_000_000,
  processed: 412_700,
  cursor: 412_699,
  timesInterrupted: 0,
  timesThrottled: 0,
  throttledMs: 0,
  totalTimeMs: 123_456,
  itemsPerSecond: 3_345.5,
  etaMs: 175_600,
  status: 'running',
  updatedAt: Date.now(),
};

export type UnitName =
  'control read' | 'settings read' | 'progress write' | 'job read' | 'job read, missing';

export interface UnitCosts {
  readonly backend: string;
  /** Per call. */
  readonly units: Readonly<Record<UnitName, Cost>>;
}

export async function unitCosts(target: Target): Promise<UnitCosts> {
  const name = queueName('units');
  const queue = await queueOf(target, name);
  try {
    const job = await plainJob.enqueue(queue, { items: 1 });
    const ref = { queueName: name, id: job.id! };
    const store = checkpointStoreFor(queue.getBackend());
    const each = async (call: () => Promise<unknown>): Promise<Cost> => {
      // Once outside the window: a connection's first call of a script or statement is dearer.
      await call();
      const cost = await measure(target, async () => {
        for (let i = 0; i < CALLS; i++) await call();
      });
      const per = (c: Record<string, number>) =>
        Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / CALLS]));
      return { server: per(cost.server), calls: per(cost.calls), seconds: cost.seconds / CALLS };
    };
    const units: Record<UnitName, Cost> = {
      'control read': await each(() => store.loadControl(ref)),
      'settings read': await each(() => store.loadSettings(ref)),
      'progress write': await each(() =>
        job.updateProgress({ ...PROGRESS, updatedAt: Date.now() }),
      ),
      'job read': await each(() => Job.fromId(queue, ref.id)),
      'job read, missing': await each(() => Job.fromId(queue, `${ref.id}-p0s1`)),
    };
    return { backend: target.name, units };
  } finally {
    await queue.close();
    await removeQueue(target, name);
  }
}
