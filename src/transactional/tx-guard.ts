/**
 * Watches what a step does with `ctx.tx`, so the one transaction that holds both the item's effects
 * and its cursor stays whole. The runtime owns BEGIN and COMMIT: a step that sends its own
 * transaction control (BEGIN, COMMIT, ROLLBACK, END, ABORT, PREPARE TRANSACTION), calls the
 * client's release or rollback, leaves a query running when it returns, or keeps `ctx.tx` and uses
 * it after its step, gets a {@link TransactionMisuseError}. Savepoints are fine: they nest inside
 * the item's transaction.
 */
import { TransactionMisuseError } from './errors.js';

/**
 * Statements that end or open a transaction. `ROLLBACK TO [SAVEPOINT]` and `RELEASE` are left
 * alone. Checked at the start of the text and after each `;` (a multi-statement string); a `;`
 * inside a string literal could be misread, which only ever refuses, never lets through.
 */
const CONTROL =
  /(?:^|;)\s*(?:begin|start\s+transaction|commit|end|abort|prepare\s+transaction|rollback(?!\s+to\b))\b/i;
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/;

export class TxGuard {
  /** Queries sent through `ctx.tx` and not yet answered. */
  #pending = 0;
  #open = true;
  /** The first misuse seen; the transaction is rolled back with it even if the step caught it. */
  misuse: TransactionMisuseError | undefined;
  /** Errors of statements sent through `ctx.tx`: the runtime's connection, not the job's code. */
  readonly #statementErrors = new WeakSet<object>();
  readonly #jobName: string;
  readonly #label: string;

  constructor(jobName: string, label: string) {
    this.#jobName = jobName;
    this.#label = label;
  }

  /** Called with each statement's text before it is sent; throws on misuse. */
  readonly statement = (text: string): void => {
    if (!this.#open) throw this.#after();
    if (CONTROL.test(text.replace(LEADING_COMMENTS, ''))) {
      throw this.#record(
        `The step of ${this.#label} sent "${text.trim().slice(0, 60)}" on ctx.tx. ctx.tx is ` +
          'already inside the item’s transaction, which the runtime begins and commits with the ' +
          'cursor; a step must not begin, commit or roll back transactions itself. Use SAVEPOINT ' +
          'for a nested unit, or throw to roll the item back.',
      );
    }
  };

  /** Refuses a method that would end the transaction or give its connection away. */
  readonly refuse = (method: string): never => {
    if (!this.#open) throw this.#after();
    throw this.#record(
      `The step of ${this.#label} called ctx.tx.${method}(): the runtime releases the connection ` +
        'and ends the transaction after the cursor is written. Throw to roll the item back.',
    );
  };

  /** Counts a query in flight; the promise is returned unchanged in what it resolves to. */
  track<T>(result: T): T {
    const thenable = result as { then?: unknown };
    if (typeof thenable?.then !== 'function') return result;
    this.#pending++;
    const settle = () => void this.#pending--;
    (result as Promise<unknown>).then(settle, (error: unknown) => {
      settle();
      if (typeof error === 'object' && error !== null) this.#statementErrors.add(error);
    });
    return result;
  }

  /** True when `error` is the error of a statement sent through `ctx.tx`. */
  isStatementError(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.#statementErrors.has(error);
  }

  /** The step returned: throws when it misused ctx.tx or left a query running. */
  finish(): void {
    if (this.misuse !== undefined) throw this.misuse;
    if (this.#pending > 0) {
      throw this.#record(
        `The step of ${this.#label} returned while ${this.#pending} query(s) on ctx.tx were still ` +
          'running; they would land after the cursor. Await every query on ctx.tx inside the step.',
      );
    }
  }

  /** The transaction is over: any later use of ctx.tx is refused. */
  close(): void {
    this.#open = false;
  }

  #record(message: string): TransactionMisuseError {
    this.misuse ??= new TransactionMisuseError(message, this.#jobName);
    return this.misuse;
  }

  #after(): TransactionMisuseError {
    return new TransactionMisuseError(
      `ctx.tx of ${this.#label} was used after the step that received it returned: its ` +
        'transaction is already committed or rolled back. Use ctx.tx only inside eachIteration, ' +
        'and await every query there; do not keep it in a variable or a callback.',
      this.#jobName,
    );
  }
}
