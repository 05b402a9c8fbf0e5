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
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  return 'an object without begin/wrap (a pg.Pool itself? wrap it in pgTransactions)';
}
