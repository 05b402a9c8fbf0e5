/**
 * bullmq-iteration: interruptible, resumable iteration jobs for BullMQ.
 * The public surface, listed by name; everything else is internal.
 */
export type { BackendChoice } from './backend-choice.js';
export { BACKEND_ENV } from './backend-choice.js';
export type { BackendKind, Connection, ConnectOptions } from './connect.js';
export { connect } from './connect.js';
export type {
  ControlAction,
  ControlOptions,
  ControlQueue,
  ControlRequest,
  FailedItems,
  IterationRunInfo,
  ListRunsOptions,
  ReplayQueue,
  RestartedRun,
  RestartOptions,
  RestartRecord,
  RunStatus,
} from './control/index.js';
export {
  cancelRun,
  getFailedItems,
  getRun,
  listRuns,
  pauseRun,
  restartRun,
  resumeRun,
  retryFailedItems,
} from './control/index.js';
export {
  createDashboardHandler,
  type DashboardAccess,
  type DashboardAuthorize,
  type DashboardHandler,
  type DashboardOptions,
  type DashboardQueue,
} from './dashboard/index.js';
export type {
  AnyIterationJob,
  BuildEnumeratorArgs,
  BuiltEnumerator,
  ChosenCursor,
  DefinitionInput,
  EnqueueTarget,
  IterationCallback,
  IterationContext,
  IterationJob,
  IterationJobDefinition,
  JsonChecked,
  MaybePromise,
} from './define-job.js';
export { defineIterationJob } from './define-job.js';
export { MissingPeerError } from './embedded/optional-peer.js';
export type {
  EmbeddedDatabase,
  EmbeddedPostgres,
  EmbeddedPostgresOptions,
} from './embedded/pglite-server.js';
export { startEmbeddedPostgres } from './embedded/pglite-server.js';
export type {
  EnumeratorPair,
  EnumeratorSource,
  IterationEnumerator,
  SizedEnumerator,
  WeighedEnumerator,
} from './enumerator.js';
export type { ArrayCursor, ArrayOptions } from './enumerators/array.js';
export { array } from './enumerators/array.js';
export { batches } from './enumerators/batches.js';
export type { CsvColumns, CsvCursor, CsvOptions, CsvParserOptions } from './enumerators/csv.js';
export { csv, csvBatches } from './enumerators/csv.js';
export type { KeysetCursor, KeysetOptions } from './enumerators/keyset.js';
export { keyset, keysetBatches } from './enumerators/keyset.js';
export type {
  InnerBuilder,
  NestedCursor,
  NestedOptions,
  OuterBuilder,
} from './enumerators/nested.js';
export { nested } from './enumerators/nested.js';
export type { OnceOptions } from './enumerators/once.js';
export { once } from './enumerators/once.js';
export type { Page, PaginatedCursor, PaginatedOptions } from './enumerators/paginated.js';
export { paginated } from './enumerators/paginated.js';
export type { RangeCursor, RangeOptions } from './enumerators/range.js';
export { range, times } from './enumerators/range.js';
export type {
  RedisKeysCursor,
  RedisKeysOptions,
  RedisScanClient,
} from './enumerators/redis-keys.js';
export { redisKeys } from './enumerators/redis-keys.js';
export type {
  PgliteQueryable,
  PgQueryable,
  QueryField,
  QueryFunction,
  QueryResult,
} from './enumerators/sql/query.js';
export { pgliteQuery, pgQuery } from './enumerators/sql/query.js';
export {
  CheckpointError,
  CursorError,
  EnumeratorError,
  ItemFailuresExceededError,
  IterationDefinitionError,
  ParamsError,
  RunControlError,
  TransientError,
  UnknownJobError,
} from './errors.js';
export type {
  IterationEvent,
  IterationEventName,
  IterationItemSkippedEvent,
  IterationRecoveringEvent,
  IterationThrottledEvent,
  IterationWorkerEvents,
} from './events.js';
export type { JsonCompatible, JsonObject, JsonPrimitive, JsonValue } from './json.js';
export type { CheckpointMode, IterationOptions } from './options.js';
export { BULLMQ_OVERRIDES, ITERATION_DEFAULTS } from './options.js';
export type { RedisUrlOptions } from './redis-url.js';
export { redactUrl, redisOptionsFromUrl } from './redis-url.js';
export type { InterruptReason, StopReason } from './runtime/interruption.js';
export { IterationInterrupt } from './runtime/interruption.js';
export type { FailedItem, ItemErrorPolicy } from './runtime/item-policy.js';
export { ITEM_POLICY_DEFAULTS } from './runtime/item-policy.js';
export type { IterationSummary } from './runtime/ledger.js';
export type { IterationProgress, IterationStatus, ThrottleProgress } from './runtime/progress.js';
export { isTransientError } from './runtime/transient.js';
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
  PostgresConnectionsOptions,
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
export type {
  IterationWorkerListener,
  IterationWorkerOptions,
  UnknownJobProgress,
} from './worker.js';
export { IterationWorker } from './worker.js';
