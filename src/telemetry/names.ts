/**
 * The names this library gives its spans, span events, attributes and metrics: one list, so the
 * observability guide, the code and the tests cannot drift apart. Attribute keys shared with
 * BullMQ's own spans (`bullmq.queue.name`, `bullmq.job.name`, `bullmq.job.id`) are spelled as
 * BullMQ spells them, so one query finds both.
 */

/** Instrumentation scope of the tracer and the meter. */
export const INSTRUMENTATION_NAME = 'bullmq-iteration';

/** The span of one run is named `iteration.run <job name>`. */
export const RUN_SPAN_PREFIX = 'iteration.run';

/** The span of one execution of a parallel run's parent job: `iteration.parent <job name>`. */
export const PARENT_SPAN_PREFIX = 'iteration.parent';

export const ATTR = {
  queue: 'bullmq.queue.name',
  jobName: 'bullmq.job.name',
  jobId: 'bullmq.job.id',
  /** In a parallel run's partition: its position in the plan (from 0), and the run's parent job id. */
  partition: 'bullmq.iteration.partition',
  parallelRun: 'bullmq.iteration.run_id',
  /** On a parent's span: how many partitions the run's plan has, once planned. */
  partitions: 'bullmq.iteration.partitions',
  /** On a parent's span: the phase it reached, see {@link ParentPhase}. */
  phase: 'bullmq.iteration.phase',
  /** On a parent's span: the items the partitions will finish in all, when their enumerators know. */
  total: 'bullmq.iteration.total',
  /** Items finished by this run. */
  items: 'bullmq.iteration.items',
  /** Items finished over the life of the job, at the end of the run (a parent: summed over partitions). */
  processed: 'bullmq.iteration.processed',
  /** How the run ended: see {@link RunOutcome}. */
  outcome: 'bullmq.iteration.outcome',
  /** Why it was interrupted (`shutdown`, `max-runtime`, ...), when it was. */
  interruptReason: 'bullmq.iteration.interrupt.reason',
  /** The throttle condition that held, and what it saw, when the run was throttled. */
  throttleCondition: 'bullmq.iteration.throttle.condition',
  throttleReason: 'bullmq.iteration.throttle.reason',
  throttleDelayMs: 'bullmq.iteration.throttle.delay_ms',
  /** An operator's reason for a pause or a cancel. */
  controlReason: 'bullmq.iteration.control.reason',
  /** Status of a finished run, on the `runs` counter. */
  status: 'bullmq.iteration.status',
} as const;

/** Metric names (OpenTelemetry spelling; the observability guide lists the Prometheus ones). */
export const METRIC = {
  itemsProcessed: 'bullmq.iteration.items.processed',
  itemDuration: 'bullmq.iteration.item.duration',
  checkpointLagItems: 'bullmq.iteration.checkpoint.lag.items',
  checkpointLagTime: 'bullmq.iteration.checkpoint.lag.time',
  throttledTime: 'bullmq.iteration.throttled.time',
  interruptions: 'bullmq.iteration.interruptions',
  runs: 'bullmq.iteration.runs',
  runProcessed: 'bullmq.iteration.run.processed',
  runTotal: 'bullmq.iteration.run.total',
  runActive: 'bullmq.iteration.run.active',
} as const;

/**
 * How a run ended, on its span (`bullmq.iteration.outcome`) and on the `runs` counter
 * (`bullmq.iteration.status`). `requeue-failed`: the job could not be moved back to its queue and
 * is left to BullMQ's stalled check.
 */
export type RunOutcome =
  | 'completed'
  | 'cancelled'
  | 'interrupted'
  | 'throttled'
  | 'recovering'
  | 'paused'
  | 'lock-lost'
  | 'failed'
  | 'requeue-failed';

/**
 * How far one execution of a parallel run's parent got: `planning` (its plan not stored yet),
 * `waiting` (planned: adding partitions and waiting for them), `completing` (every partition
 * completed; onComplete and the summary).
 */
export type ParentPhase = 'planning' | 'waiting' | 'completing';

/**
 * How one execution of a parent ended, on its span (`bullmq.iteration.outcome`):
 * `waiting-children` when it went back to sleep until its partitions finish, `paused` when an
 * operator's pause parked it before planning, `lock-lost` when another worker took it over.
 */
export type ParentOutcome =
  'completed' | 'cancelled' | 'failed' | 'waiting-children' | 'paused' | 'lock-lost';
