// The sharing of a run's polled records between a worker's partitions, without a server.
import { describe, expect, it } from 'vitest';

import { SharedReads } from '../../../src/parallel/shared-reads.js';

const run = { queueName: 'q', id: '1' };
const other = { queueName: 'q', id: '2' };

function loader(values: (string | Error)[]) {
  const calls = { count: 0 };
  const load = async () => {
    const value = values[Math.min(calls.count++, values.length - 1)]!;
    if (value instanceof Error) throw value;
    return value;
  };
  return { load, calls };
}

describe('SharedReads', () => {
  it('answers reads of one record within the interval with one read, in flight or done', async () => {
    const shared = new SharedReads(60_000);
    const { load, calls } = loader(['a']);
    const together = await Promise.all([1, 2, 3].map(() => shared.read('settings', run, load)));
    expect(together).toEqual(['a', 'a', 'a']);
    expect(await shared.read('settings', run, load)).toBe('a');
    expect(calls.count).toBe(1);
    // Another record, or another kind of the same run, is a read of its own.
    await shared.read('control', run, load);
    await shared.read('settings', other, load);
    expect(calls.count).toBe(3);
  });

  it('reads again once the shared read is an interval old', async () => {
    const shared = new SharedReads(20);
    const { load, calls } = loader(['old', 'new']);
    expect(await shared.read('control', run, load)).toBe('old');
    await new Promise((r) => setTimeout(r, 30));
    expect(await shared.read('control', run, load)).toBe('new');
    expect(calls.count).toBe(2);
  });

  it('keeps no failed read, and forgets a record written through the worker', async () => {
    const shared = new SharedReads(60_000);
    const { load, calls } = loader([new Error('connection lost'), 'x', 'y']);
    await expect(shared.read('settings', run, load)).rejects.toThrow('connection lost');
    await Promise.resolve();
    expect(await shared.read('settings', run, load)).toBe('x');
    shared.forget('settings', run);
    expect(await shared.read('settings', run, load)).toBe('y');
    expect(calls.count).toBe(3);
  });
});
