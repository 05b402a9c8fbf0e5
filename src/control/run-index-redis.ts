/**
 * The run index on Redis: a script reads one slice of one state's list or sorted set and, for
 * each job, the fields of its hash a listing needs, decoding the progress, return value and
 * control request inside Redis so that only a few short strings per job cross the network.
 * Slices of {@link SLICE} jobs keep each script short, so Redis never stalls for a big queue.
 *
 * These are BullMQ's own keys (`<prefix>:<queue>:wait`, `…:<id>` hashes), pinned to BullMQ 6 as
 * job-lock.ts is. Every key belongs to the queue, so the script stays in its slot on a cluster.
 */
import type { RedisClient, RedisQueueBackend } from 'bullmq';

import { PARTITION_KEY } from '../parallel/partition-data.js';
import type { IndexedState, RawEntry } from './run-entry.js';
import { INDEXED_STATES } from './run-entry.js';

const COMMAND = 'bullmqIterationRunIndex';
/** Jobs per script call. */
const SLICE = 1_000;
/** Fields returned per job. */
const WIDTH = 12;

const KEY_OF: Record<IndexedState, { key: string; kind: 'list' | 'zset' }> = {
  active: { key: 'active', kind: 'list' },
  waiting: { key: 'wait', kind: 'list' },
  prioritized: { key: 'prioritized', kind: 'zset' },
  delayed: { key: 'delayed', kind: 'zset' },
  'waiting-children': { key: 'waiting-children', kind: 'zset' },
  completed: { key: 'completed', kind: 'zset' },
  failed: { key: 'failed', kind: 'zset' },
};

// KEYS[1] the state's list or sorted set. ARGV: [1] `<prefix>:<queue>:`, [2] 'list' | 'zset',
// [3] start, [4] stop, [5] '1' to read a recorded cancel from the state, [6] the partition marker.
// Decoding is guarded by pcall: a job whose fields are not ours is listed with empty values. Ids
// whose hash is gone (removed meanwhile) are skipped.
const SCRIPT = `
local ids
if ARGV[2] == 'list' then ids = redis.call('LRANGE', KEYS[1], ARGV[3], ARGV[4])
else ids = redis.call('ZREVRANGE', KEYS[1], ARGV[3], ARGV[4]) end
local function decode(text)
  if not text or string.sub(text, 1, 1) ~= '{' then return nil end
  local ok, value = pcall(cjson.decode, text)
  if ok and type(value) == 'table' then return value end
  return nil
end
-- The first element says how many ids the range held, so the caller knows when it has them all.
local out = { tostring(#ids) }
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'name', 'timestamp', 'progress', 'returnvalue',
    'failedReason', 'atm', 'iteration:control', 'iteration:state', 'data', 'iteration:tags',
    'attemptsMade')
  if f[1] then
    local progress = decode(f[3])
    local status = ''
    if progress and type(progress.processed) == 'number' and type(progress.status) == 'string' then
      status = progress.status
    end
    local result = decode(f[4])
    local outcome = ''
    if result and type(result.outcome) == 'string' then outcome = result.outcome end
    local control = decode(f[7])
    local action = ''
    if control and type(control.action) == 'string' then action = control.action end
    local cancelled = '0'
    if f[8] and ARGV[5] == '1' then
      local state = decode(f[8])
      if state and state.cancelled ~= nil then cancelled = '1' end
    end
    local partition = '0'
    if f[9] and string.sub(f[9], 1, string.len(ARGV[6])) == ARGV[6] then partition = '1' end
    local failed = '0'
    if f[5] and f[5] ~= '' then failed = '1' end
    local hasState = '0'
    if f[8] then hasState = '1' end
    table.insert(out, id)
    table.insert(out, f[1])
    table.insert(out, f[2] or '0')
    table.insert(out, status)
    table.insert(out, outcome)
    table.insert(out, failed)
    table.insert(out, f[6] or f[11] or '0')
    table.insert(out, action)
    table.insert(out, hasState)
    table.insert(out, cancelled)
    table.insert(out, partition)
    table.insert(out, f[10] or '')
  end
end
return out
`;

const defined = new WeakSet<RedisClient>();

/** Every job of the queue in the indexed states, slice by slice. */
export async function redisEntries(backend: RedisQueueBackend): Promise<RawEntry[]> {
  const client = await backend.client;
  if (!defined.has(client)) {
    client.defineCommand(COMMAND, { numberOfKeys: 1, lua: SCRIPT });
    defined.add(client);
  }
  const base = backend.toKey('');
  const marker = `{${JSON.stringify(PARTITION_KEY)}:`;
  const entries: RawEntry[] = [];
  for (const state of INDEXED_STATES) {
    const { key, kind } = KEY_OF[state];
    for (let start = 0; ; start += SLICE) {
      const flat = (await client.runCommand(COMMAND, [
        backend.toKey(key),
        base,
        kind,
        String(start),
        String(start + SLICE - 1),
        state === 'completed' ? '1' : '0',
        marker,
      ])) as string[];
      for (let i = 1; i + WIDTH <= flat.length; i += WIDTH) entries.push(entryOf(state, flat, i));
      if (Number(flat[0]) < SLICE) break;
    }
  }
  return entries;
}

function entryOf(state: IndexedState, f: readonly string[], i: number): RawEntry {
  const text = (at: number) => (f[i + at] === '' ? undefined : f[i + at]);
  return {
    id: f[i]!,
    name: f[i + 1]!,
    state,
    addedAt: Number(f[i + 2]) || 0,
    progressStatus: text(3),
    outcome: text(4),
    failed: f[i + 5] === '1',
    attemptsMade: Number(f[i + 6]) || 0,
    control: text(7),
    hasState: f[i + 8] === '1',
    cancelledInState: f[i + 9] === '1',
    partition: f[i + 10] === '1',
    tags: text(11),
  };
}
