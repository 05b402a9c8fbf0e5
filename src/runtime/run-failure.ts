/**
 * An error on its way from where it was thrown to the run's lifecycle, with whether the job's own
 * code threw it (its step, `interruptWhen`, a lifecycle callback) rather than the runtime's
 * infrastructure (the enumerator, the stores). The run classifies the two differently: errors of
 * the job's code are transient only when it marked them (`TransientError`); infrastructure errors
 * are recognised by their codes (see transient.ts).
 */
export class RunFailure {
  constructor(
    readonly error: unknown,
    readonly jobCode: boolean,
  ) {}

  /** The error and its origin, whatever was thrown: anything but a RunFailure is the runtime's. */
  static of(thrown: unknown): RunFailure {
    return thrown instanceof RunFailure ? thrown : new RunFailure(thrown, false);
  }
}
