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

import type { IndexDetail, IndexedState, RawEntry } from './run-entry.js';

const COMMAND = 'bullmqIterationRunIndex';
/** Jobs per script call. */
const SLICE = 1_000;
/** The unit separator between a job's fields in the script's reply (Lua's \31). */
const SEPARATOR = '\u001f';

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
// [3] start, [4] stop, [5] '1' for the completed set, [6] 'light' or 'full' (see IndexDetail).
// Only small fields are copied: a job's data, its failure's text and its iteration state can be
// large, so their presence is read with HSTRLEN. The progress and return value this library
// writes end and start with fixed keys, read with a pattern; anything else is decoded (pcall:
// a job whose fields are not ours is listed with empty values). Ids whose hash is gone (removed
// meanwhile) are skipped. A partition job is a flow child whose id ends like one (-p3, -p3s1).
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
local function progressStatus(text)
  if not text then return '' end
  -- The progress ends with status and updatedAt: match in its tail only, which is cheap.
  local status = string.match(string.sub(text, -72), '"status":"([^"]*)","updatedAt":[%d%.eE%+%-]+}$')
  if status then return status end
  local progress = decode(text)
  if progress and type(progress.processed) == 'number' and type(progress.status) == 'string' then
    return progress.status
  end
  return ''
end
local function outcomeOf(text)
  if not text then return '' end
  local outcome = string.match(text, '^{"outcome":"([^"]*)"')
  if outcome then return outcome end
  local result = decode(text)
  if result and type(result.outcome) == 'string' then return result.outcome end
  return ''
end
-- The first element says how many ids the range held, so the caller knows when it has them all.
local out = { tostring(#ids) }
if ARGV[6] == 'light' then
  for _, id in ipairs(ids) do
    local key = ARGV[1] .. id
    local f = redis.call('HMGET', key, 'name', 'timestamp', 'iteration:tags', 'parentKey')
    if f[1] then
      local partition = '0'
      if f[4] and string.match(id, '%-p%d+[s%d]*$') then partition = '1' end
      -- Only a completed job is left out when it never iterated: ask the others nothing more.
      local iterated = '1'
      if ARGV[5] == '1' and redis.call('HSTRLEN', key, 'progress') == 0
        and redis.call('HSTRLEN', key, 'iteration:state') == 0 then iterated = '0' end
      table.insert(out, table.concat({ id, f[1], f[2] or '0', '', '', '0', '0', '', iterated, '0',
        partition, f[3] or '' }, '\\31'))
    end
  end
  return out
end
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'name', 'timestamp', 'progress', 'returnvalue', 'atm',
    'attemptsMade', 'iteration:control', 'iteration:tags', 'parentKey', 'failedReason')
  if f[1] then
    local outcome = outcomeOf(f[4])
    local action = ''
    local control = decode(f[7])
    if control and type(control.action) == 'string' then action = control.action end
    local hasState = redis.call('HSTRLEN', key, 'iteration:state') > 0
    local cancelled = '0'
    if hasState and ARGV[5] == '1' and outcome ~= 'cancelled' and outcome ~= 'completed' then
      local state = decode(redis.call('HGET', key, 'iteration:state'))
      if state and state.cancelled ~= nil then cancelled = '1' end
    end
    local partition = '0'
    if f[9] and string.match(id, '%-p%d+[s%d]*$') then partition = '1' end
    local failed = '0'
    if f[10] and f[10] ~= '' then failed = '1' end
    -- One string per job (fields split by the unit separator): a reply of one string per field
    -- costs the client more to parse than the whole listing costs Redis.
    table.insert(out, table.concat({ id, f[1], f[2] or '0', progressStatus(f[3]), outcome, failed,
      f[5] or f[6] or '0', action, hasState and '1' or '0', cancelled, partition, f[8] or '' },
      '\\31'))
  end
end
return out
`;

const defined = new WeakSet<RedisClient>();

/** Every job of the queue in `states`, slice by slice. */
export async function redisEntries(
  backend: RedisQueueBackend,
  states: readonly IndexedState[],
  detail: IndexDetail,
): Promise<RawEntry[]> {
  const client = await backend.client;
  if (!defined.has(client)) {
    client.defineCommand(COMMAND, { numberOfKeys: 1, lua: SCRIPT });
    defined.add(client);
  }
  const base = backend.toKey('');
  const entries: RawEntry[] = [];
  for (const state of states) {
    const { key, kind } = KEY_OF[state];
    for (let start = 0; ; start += SLICE) {
      const flat = (await client.runCommand(COMMAND, [
        backend.toKey(key),
        base,
        kind,
        String(start),
        String(start + SLICE - 1),
        state === 'completed' ? '1' : '0',
        detail,
      ])) as string[];
      for (let i = 1; i < flat.length; i++) entries.push(entryOf(state, flat[i]!.split(SEPARATOR)));
      if (Number(flat[0]) < SLICE) break;
    }
  }
  return entries;
}

function entryOf(state: IndexedState, f: readonly string[]): RawEntry {
  const text = (at: number) => (f[at] === '' || f[at] === undefined ? undefined : f[at]);
  return {
    id: f[0]!,
    name: f[1]!,
    state,
    addedAt: Number(f[2]) || 0,
    progressStatus: text(3),
    outcome: text(4),
    failed: f[5] === '1',
    attemptsMade: Number(f[6]) || 0,
    control: text(7),
    hasState: f[8] === '1',
    cancelledInState: f[9] === '1',
    partition: f[10] === '1',
    tags: text(11),
  };
}
