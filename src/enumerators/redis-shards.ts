/**
 * The shards `redisKeys` scans: one for a single Redis server; every master of a Redis Cluster,
 * in the order of the lowest hash slot each serves. SCAN through a cluster client reaches one
 * arbitrary node and would see a third of the keys; each master has to be scanned itself.
 *
 * A shard is known in a cursor by its lowest slot (which survives a failover: the promoted
 * replica serves the same slots) and by the address of the master whose SCAN cursor it holds (a
 * SCAN cursor means nothing to another server, so a new master starts that shard over).
 */
import { isRedisCluster, mastersOf } from '../backends/redis-cluster.js';

/** What `redisKeys` needs of a client: `SCAN` as ioredis exposes it (an ioredis `Redis` fits). */
export interface RedisScanClient {
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, elements: string[]]>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
    typeToken: 'TYPE',
    type: string,
  ): Promise<[cursor: string, elements: string[]]>;
}

/** What `redisKeys` needs of an ioredis `Cluster`: its masters and which node serves each slot. */
export interface RedisClusterScanClient {
  readonly isCluster: true;
  /** ioredis' slot table: for each slot, the `host:port` of its master first. */
  readonly slots: readonly (readonly string[] | undefined)[];
  nodes(role: 'master'): readonly RedisClusterNodeClient[];
}

/** A master of the cluster as ioredis hands it out. */
export type RedisClusterNodeClient = RedisScanClient & {
  readonly options: { readonly host?: string; readonly port?: number };
};

export interface Shard {
  readonly client: RedisScanClient;
  /** Cluster only: the lowest slot the master serves, and its `host:port`. */
  readonly slot?: number;
  readonly node?: string;
}

/** The shards to scan, in scan order. */
export async function shardsOf(redis: RedisScanClient | RedisClusterScanClient): Promise<Shard[]> {
  if (!isRedisCluster(redis)) return [{ client: redis as RedisScanClient }];
  const cluster = redis as RedisClusterScanClient;
  const masters = await mastersOf<RedisClusterNodeClient>(cluster);
  const lowest = new Map<string, number>();
  cluster.slots.forEach((owners, slot) => {
    const master = owners?.[0];
    if (master !== undefined && !lowest.has(master)) lowest.set(master, slot);
  });
  const shards: { client: RedisScanClient; node: string; slot: number }[] = [];
  for (const client of masters) {
    const node = `${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`;
    const slot = lowest.get(node);
    // A master that serves no slot holds no keys.
    if (slot !== undefined) shards.push({ client, node, slot });
  }
  return shards.sort((a, b) => a.slot - b.slot);
}

/**
 * Where a resumed scan starts: the shard of the cursor's slot, with the cursor's SCAN position
 * when the same master still serves it, else from its start (its keys may then come again, which
 * the guarantee of `redisKeys` allows). The shards before it were done.
 */
export function resumeAt(
  shards: readonly Shard[],
  cursor: { readonly slot?: number; readonly node?: string },
): { index: number; fresh: boolean } {
  if (cursor.slot === undefined) return { index: 0, fresh: false };
  const at = shards.findIndex((shard) => (shard.slot ?? 0) >= (cursor.slot ?? 0));
  // Slots moved past every shard (resharding): the last shard is scanned again from its start.
  if (at < 0) return { index: shards.length - 1, fresh: true };
  const shard = shards[at] as Shard;
  return { index: at, fresh: shard.slot !== cursor.slot || shard.node !== cursor.node };
}
