/**
 * Throttling: conditions checked before each item or batch, cached health checks they may use, and
 * the bookkeeping of time spent throttled. The public surface of this folder, listed by name.
 */
export type { ExponentialBackoffOptions } from './backoff.js';
export { defaultBackoff, EXPONENTIAL_BACKOFF_DEFAULTS, exponentialBackoff } from './backoff.js';
export type {
  BackoffFunction,
  ThrottleCheck,
  ThrottleCheckContext,
  ThrottleCondition,
  ThrottleFunctionCondition,
  ThrottleHealthCondition,
  ThrottleOption,
} from './condition.js';
export { formatDuration } from './duration.js';
export type { EvaluateThrottleOptions, ThrottleDecision, ThrottleEvaluation } from './evaluate.js';
export { evaluateThrottle, warmUpThrottle } from './evaluate.js';
export type { CombinedHealthCheckOptions } from './health/combinators.js';
export { allOf, anyOf } from './health/combinators.js';
export type { HealthCheckOptions } from './health/custom.js';
export { healthCheck } from './health/custom.js';
export type { EventLoopDelayOptions } from './health/event-loop-delay.js';
export { decideEventLoopDelay, eventLoopDelay } from './health/event-loop-delay.js';
export type {
  HealthCheck,
  HealthCheckTiming,
  HealthProbe,
  HealthStatus,
  HealthVerdict,
  ProbeOutcome,
} from './health/health-check.js';
export { HEALTH_CHECK_DEFAULTS, isHealthCheck } from './health/health-check.js';
export type {
  ConnectionsReading,
  PostgresConnectionsOptions,
} from './health/postgres-connections.js';
export { decideConnections, postgresConnections } from './health/postgres-connections.js';
export type {
  PostgresReplicationLagOptions,
  ReplicationLagReading,
} from './health/postgres-replication-lag.js';
export { decideReplicationLag, postgresReplicationLag } from './health/postgres-replication-lag.js';
export type { PostgresWritableOptions, WritableReading } from './health/postgres-writable.js';
export { decideWritable, postgresWritable } from './health/postgres-writable.js';
export type { RedisLatencyOptions, RedisPingClient } from './health/redis-latency.js';
export { decideRedisLatency, redisLatency } from './health/redis-latency.js';
export type {
  RedisInfoClient,
  RedisMemoryOptions,
  RedisMemoryReading,
} from './health/redis-memory.js';
export { decideRedisMemory, readRedisMemory, redisMemory } from './health/redis-memory.js';
export type { ThrottleLogger } from './logger.js';
export type {
  ResolvedThrottle,
  ResolvedThrottleCondition,
  ResolveThrottleOptions,
} from './resolve.js';
export {
  combineThrottles,
  DEFAULT_CHECK_TIMEOUT_MS,
  NO_THROTTLE,
  resolveThrottle,
  throttleHealthChecks,
} from './resolve.js';
export type { ThrottleStats } from './stats.js';
export {
  formatThrottleStats,
  NO_THROTTLE_STATS,
  readThrottleStats,
  recordPassed,
  recordResumed,
  recordThrottled,
} from './stats.js';
