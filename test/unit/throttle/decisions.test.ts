// The built-in checks' decision logic, fed with supplied readings, and their probes with stand-in
// clients; the real servers are read in test/integration/throttle.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { pgQuery } from '../../../src/enumerators/sql/query.js';
import {
  decideConnections,
  decideEventLoopDelay,
  decideRedisLatency,
  decideRedisMemory,
  decideReplicationLag,
  decideWritable,
  eventLoopDelay,
  postgresConnections,
  postgresReplicationLag,
  postgresWritable,
  readRedisMemory,
  redisLatency,
  redisMemory,
} from '../../../src/throttle/index.js';
import { recordingLogger } from './helpers.js';

const closers: { close(): void }[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c.close();
});
function track<T extends { close(): void }>(check: T): T {
  closers.push(check);
  return check;
}

describe('PostgreSQL replication lag', () => {
  const limits = { maxLagMs: 10_000 };
  it.each([
    [
      { inRecovery: true, replicaLagMs: 0, primaryLagMs: null, replicas: 0 },
      true,
      'replica lags 0 ms behind its primary (limit 10 s)',
    ],
    [
      { inRecovery: true, replicaLagMs: 12_400, primaryLagMs: null, replicas: 0 },
      false,
      'replica lags 12 s behind its primary (limit 10 s)',
    ],
    [
      { inRecovery: true, replicaLagMs: 10_000, primaryLagMs: null, replicas: 0 },
      true,
      'replica lags 10 s behind its primary (limit 10 s)',
    ],
    [
      { inRecovery: true, replicaLagMs: -3, primaryLagMs: null, replicas: 0 },
      true,
      'replica lags 0 ms behind its primary (limit 10 s)',
    ],
    [
      { inRecovery: true, replicaLagMs: null, primaryLagMs: null, replicas: 0 },
      true,
      'replica has replayed no transaction yet: lag unknown',
    ],
    [
      { inRecovery: false, replicaLagMs: null, primaryLagMs: null, replicas: 0 },
      true,
      'primary without streaming replicas',
    ],
    [
      { inRecovery: false, replicaLagMs: null, primaryLagMs: null, replicas: 2 },
      true,
      'slowest of 2 replicas lags 0 ms (limit 10 s)',
    ],
    [
      { inRecovery: false, replicaLagMs: null, primaryLagMs: 65_000, replicas: 3 },
      false,
      'slowest of 3 replicas lags 1 min (limit 10 s)',
    ],
  ])('%o → healthy %s', (reading, healthy, detail) => {
    expect(decideReplicationLag(reading, limits)).toEqual({ healthy, detail });
  });

  it('reads the row a driver returns, numbers as strings included', async () => {
    const query = vi.fn(async (_text: string) => ({
      rows: [{ in_recovery: true, replica_lag_ms: '15000.5', primary_lag_ms: null, replicas: '0' }],
    }));
    const check = track(postgresReplicationLag({ query, maxLagMs: 5_000 }));
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'replica lags 15 s behind its primary (limit 5 s)',
    });
    expect(query.mock.calls[0]![0]).toMatch(/pg_last_xact_replay_timestamp/);
    expect(check.name).toBe('postgres-replication-lag');
  });

  it('reports healthy and warns once on a server without the statistics it reads', async () => {
    const logger = recordingLogger();
    const missing = Object.assign(new Error('function pg_last_wal_receive_lsn() does not exist'), {
      code: '42883',
    });
    const check = track(
      postgresReplicationLag({ query: () => Promise.reject(missing), logger, intervalMs: 1 }),
    );
    await expect(check.status()).resolves.toMatchObject({
      healthy: true,
      detail: expect.stringMatching(
        /^not supported by this server \(Error: function .* does not exist\): not checked$/,
      ),
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await check.refresh();
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('counts any other query error, or no row, as unhealthy', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const down = track(postgresReplicationLag({ query: () => Promise.reject(refused) }));
    await expect(down.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'probe failed: Error: connect ECONNREFUSED',
    });
    const empty = track(postgresWritable({ query: async () => ({ rows: [] }) }));
    await expect(empty.status()).resolves.toMatchObject({
      healthy: false,
      detail: expect.stringMatching(/no row/),
    });
    const garbled = track(
      postgresWritable({
        query: async () => ({ rows: [{ in_recovery: 'maybe', read_only: 'off' }] }),
      }),
    );
    await expect(garbled.status()).resolves.toMatchObject({
      healthy: false,
      detail: expect.stringMatching(/in_recovery is not a boolean/),
    });
  });

  it('validates its options', () => {
    expect(() =>
      postgresReplicationLag({ query: async () => ({ rows: [] }), maxLagMs: -1 }),
    ).toThrow(/postgresReplicationLag\(\) option maxLagMs/);
    expect(() => postgresReplicationLag({ query: 'postgres://x' as never })).toThrow(
      /option query \(wrap a pg Pool with pgQuery\(pool\)\): expected a function/,
    );
  });
});

