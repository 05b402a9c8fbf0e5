/**
 * Redis command latency: the round trip of one PING. It includes the network and this process's
 * own event-loop delay, which is the latency BullMQ and the jobs experience too. On a Redis
 * Cluster every master is pinged (at once) and the slowest counts: a PING sent through the cluster
 * client would reach one arbitrary node.
 */
import { performance } from 'node:perf_hooks';

import { mastersOf } from '../../backends/redis-cluster.js';
import { formatDuration } from '../duration.js';
import { conditionName, positiveMs } from '../validate.js';
import { createHealthCheck } from './cached-check.js';
import type { HealthCheck, HealthCheckTiming, HealthVerdict } from './health-check.js';

/** The part of an ioredis client that {@link redisLatency} uses. */
export interface RedisPingClient {
  ping(): Promise<string>;
}

/** Options of {@link redisLatency}. */
export interface RedisLatencyOptions extends HealthCheckTiming {
  /**
   * An ioredis client or `Cluster` (every master is pinged). A busy shared connection adds its
   * queue to the reading: that is intended.
   */
  readonly redis: RedisPingClient;
  /** Unhealthy above this round trip. @defaultValue 100 */
  readonly maxLatencyMs?: number;
  /** @defaultValue 'redis-latency' */
  readonly name?: string;
}

/**
 * Throttles while Redis answers slowly. A PING that does not return within `timeoutMs` (a
 * disconnected client queues it) counts as unhealthy too.
 *
 * @example
 * ```ts
 * const latency = redisLatency({ redis, maxLatencyMs: 50 });
 * ```
 */
export function redisLatency(options: RedisLatencyOptions): HealthCheck {
  const where = (key: string) => ({ where: `redisLatency() option ${key}` });
  const name = conditionName(options.name ?? 'redis-latency', where('name'));
  const maxLatencyMs = positiveMs(options.maxLatencyMs ?? 100, where('maxLatencyMs'));
  const { redis } = options;
  const probe = async () => {
    const masters = await mastersOf(redis);
    const latencies = await Promise.all(
      masters.map(async (node) => {
        const startedAt = performance.now();
        await node.ping();
        return performance.now() - startedAt;
      }),
    );
    const verdict = decideRedisLatency({ latencyMs: Math.max(...latencies) }, { maxLatencyMs });
    return masters.length === 1
      ? verdict
      : { ...verdict, detail: `${verdict.detail}, slowest of ${masters.length} masters` };
  };
  return createHealthCheck(name, probe, options, 'redisLatency()');
}

/**
 * The verdict on a measured round trip.
 *
 * @example
 * ```ts
 * decideRedisLatency({ latencyMs: 3 }, { maxLatencyMs: 100 }); // { healthy: true, detail: 'PING took 3 ms (limit 100 ms)' }
 * ```
 */
export function decideRedisLatency(
  reading: { readonly latencyMs: number },
  limits: { readonly maxLatencyMs: number },
): HealthVerdict {
  return {
    healthy: reading.latencyMs <= limits.maxLatencyMs,
    detail: `PING took ${formatDuration(reading.latencyMs)} (limit ${formatDuration(limits.maxLatencyMs)})`,
  };
}
