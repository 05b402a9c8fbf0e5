/**
 * bullmq-iteration: interruptible, resumable iteration jobs for BullMQ.
 * The public surface, listed by name; everything else is internal.
 */
export type { BackendChoice } from './backend-choice.js';
export { BACKEND_ENV } from './backend-choice.js';
export { CLUSTER_PREFIX } from './backends/redis-cluster.js';
export type { BackendKind, Connection, ConnectOptions, QueueConnection } from './connect.js';
export { connect } from './connect.js';
export { BackendAuthError } from './connect-errors.js';
export type {
  AuditAction,
  AuditEntry,
  AuditOptions,
  AuditSource,
  BulkAction,
  BulkPreview,
  BulkResult,
  ControlAction,
  ControlOptions,
  ControlQueue,
  ControlRequest,
  FailedItemEntry,
  FailedItems,
  FinishedRun,
  Hold,
  HoldOptions,
  IterationRunInfo,
  ListRunsOptions,
  MigrationRecord,
  ReplayOptions,
  ReplayQueue,
  RestartedRun,
  RestartOptions,
  RestartRecord,
  RetryOptions,
  RunPage,
  RunPageOptions,
  RunQuery,
  RunRateInfo,
  RunStatus,
  RunTags,
  RunVersionInfo,
  WaitForRunOptions,
} from './control/index.js';
export {
  cancelRun,
  controlRuns,
  getFailedItems,
  getRun,
  holdRuns,
  listHolds,
  listRuns,
  pageRuns,
  pauseRun,
  previewBulk,
  releaseHold,
  restartRun,
  resumeRun,
  retryFailedItems,
  retryRun,
  RunFailedError,
  RunWaitTimeoutError,
  setRunRate,
  waitForRun,
} from './control/index.js';
export type { CsvUploadOption } from './csv-upload-option.js';
export {
  createDashboardHandler,
  type DashboardAccess,
  type DashboardAuthorize,
  type DashboardHandler,
  type DashboardOptions,
  type DashboardQueue,
  type DashboardUploads,
  type DashboardVerdict,
} from './dashboard/index.js';
export type {
  AnyIterationJob,
  BuildEnumeratorArgs,
  BuiltEnumerator,
  ChosenCursor,
  DefinitionInput,
  EnqueueTarget,
  ItemContext,
  IterationCallback,
  IterationContext,
  IterationJob,
  IterationJobDefinition,
  IterationStep,
  IterationStepsJob,
  JsonChecked,
  MaybePromise,
  StepsJobDefinition,
} from './define-job.js';
export { defineIterationJob } from './define-job.js';
export { MissingPeerError } from './embedded/optional-peer.js';
export type {
  EmbeddedDatabase,
  EmbeddedPostgres,
  EmbeddedPostgresOptions,
} from './embedded/pglite-server.js';
export { startEmbeddedPostgres } from './embedded/pglite-server.js';
export type { EnqueueOptions } from './enqueue.js';
export type {
  BufferedIterator,
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
  RedisClusterScanClient,
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
  ItemTimeoutError,
  IterationDefinitionError,
  MigrationError,
  ParamsError,
  RedisClusterError,
  RunControlError,
  TransientError,
  UnknownJobError,
  VersionSkewError,
} from './errors.js';
export type {
  IterationEvent,
  IterationEventName,
  IterationItemSkippedEvent,
  IterationRecoveringEvent,
  IterationStepEvent,
  IterationThrottledEvent,
  IterationWorkerEvents,
} from './events.js';
export type { JsonCompatible, JsonObject, JsonPrimitive, JsonValue } from './json.js';
export type { LoggerLevel, LoggerOption } from './logger-option.js';
export type { CheckpointMode, IterationOptions } from './options.js';
export { BULLMQ_OVERRIDES, ITERATION_DEFAULTS } from './options.js';
export * from './parallel/index.js';
export type {
  ParamsIssue,
  StandardIssue,
  StandardResult,
  StandardSchema,
  StandardSchemaProps,
} from './params-schema.js';
export { ParamsValidationError } from './params-schema.js';
export type {
  ArrayPartitionsOptions,
  CsvPartition,
  CsvPartitionsOptions,
  KeysetPartition,
  KeysetPartitionsOptions,
  KeysetSampling,
  RangePartition,
  RangePartitionsOptions,
  SplitKeysetOptions,
  SplitRangeOptions,
} from './partitions/index.js';
export {
  arrayPartitions,
  csvPartitions,
  keysetPartitions,
  rangePartitions,
  splitKeyset,
  splitRange,
} from './partitions/index.js';
export type { RedisClusterNode, RedisClusterUrlOptions, RedisUrlOptions } from './redis-url.js';
export {
  isRedisClusterUrl,
  redactUrl,
  redisClusterOptionsFromUrl,
  redisOptionsFromUrl,
} from './redis-url.js';
export type { HeadersLike, RetryAfterOptions, RetryAfterScope } from './retry-after.js';
export { RetryAfter } from './retry-after.js';
export type { InterruptReason, StopReason } from './runtime/interruption.js';
export { IterationInterrupt } from './runtime/interruption.js';
export type { FailedItem, ItemErrorPolicy } from './runtime/item-policy.js';
export { ITEM_POLICY_DEFAULTS } from './runtime/item-policy.js';
export type { IterationSummary } from './runtime/ledger.js';
export type { IterationProgress, IterationStatus, ThrottleProgress } from './runtime/progress.js';
export type { RateOption } from './runtime/run-rate.js';
export type { StepState } from './runtime/step-state.js';
export { isTransientError } from './runtime/transient.js';
export type {
  IterationTelemetryOption,
  IterationTelemetryOptions,
  MeterProviderLike,
  TracerProviderLike,
} from './telemetry/options.js';
export type {
  Migration,
  MigrationResult,
  Migrations,
  MigrationState,
  VersionOptions,
} from './versions-definition.js';
// What a job needs to throttle on its resources. Authors of custom health checks and runners find
// the rest (healthCheck, the pure decide* functions, evaluateThrottle, throttle bookkeeping) at
// the `bullmq-iteration/throttle` subpath: see docs/guides/throttling.md.
export { idempotencyKey } from './runtime/idempotency.js';
export type {
  BackoffFunction,
  CombinedHealthCheckOptions,
  EventLoopDelayOptions,
  ExponentialBackoffOptions,
  HealthCheck,
  PostgresConnectionsOptions,
  PostgresReplicationLagOptions,
  PostgresWritableOptions,
  RedisInfoClient,
  RedisLatencyOptions,
  RedisMemoryOptions,
  RedisPingClient,
  ThrottleCheck,
  ThrottleCheckContext,
  ThrottleCondition,
  ThrottleFunctionCondition,
  ThrottleHealthCondition,
  ThrottleOption,
} from './throttle/index.js';
export {
  allOf,
  anyOf,
  eventLoopDelay,
  EXPONENTIAL_BACKOFF_DEFAULTS,
  exponentialBackoff,
  postgresConnections,
  postgresReplicationLag,
  postgresWritable,
  redisLatency,
  redisMemory,
} from './throttle/index.js';
export type { Transactional } from './transactional/adapter.js';
export { TransactionMisuseError } from './transactional/errors.js';
export type {
  IsolationLevel,
  ResolvedTransactionalOptions,
  TransactionalOptions,
} from './transactional/options.js';
export { TRANSACTIONAL_DEFAULTS } from './transactional/options.js';
export type { PgTxClient, PgTxPool, PoolClientOf } from './transactional/pg.js';
export { pgTransactions } from './transactional/pg.js';
export type { PgliteTx, PgliteTxDatabase } from './transactional/pglite.js';
export { pgliteTransactions } from './transactional/pglite.js';
export type {
  IterationWorkerListener,
  IterationWorkerOptions,
  UnknownJobProgress,
  WaitingForVersionProgress,
} from './worker.js';
export { IterationWorker } from './worker.js';
