/** The error of a step that misuses `ctx.tx`. */
import { UnrecoverableError } from 'bullmq';

/**
 * A step used `ctx.tx` in a way that would break the fence: it began, committed or rolled back the
 * item's transaction itself, released its connection, left a query running when it returned, or
 * used `ctx.tx` after its step was over. The item's transaction is rolled back; the job fails
 * without retry, since the same code would do it again.
 */
export class TransactionMisuseError extends UnrecoverableError {
  override readonly name = 'TransactionMisuseError';
  /** Name of the iteration job. */
  readonly jobName: string;

  constructor(message: string, jobName: string) {
    super(message);
    this.jobName = jobName;
  }
}
