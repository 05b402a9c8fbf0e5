// A run's origin is decided in one place from its job's data, whatever wraps what: a replay or a
// restart of a partition is still that partition's run, and never a new parallel run.
import { describe, expect, it } from 'vitest';

import {
  originOf,
  partitionData,
  partitionOf,
  replayData,
  restartData,
  unwrapRestart,
} from '../../../src/runtime/origin.js';

const params = { table: 'users' };
const partition = {
  run: '42',
  index: 1,
  count: 4,
  value: { from: 100, to: 200 },
  params,
};
const restart = { of: '7', from: { id: 150 }, oldCursor: { id: 170 }, oldProcessed: 70, at: 1 };

describe('originOf', () => {
  it('reads plain params as a fresh run', () => {
    expect(originOf(params)).toEqual({ kind: 'fresh', params });
    expect(originOf(undefined)).toEqual({ kind: 'fresh', params: undefined });
    expect(originOf([1, 2])).toEqual({ kind: 'fresh', params: [1, 2] });
  });

  it('reads a partition, and a split of one, with the run params inside', () => {
    expect(originOf(partitionData(partition))).toEqual({ kind: 'partition', params, partition });
    const split = { ...partition, splitOf: '42-p1', step: 'export' };
    expect(originOf(partitionData(split))).toMatchObject({
      kind: 'split',
      params,
      partition: split,
    });
  });

  it('reads a replay of a partition as a replay on that partition', () => {
    const items = [{ job: '42-p1', index: 0 }];
    const origin = originOf(replayData('42-p1', partitionData(partition), items));
    expect(origin).toEqual({ kind: 'replay', params, partition, replay: { of: '42-p1', items } });
    // It is not a partition of the flow: the parallel runtime leaves it to an ordinary run.
    expect(partitionOf(replayData('42-p1', partitionData(partition)))).toBeUndefined();
  });

  it('reads a restart of a partition, of a replay, and of a restart', () => {
    const ofPartition = originOf(restartData(restart, partitionData(partition)));
    expect(ofPartition).toEqual({ kind: 'restart', params, partition, restart });
    const ofReplay = originOf(restartData(restart, replayData('9', params)));
    expect(ofReplay).toEqual({ kind: 'restart', params, replay: { of: '9' }, restart });
    // A restart of a restart wraps the original data once.
    const twice = restartData({ ...restart, of: '8' }, restartData(restart, params));
    expect(unwrapRestart(twice)).toEqual(params);
    expect(originOf(twice)).toEqual({ kind: 'restart', params, restart: { ...restart, of: '8' } });
  });

  it('peels each wrapper once: params that look like a wrapper stay params', () => {
    const inner = replayData('1', params);
    const nested = replayData('2', inner);
    // A replay of a replay replays with the data of what it replayed.
    expect(originOf(nested)).toEqual({ kind: 'replay', params, replay: { of: '2' } });
    // An object with other keys beside a wrapper key is params.
    const mixed = { ...partitionData(partition), extra: 1 };
    expect(originOf(mixed)).toEqual({ kind: 'fresh', params: mixed });
  });
});
