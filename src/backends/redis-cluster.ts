/**
 * Redis Cluster: what the library needs beyond one Redis node.
 *
 * - Slots. A Lua script (BullMQ's, and the fenced checkpoint write here) may only touch keys of
 *   one hash slot. Every key of a queue starts with `<prefix>:<queue>:`, so a hash tag in that
 *   part (`{bull}:maintenance:…`, or `bull:{maintenance}:…`) puts them all in one slot. Without one
 *   the first multi-key script fails with CROSSSLOT, far from the cause; this file refuses the
 *   set-up up front instead, naming the prefix and the fix.
 * - Masters. Commands that read a server rather than a key (`PING`, `INFO`, `SCAN`) reach one
 *   arbitrary node of a cluster; the health checks and `redisKeys` run them on every master.
 */

import { RedisClusterError } from '../errors.js';

/** The default BullMQ prefix, and the hash-tagged one the library proposes for a cluster. */
export const DEFAULT_PREFIX = 'bull';
export const CLUSTER_PREFIX = '{bull}';

/** What identifies an ioredis `Cluster` (BullMQ's wrapped clients report it the same way). */
export interface ClusterLike {
  readonly isCluster: true;
}

/** True for an ioredis `Cluster` and BullMQ's wrapper around one; false for a single node. */
export function isRedisCluster(client: unknown): client is ClusterLike {
  return (
    typeof client === 'object' && client !== null && (client as ClusterLike).isCluster === true
  );
}

/**
 * The hash tag Redis would hash a key by (the text between the first `{` and the next `}`, when not
 * empty), or `undefined` when the whole key is hashed.
 *
 * @example
 * ```ts
 * hashTag('{bull}:maintenance:42'); // 'bull'
 * hashTag('bull:maintenance:42'); // undefined
 * ```
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/**
 * Throws a {@link RedisClusterError} unless every key of queue `queueName` under `prefix` falls in
 * one hash slot, i.e. `<prefix>:<queue>` carries a complete hash tag. `owner` names who asked, for
 * the message (`IterationWorker for queue "maintenance"`).
 *
 * @example
 * ```ts
 * requireOneSlot('{bull}', 'maintenance', 'IterationWorker for queue "maintenance"'); // fine
 * requireOneSlot('bull', 'maintenance', 'getRun'); // throws, proposing prefix '{bull}'
 * ```
 */
export function requireOneSlot(prefix: string, queueName: string, owner: string): void {
  const base = `${prefix}:${queueName}`;
  const open = base.indexOf('{');
  // The tag must close inside `<prefix>:<queue>`: one that spans into the job id would spread a
  // queue's keys over many slots.
  if (open >= 0 && base.indexOf('}', open + 1) > open + 1) return;
  throw new RedisClusterError(
    `${owner}: on a Redis Cluster the queue's keys must share one hash slot, but prefix ` +
      `"${prefix}" with queue "${queueName}" has no hash tag ("${base}:…" spreads over slots, ` +
      `and BullMQ's scripts fail with CROSSSLOT). Pass { prefix: '${tagged(prefix)}' } to every ` +
      'Queue, Worker, IterationWorker and FlowProducer of this queue (or use a queue name with a ' +
      '{tag}); the prefix must be the same everywhere.',
    { prefix, queueName },
  );
}

/**
 * {@link requireOneSlot} for a queue known by BullMQ's qualified name, `<prefix>:<queue>` (BullMQ
 * refuses ':' in queue names; a prefix may hold some).
 */
export function requireQualifiedOneSlot(qualifiedName: string, owner?: string): void {
  const colon = qualifiedName.lastIndexOf(':');
  const queueName = qualifiedName.slice(colon + 1);
  requireOneSlot(qualifiedName.slice(0, colon), queueName, owner ?? `Queue "${queueName}"`);
}

/**
 * The check for a BullMQ connection option and prefix: a no-op for anything but an ioredis
 * `Cluster`, whose `prefix` (BullMQ's default `bull` when omitted) must be hash-tagged.
 */
export function requireClusterPrefix(
  connection: unknown,
  prefix: string | undefined,
  queueName: string,
  owner: string,
): void {
  if (isRedisCluster(connection)) requireOneSlot(prefix ?? DEFAULT_PREFIX, queueName, owner);
}

function tagged(prefix: string): string {
  const bare = prefix.replace(/[{}]/g, '');
  return `{${bare === '' ? DEFAULT_PREFIX : bare}}`;
}

/** What the library needs of a Cluster to reach each master: ioredis' `nodes('master')`. */
export interface MasterNodes<Node> {
  readonly isCluster: true;
  nodes(role: 'master'): readonly Node[];
}

/**
 * The masters of a cluster client, or the client itself when it is a single node. An ioredis
 * `Cluster` lists its nodes only once it has read the topology, so a cluster that is not ready yet
 * is sent a PING first (which connects a lazy client and waits for the topology).
 */
export async function mastersOf<Node>(client: Node | MasterNodes<Node>): Promise<readonly Node[]> {
  if (!isRedisCluster(client) || typeof (client as MasterNodes<Node>).nodes !== 'function') {
    return [client as Node];
  }
  const cluster = client as MasterNodes<Node> & { ping?: () => Promise<unknown> };
  if (cluster.nodes('master').length === 0) await cluster.ping?.();
  const masters = cluster.nodes('master');
  if (masters.length === 0) {
    throw new Error('The Redis Cluster client knows no master node yet (is the cluster up?)');
  }
  return masters;
}
