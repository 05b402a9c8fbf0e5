// The in-memory checkpoint store keeps the fencing rule of the Redis and PostgreSQL stores: only
// the run holding the job's lock may write its state, and a stale token is refused.
import { describe, expect, it } from 'vitest';

import { MemoryCheckpointStore } from '../../../src/testing/memory-store.js';

const job = { queueName: 'q', id: '1' };

describe('MemoryCheckpointStore', () => {
  it('refuses writes while no run holds the job', async () => {
    const store = new MemoryCheckpointStore();
    await expect(store.save(job, 'run-1', '{"a":1}')).resolves.toBe(false);
    await expect(store.load(job)).resolves.toBeUndefined();
  });

  it('lets the holder write, and refuses the previous holder once the job changed hands', async () => {
    const store = new MemoryCheckpointStore();
    store.lock(job, 'run-1');
    await expect(store.save(job, 'run-1', '"one"')).resolves.toBe(true);
    store.lock(job, 'run-2');
    await expect(store.save(job, 'run-1', '"stale"')).resolves.toBe(false);
    await expect(store.save(job, 'run-2', '"two"')).resolves.toBe(true);
    expect(store.peek(job)).toBe('"two"');
  });

  it('releases the lock only for its holder, and keeps the state after release', async () => {
    const store = new MemoryCheckpointStore();
    store.lock(job, 'run-2');
    store.unlock(job, 'run-1');
    await expect(store.save(job, 'run-2', '"kept"')).resolves.toBe(true);
    store.unlock(job, 'run-2');
    await expect(store.save(job, 'run-2', '"late"')).resolves.toBe(false);
    await expect(store.load(job)).resolves.toBe('"kept"');
  });

  it('keeps jobs apart, even when a queue name contains a separator', async () => {
    const store = new MemoryCheckpointStore();
    store.lock({ queueName: 'a:b', id: 'c' }, 't');
    await store.save({ queueName: 'a:b', id: 'c' }, 't', '1');
    expect(store.peek({ queueName: 'a', id: 'b:c' })).toBeUndefined();
  });

  it('sets and clears control requests without a lock', async () => {
    const store = new MemoryCheckpointStore();
    await store.setControl(job, '{"action":"pause"}');
    await expect(store.loadControl(job)).resolves.toBe('{"action":"pause"}');
    await store.setControl(job, null);
    await expect(store.loadControl(job)).resolves.toBeUndefined();
  });
});
