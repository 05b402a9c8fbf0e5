/**
 * bullmq-iteration: interruptible, resumable iteration jobs for BullMQ.
 * The public surface, listed by name; everything else is internal.
 */
export type { BackendKind, Connection, ConnectOptions } from './connect.js';
export { connect, redisOptionsFromUrl } from './connect.js';
export type {
  AnyIterationJob,
  BuildEnumeratorArgs,
  BuiltEnumerator,
  EnqueueTarget,
  IterationCallback,
  IterationContext,
  IterationJob,
  IterationJobDefinition,
  MaybePromise,
} from './define-job.js';
export { defineIterationJob } from './define-job.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded/pglite-server.js';
export { startEmbeddedPostgres } from './embedded/pglite-server.js';
export type {
  EnumeratorPair,
  EnumeratorSource,
  IterationEnumerator,
  SizedEnumerator,
} from './enumerator.js';
export {
  CheckpointError,
  CursorError,
  EnumeratorError,
  IterationDefinitionError,
  ParamsError,
  UnknownJobError,
} from './errors.js';
export type {
  IterationEvent,
  IterationEventName,
  IterationThrottledEvent,
  IterationWorkerEvents,
} from './events.js';
export type { JsonObject, JsonPrimitive, JsonValue } from './json.js';
export type { CheckpointMode, IterationOptions } from './options.js';
export { BULLMQ_OVERRIDES, ITERATION_DEFAULTS } from './options.js';
export type { InterruptReason } from './runtime/interruption.js';
export { IterationInterrupt } from './runtime/interruption.js';
export type { IterationProgress, IterationStatus, ThrottleProgress } from './runtime/progress.js';
export type { IterationSummary } from './runtime/run.js';
export type {
  BackoffFunction,
  CombinedHealthCheckOptions,
  ConnectionsReading,
  EvaluateThrottleOptions,
  EventLoopDelayOptions,
  ExponentialBackoffOptions,
  HealthCheck,
  HealthCheckOptions,
  HealthCheckTiming,
  HealthProbe,
  HealthStatus,
  HealthVerdict,
  PgQueryable,
  PostgresConnectionsOptions,
  PostgresQuery,
  PostgresReplicationLagOptions,
  PostgresWritableOptions,
  ProbeOutcome,
  RedisInfoClient,
  RedisLatencyOptions,
  RedisMemoryOptions,
  RedisMemoryReading,
  RedisPingClient,
  ReplicationLagReading,
  ResolvedThrottle,
  ResolvedThrottleCondition,
  ResolveThrottleOptions,
  ThrottleCheck,
  ThrottleCheckContext,
  ThrottleCondition,
  ThrottleDecision,
  ThrottleEvaluation,
  ThrottleFunctionCondition,
  ThrottleHealthCondition,
  ThrottleLogger,
  ThrottleOption,
  ThrottleStats,
  WritableReading,
} from './throttle/index.js';
export {
  allOf,
  anyOf,
  combineThrottles,
  decideConnections,
  decideEventLoopDelay,
  decideRedisLatency,
  decideRedisMemory,
  decideReplicationLag,
  decideWritable,
  DEFAULT_CHECK_TIMEOUT_MS,
  defaultBackoff,
  evaluateThrottle,
  eventLoopDelay,
  EXPONENTIAL_BACKOFF_DEFAULTS,
  exponentialBackoff,
  formatDuration,
  formatThrottleStats,
  HEALTH_CHECK_DEFAULTS,
  healthCheck,
  isHealthCheck,
  NO_THROTTLE,
  NO_THROTTLE_STATS,
  pgPoolQuery,
  postgresConnections,
  postgresReplicationLag,
  postgresWritable,
  readRedisMemory,
  readThrottleStats,
  recordPassed,
  recordResumed,
  recordThrottled,
  redisLatency,
  redisMemory,
  resolveThrottle,
  throttleHealthChecks,
  warmUpThrottle,
} from './throttle/index.js';
export type { IterationWorkerListener, IterationWorkerOptions } from './worker.js';
export { IterationWorker } from './worker.js';
