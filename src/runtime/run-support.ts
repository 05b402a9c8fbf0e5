/** Small steps of a run that need none of its state: parsing params, sizing, naming errors. */
import type { Logger } from 'pino';

import { hasSize } from '../enumerator.js';
import { CursorError, EnumeratorError, ParamsError } from '../errors.js';

/** The job's params (its data, or what a replay job's data wraps) through `parseParams`. */
export function parseJobParams(
  definition: { readonly name: string; readonly parseParams?: (data: unknown) => unknown },
  data: unknown,
  label: string,
): unknown {
  const parse = definition.parseParams;
  if (parse === undefined) return data;
  try {
    return parse(data);
  } catch (error) {
    throw new ParamsError(
      `${label}: parseParams rejected the job's data: ` +
        `${error instanceof Error ? error.message : String(error)}. Fix the data and retry the job.`,
      { jobName: definition.name, params: data },
    );
  }
}

/** The enumerator's `size()`, or undefined when it has none, fails or answers nonsense. */
export async function enumeratorSize(source: unknown, logger: Logger): Promise<number | undefined> {
  if (!hasSize(source)) return undefined;
  try {
    const size = await source.size();
    return typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : undefined;
  } catch (error) {
    logger.warn({ err: error }, 'enumerator size() failed; progress shows no percentage');
    return undefined;
  }
}

/** Builders throw without knowing the job; the run names it in their errors. */
export function nameJobIn(error: unknown, jobName: string, label: string): void {
  if ((error instanceof CursorError || error instanceof EnumeratorError) && !error.jobName) {
    error.jobName = jobName;
    if (!error.message.includes(label)) error.message = `${label}: ${error.message}`;
  }
}
