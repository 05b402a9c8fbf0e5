// Replay without a server: the data of a replay job, and the enumeration of recorded items that
// takes one item at each recorded cursor, skips those that are gone and resumes at a record.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import type { FailedItem } from '../../../src/index.js';
import type { ReplayState } from '../../../src/runtime/item-policy.js';
import { replayData, replayOf } from '../../../src/runtime/origin.js';
import { replayItems } from '../../../src/runtime/replay.js';

const logger = pino({ level: 'silent' });

function record(cursor: number | null, after: number): FailedItem {
  return {
    cursor,
    after,
    item: String(after),
    error: { name: 'Error', message: 'broken' },
    at: 0,
    attempt: 1,
    tries: 1,
  };
}

/** A keyset-like enumerator over ids: the cursor is the id of the last item. */
function* after(ids: readonly number[], cursor: number | null) {
  for (const id of ids) if (cursor === null || id > cursor) yield [`row ${id}`, id] as const;
}

async function collect(replay: ReplayState, from: number, ids: readonly number[]) {
  const out: (readonly [unknown, number])[] = [];
  const build = (cursor: unknown) => after(ids, cursor as number | null);
  for await (const pair of replayItems(replay, from, build, logger)) out.push(pair);
  return out;
}

describe('replay', () => {
  it('wraps the params once, naming the job replayed, and unwraps them', () => {
    const data = replayData('42', { region: 'eu' });
    expect(replayOf(data)).toEqual({ of: '42', params: { region: 'eu' } });
    // A replay of a replay keeps the original params, and names the job it copies records from.
    expect(replayOf(replayData('43', data))).toEqual({ of: '43', params: { region: 'eu' } });
    expect(replayOf({ region: 'eu' })).toBeUndefined();
    expect(replayOf([1])).toBeUndefined();
    expect(replayOf(null)).toBeUndefined();
  });

  it('takes the item at each recorded cursor, in order, with the records done as cursor', async () => {
    const ids = [1, 2, 3, 4, 5];
    const replay = { of: '1', items: [record(null, 1), record(3, 4), record(4, 5)] };
    expect(await collect(replay, 0, ids)).toEqual([
      ['row 1', 1],
      ['row 4', 2],
      ['row 5', 3],
    ]);
    // Resumed after two records: only the third is left.
    expect(await collect(replay, 2, ids)).toEqual([['row 5', 3]]);
  });

  it('skips a record whose item is gone (another cursor after it)', async () => {
    const replay = { of: '1', items: [record(3, 4), record(4, 5)] };
    // Row 4 was deleted: at cursor 3 comes row 5, not the recorded item.
    expect(await collect(replay, 0, [1, 2, 3, 5])).toEqual([['row 5', 2]]);
    expect(await collect(replay, 0, [1, 2, 3])).toEqual([]);
  });
});
