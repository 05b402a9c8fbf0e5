/**
 * Checks a job definition once, when `defineIterationJob` runs (or a worker is given a definition
 * made otherwise), so a broken definition fails when its module loads, with the job's name and a
 * corrected example.
 */
import { IterationDefinitionError } from './errors.js';
import { validateCheckpointMode, validateDuration, validateOptionalDuration } from './options.js';
import { validateParallelOptions } from './parallel/plan.js';
import { itemPolicyOf } from './runtime/item-policy.js';
import { itemTimeoutOf } from './runtime/item-timeout.js';
import { validateLimits } from './runtime/limits.js';
import { checkRate } from './runtime/run-rate.js';
import { hasSteps, validateSteps } from './steps-definition.js';
import type { ThrottleOption } from './throttle/condition.js';
import type { ResolvedThrottle } from './throttle/resolve.js';
import { resolveThrottle } from './throttle/resolve.js';
import { validateTransactional } from './transactional/validate.js';
import { validateVersions } from './versions-definition.js';

const EXAMPLE = `Example:
  defineIterationJob({
    name: 'backfill-users',
    buildEnumerator: ({ cursor }) => array(userIds, { cursor }),
    async eachIteration(userId, ctx) { await backfill(userId); },
  });`;

const CALLBACKS = ['parseParams', 'onStart', 'onResume', 'onShutdown', 'onComplete'] as const;

/** Throws on the first mistake; returns the resolved throttle, the one option worth keeping. */
export function validateDefinition(definition: unknown): ResolvedThrottle {
  if (typeof definition !== 'object' || definition === null) {
    throw new IterationDefinitionError(
      `defineIterationJob expects a definition object, got ${String(definition)}. ${EXAMPLE}`,
    );
  }
  const d = definition as Record<string, unknown>;
  const name = d.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new IterationDefinitionError(
      `An iteration job needs a non-empty string \`name\`, got ${JSON.stringify(name) ?? 'undefined'}. ${EXAMPLE}`,
    );
  }
  if (hasSteps(d)) validateSteps(d, name);
  for (const required of hasSteps(d) ? [] : (['buildEnumerator', 'eachIteration'] as const)) {
    if (typeof d[required] !== 'function') {
      throw new IterationDefinitionError(
        `Iteration job "${name}" is missing \`${required}\` (got ${typeof d[required]}); ` +
          `a job needs both buildEnumerator and eachIteration (or \`steps\`). ${EXAMPLE}`,
        name,
      );
    }
  }
  for (const callback of CALLBACKS) {
    if (d[callback] !== undefined && typeof d[callback] !== 'function') {
      throw new IterationDefinitionError(
        `Iteration job "${name}": \`${callback}\` must be a function, got ${typeof d[callback]}.`,
        name,
      );
    }
  }
  validateOptionalDuration(d.maxRuntimeMs, 'maxRuntimeMs', `iteration job "${name}"`);
  const defaults = d.defaultJobOptions;
  if (
    defaults !== undefined &&
    (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults))
  ) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`defaultJobOptions\` must be an object of BullMQ job options, ` +
        `got ${Array.isArray(defaults) ? 'an array' : String(defaults)}. E.g. defaultJobOptions: { attempts: 3 }`,
      name,
    );
  }
  validateCheckpointMode(d.checkpointMode, `iteration job "${name}"`);
  if (d.checkpointIntervalMs !== undefined) {
    validateDuration(d.checkpointIntervalMs, 'checkpointIntervalMs', `iteration job "${name}"`);
  }
  validateLimits(d, `iteration job "${name}"`);
  validateVersions(d, name);
  validateParallelOptions(d, name);
  itemPolicyOf(d as { name: string; itemErrors?: unknown });
  validateTransactional(d, name);
  itemTimeoutOf(d as { name: string });
  if (d.rate !== undefined) checkRate(d.rate, `Iteration job "${name}"`);
  return resolveThrottle(d.throttle as ThrottleOption | undefined, { jobName: name });
}
