/**
 * A stand-in for the BullMQ `Job` of an inline run: the fields and calls a job's own code reaches
 * through `ctx.job` (data, options, attempts, progress, logs, state), with no queue behind it. The
 * runtime itself needs only its id, name, queue name and data; BullMQ's moves (to delayed, failed,
 * completed) are the inline run's business, so they are not here.
 */
import type { JobProgress, JobsOptions, JobState } from 'bullmq';
import { Backoffs } from 'bullmq';

/** The BullMQ states an inline job goes through. */
export type InlineJobState = Extract<
  JobState,
  'waiting' | 'active' | 'delayed' | 'completed' | 'failed'
>;

export class InlineJob<Params = unknown> {
  readonly id: string;
  readonly name: string;
  readonly queueName: string;
  data: Params;
  readonly opts: JobsOptions;
  readonly timestamp = Date.now();
  readonly priority: number;
  progress: JobProgress = 0;
  returnvalue: unknown = null;
  failedReason: string | undefined;
  stacktrace: string[] = [];
  /** Finished attempts (completed or failed); a requeue does not count, as in BullMQ. */
  attemptsMade = 0;
  /** Times a run took the job, requeues included. */
  attemptsStarted = 0;
  stalledCounter = 0;
  delay = 0;
  processedOn: number | undefined;
  finishedOn: number | undefined;
  token: string | undefined;
  /** Lines written with `log()`. */
  readonly logs: string[] = [];
  state: InlineJobState = 'waiting';

  constructor(name: string, data: Params, opts: JobsOptions, where: { id: string; queue: string }) {
    this.id = where.id;
    this.name = name;
    this.queueName = where.queue;
    this.data = data;
    // What BullMQ's Job constructor does to the options the retry decision reads.
    const backoff = opts.backoff === undefined ? undefined : Backoffs.normalize(opts.backoff);
    this.opts = { attempts: 0, ...opts, ...(backoff === undefined ? {} : { backoff }) };
    this.priority = opts.priority ?? 0;
  }

  async getState(): Promise<InlineJobState> {
    return this.state;
  }

  /** Not fenced, as in BullMQ: data is the job's input, never its position. */
  async updateData(data: Params): Promise<void> {
    this.data = data;
  }

  async updateProgress(progress: JobProgress): Promise<void> {
    this.progress = progress;
  }

  async log(row: string): Promise<number> {
    return this.logs.push(row);
  }
}
