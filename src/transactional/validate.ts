/** Definition-time checks of `transactional`, called by validateDefinition. */
import { IterationDefinitionError } from '../errors.js';
import type { Transactional } from './adapter.js';

export function validateTransactional(definition: Record<string, unknown>, name: string): void {
  const adapter = definition.transactional;
  if (adapter === undefined) return;
  const a = adapter as Partial<Transactional<unknown>> | null;
  if (typeof a?.begin !== 'function' || typeof a.wrap !== 'function' || a.options === undefined) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`transactional\` must be made by pgTransactions(pool) or ` +
        `pgliteTransactions(db), got ${describe(adapter)}. E.g. transactional: pgTransactions(pool).`,
      name,
    );
  }
  if (definition.steps !== undefined) {
    // The data database keeps one cursor per job; a job made of steps has one per step.
    throw new IterationDefinitionError(
      `Iteration job "${name}" has both \`transactional\` and \`steps\`, which do not work ` +
        'together yet: the cursor kept in the data database belongs to one enumerator. Make the ' +
        'transactional phase a job of its own, enqueued by the step before it.',
      name,
    );
  }
  if (definition.itemErrors !== undefined) {
    throw new IterationDefinitionError(
      `Iteration job "${name}" has both \`transactional\` and \`itemErrors\`, which do not work ` +
        'together yet: a transactional item that fails is rolled back and its retry resumes at it. ' +
        'Remove `itemErrors`, or handle the failure inside eachIteration with a SAVEPOINT.',
      name,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  return 'an object without begin/wrap (a pg.Pool itself? wrap it in pgTransactions)';
}
