/**
 * The params `enqueue` stores: `undefined` properties dropped (as `JSON.stringify` would, so
 * `{ since: undefined }` is `{}`), then the job's `parseParams` (its output is what is stored:
 * a coercing parser's result, not the raw input), then the JSON check, so a `Date` or a `BigInt`
 * is refused with the job's name and the path instead of crashing inside `queue.add`.
 */
import { IterationDefinitionError } from './errors.js';
import { describeNonJson, withoutUndefined } from './json.js';

/** The part of a definition that decides what is stored. */
export interface ParamsParser<P> {
  readonly name: string;
  readonly parseParams?: ((data: unknown) => P) | undefined;
}

export function enqueuedParams<P>(definition: ParamsParser<P>, params: P): P {
  const input = withoutUndefined(params);
  const data = definition.parseParams ? parse(definition, input) : input;
  const stored = withoutUndefined(data);
  const problem = describeNonJson(stored, 'params');
  if (problem !== undefined) {
    throw new IterationDefinitionError(
      `Cannot enqueue iteration job "${definition.name}": its params must be plain JSON data, ` +
        `but ${problem}${definition.parseParams ? ' (after parseParams)' : ''}.`,
      definition.name,
    );
  }
  return stored;
}

function parse<P>(definition: ParamsParser<P>, params: unknown): P {
  try {
    return definition.parseParams!(params);
  } catch (error) {
    throw new IterationDefinitionError(
      `Cannot enqueue iteration job "${definition.name}": parseParams rejected its params: ` +
        `${error instanceof Error ? error.message : String(error)}`,
      definition.name,
    );
  }
}
