// The library's own calls on a store, counted in the benchmark's process (where its workers run):
// each method of the checkpoint stores, and the BullMQ Job API calls the runtime makes per
// partition (reads of a job, adds, progress). Server counters say what a window cost; these say
// which call of the library it went to. Wrapped here, in the benchmark only: src is untouched.
import { Job } from 'bullmq';

import { PostgresCheckpointStore } from '../src/backends/postgres.js';
import { RedisCheckpointStore } from '../src/backends/redis.js';
import type { Counts } from './scaling-meter.js';

const counts: Counts = {};

/** The library's calls so far, by name (`store.save`, `Job.fromId`…); subtract two for a window. */
export function libraryCalls(): Counts {
  return { ...counts };
}

const STORE_METHODS = [
  'load',
  'save',
  'loadControl',
  'setControl',
  'loadClaims',
  'swapClaims',
  'loadSettings',
  'swapSettings',
  'takeTokens',
  'takeSlot',
  'releaseSlot',
] as const;

type Method = (this: unknown, ...args: unknown[]) => unknown;

function wrap(owner: Record<string, unknown>, name: string, key: string, sizeArg?: number): void {
  const original = owner[name] as Method;
  owner[name] = function (this: unknown, ...args: unknown[]) {
    counts[key] = (counts[key] ?? 0) + 1;
    const sized = sizeArg === undefined ? undefined : args[sizeArg];
    if (typeof sized === 'string')
      counts[`${key}.bytes`] = (counts[`${key}.bytes`] ?? 0) + sized.length;
    return original.apply(this, args);
  };
}

let installed = false;

/** Installs the counters once; later calls do nothing. */
export function countLibraryCalls(): void {
  if (installed) return;
  installed = true;
  for (const store of [RedisCheckpointStore, PostgresCheckpointStore]) {
    const proto = store.prototype as unknown as Record<string, unknown>;
    for (const method of STORE_METHODS) {
      // The state document's size: the JSON argument of save (job, token, json).
      wrap(proto, method, `store.${method}`, method === 'save' ? 2 : undefined);
    }
  }
  const statics = Job as unknown as Record<string, unknown>;
  wrap(statics, 'fromId', 'Job.fromId');
  wrap(statics, 'create', 'Job.create');
  const proto = Job.prototype as unknown as Record<string, unknown>;
  for (const method of ['updateProgress', 'getState', 'moveToWaitingChildren']) {
    wrap(proto, method, `job.${method}`);
  }
}
