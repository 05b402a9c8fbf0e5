/** The registry of a worker's iteration jobs, by name, checked once when the worker is built. */
import type { AnyIterationJob, IterationJobDefinition } from './define-job.js';
import { IterationDefinitionError } from './errors.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

export function buildRegistry(
  jobs: readonly AnyIterationJob[],
  owner: string,
): Map<string, Definition> {
  if (!Array.isArray(jobs) || jobs.length === 0) {
    throw new IterationDefinitionError(
      `${owner}: expected a non-empty array of iteration jobs (from defineIterationJob), got ${
        Array.isArray(jobs) ? 'an empty array' : typeof jobs
      }.`,
    );
  }
  const registry = new Map<string, Definition>();
  for (const job of jobs) {
    const definition = (job as { definition?: unknown } | undefined)?.definition;
    if (typeof definition !== 'object' || definition === null) {
      throw new IterationDefinitionError(
        `${owner}: every entry of the job list must come from defineIterationJob; got ${typeof job}.`,
      );
    }
    if (registry.has(job.name)) {
      throw new IterationDefinitionError(
        `${owner}: two iteration jobs are named "${job.name}". Job names select the code that runs ` +
          'a job, so they must be unique within a worker; rename one of them.',
        job.name,
      );
    }
    registry.set(job.name, definition as Definition);
  }
  return registry;
}