describe('PostgreSQL connections and writability', () => {
  it.each([
    [{ used: 10, max: 100 }, 0.8, true, '10 of 100 connections in use (10 %, limit 80 %)'],
    [{ used: 80, max: 100 }, 0.8, true, '80 of 100 connections in use (80 %, limit 80 %)'],
    [{ used: 85, max: 100 }, 0.8, false, '85 of 100 connections in use (85 %, limit 80 %)'],
    [{ used: 3, max: 0 }, 0.8, true, 'max_connections unknown: not checked'],
  ])('connections %o with maxShare %s → healthy %s', (reading, maxShare, healthy, detail) => {
    expect(decideConnections(reading, { maxShare })).toEqual({ healthy, detail });
  });

  it.each([
    [{ inRecovery: false, readOnly: false }, true, 'accepts writes'],
    [
      { inRecovery: true, readOnly: true },
      false,
      'server is in recovery (a replica): writes are refused',
    ],
    [
      { inRecovery: false, readOnly: true },
      false,
      'transactions are read-only: writes are refused',
    ],
  ])('writable %o → healthy %s', (reading, healthy, detail) => {
    expect(decideWritable(reading)).toEqual({ healthy, detail });
  });

  it('probes through pgQuery', async () => {
    const pool = {
      query: vi.fn(async () => ({ rows: [{ used: '90', max: 100 }], fields: [] })),
    };
    const check = track(
      postgresConnections({
        query: pgQuery(pool),
        maxShare: 0.5,
        name: 'orders-db-connections',
      }),
    );
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: expect.stringMatching(/^90 of 100/),
    });
    expect(check.name).toBe('orders-db-connections');
    expect(pool.query).toHaveBeenCalledWith(expect.stringMatching(/pg_stat_activity/), []);
    expect(() => postgresConnections({ query: pgQuery(pool), maxShare: 1.5 })).toThrow(
      /option maxShare: expected a share in \(0, 1\]/,
    );
  });
});

describe('Redis memory and latency', () => {
  const info = (used: number, max: number) =>
    `# Memory\r\nused_memory:${used}\r\nused_memory_human:whatever\r\nmaxmemory:${max}\r\nmaxmemory_policy:noeviction\r\n`;

  it('reads used_memory and maxmemory from INFO', () => {
    expect(readRedisMemory(info(1024, 0))).toEqual({ usedMemory: 1024, maxMemory: 0 });
    expect(() => readRedisMemory('# Memory\r\nused_memory:12\r\n')).toThrow(/no numeric maxmemory/);
  });

  it.each([
    [{ usedMemory: 5 * 2 ** 20, maxMemory: 0 }, true, 'memory 5.0 MB, no maxmemory set'],
    [
      { usedMemory: 900 * 2 ** 20, maxMemory: 2 ** 30 },
      true,
      'memory 900.0 MB of 1.0 GB (88 %, limit 90 %)',
    ],
    [
      { usedMemory: 950 * 2 ** 20, maxMemory: 2 ** 30 },
      false,
      'memory 950.0 MB of 1.0 GB (93 %, limit 90 %)',
    ],
  ])('memory %o → healthy %s', (reading, healthy, detail) => {
    expect(decideRedisMemory(reading, { maxShare: 0.9 })).toEqual({ healthy, detail });
  });

  it('probes INFO memory', async () => {
    const redis = { info: vi.fn(async () => info(95, 100)) };
    const check = track(redisMemory({ redis }));
    await expect(check.status()).resolves.toMatchObject({ healthy: false });
    expect(redis.info).toHaveBeenCalledWith('memory');
  });

  it('times a PING', async () => {
    expect(decideRedisLatency({ latencyMs: 3 }, { maxLatencyMs: 100 })).toEqual({
      healthy: true,
      detail: 'PING took 3 ms (limit 100 ms)',
    });
    expect(decideRedisLatency({ latencyMs: 250 }, { maxLatencyMs: 100 }).healthy).toBe(false);
    const slow = {
      ping: () => new Promise<string>((resolve) => setTimeout(() => resolve('PONG'), 30)),
    };
    const check = track(redisLatency({ redis: slow, maxLatencyMs: 10 }));
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: expect.stringMatching(/^PING took \d+ ms \(limit 10 ms\)$/),
    });
  });
});

describe('event-loop delay', () => {
  it.each([
    [{ delayMs: null }, true, 'event-loop delay: no sample yet'],
    [{ delayMs: 12.3 }, true, 'event-loop delay p99 12 ms (limit 100 ms)'],
    [{ delayMs: 250 }, false, 'event-loop delay p99 250 ms (limit 100 ms)'],
  ])('%o → healthy %s', (reading, healthy, detail) => {
    expect(decideEventLoopDelay(reading, { maxDelayMs: 100, percentile: 99 })).toEqual({
      healthy,
      detail,
    });
  });

  it('sees a blocked loop, then recovers in the next window', async () => {
    const check = track(eventLoopDelay({ maxDelayMs: 50, resolutionMs: 5, intervalMs: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // Block the event loop on purpose.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(check.refresh()).resolves.toMatchObject({ healthy: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(check.refresh()).resolves.toMatchObject({ healthy: true });
  });

  it('validates its options', () => {
    expect(() => eventLoopDelay({ percentile: 0 })).toThrow(/eventLoopDelay\(\) option percentile/);
    expect(() => eventLoopDelay({ maxDelayMs: Number.NaN })).toThrow(
      /option maxDelayMs.*got `NaN`/,
    );
  });
});
