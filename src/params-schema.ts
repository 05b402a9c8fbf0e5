/**
 * Typed params from a schema: `params:` in a job definition accepts any Standard Schema validator
 * (zod, valibot, arktype and others implement the interface; this library depends on none of
 * them). The schema types `ctx.params` and `enqueue`, checks the params at enqueue and again when
 * a run starts, with the schema's own messages, and gives the console its form (a JSON Schema
 * when the library can produce one).
 *
 * At run start the schema runs as `parseParams` does (one function the runtime calls in one
 * place): it is combined with the job's own `parseParams`, if any, schema first.
 */
import { IterationDefinitionError } from './errors.js';

/** The Standard Schema interface (v1), as zod 3.24+, valibot 1+ and arktype 2+ implement it. */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** One problem the schema found: where (`email`, `filters.0.since`; '' for the whole value) and what. */
export interface ParamsIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The params of a job were refused by its `params` schema. `issues` lists the schema's own
 * messages by path, for a form to show beside each field.
 */
export class ParamsValidationError extends IterationDefinitionError {
  override readonly name: string = 'ParamsValidationError';
  readonly issues: readonly ParamsIssue[];

  constructor(jobName: string, issues: readonly ParamsIssue[], when: string) {
    super(
      `${when} iteration job "${jobName}": its params schema refused the params: ${formatIssues(issues)}.`,
      jobName,
    );
    this.issues = issues;
  }
}

/** Whether `value` implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchema {
  const props = (value as { '~standard'?: Partial<StandardSchemaProps> } | null)?.['~standard'];
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof props === 'object' &&
    props !== null &&
    props.version === 1 &&
    typeof props.validate === 'function'
  );
}

/** Issues as one line: `email: Invalid email; count: Expected number, received string`. */
export function formatIssues(issues: readonly ParamsIssue[]): string {
  return issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ');
}

function issuesOf(issues: readonly StandardIssue[]): ParamsIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
      .join('.'),
    message: issue.message,
  }));
}

/**
 * Validates `value` with `schema` and returns the schema's output, at once for a synchronous
 * schema (most are), as a promise for an asynchronous one; throws (or rejects with)
 * {@link ParamsValidationError} naming the job and each issue.
 *
 * @example
 * ```ts
 * const params = await validateParams(z.object({ segment: z.string() }), input, 'notify-users');
 * ```
 */
export function validateParams<Output>(
  schema: StandardSchema<unknown, Output>,
  value: unknown,
  jobName: string,
): Output | Promise<Output> {
  const outcome = (result: StandardResult<Output>): Output => {
    if (result.issues !== undefined) {
      throw new ParamsValidationError(jobName, issuesOf(result.issues), 'Cannot enqueue');
    }
    return result.value;
  };
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(outcome) : outcome(result);
}

/**
 * The definition as the runtime reads it: with a `params` schema, its `parseParams` becomes the
 * schema's check followed by the job's own `parseParams`. A schema that answers asynchronously
 * is checked at enqueue only (the runtime reads params synchronously), so its runs trust what
 * `enqueue` stored. Throws an {@link IterationDefinitionError} when `params` is not a schema.
 */
export function withParamsSchema<D extends { readonly name: string; readonly params?: unknown }>(
  definition: D,
): D {
  const schema = definition.params;
  if (schema === undefined) return definition;
  if (!isStandardSchema(schema)) {
    throw new IterationDefinitionError(
      `Iteration job "${definition.name}": \`params\` must be a Standard Schema validator (a zod, ` +
        `valibot or arktype schema, e.g. z.object({ segment: z.string() })); got ${typeof schema}. ` +
        'For a plain function, use `parseParams` instead.',
      definition.name,
    );
  }
  const own = (definition as { parseParams?: (data: unknown) => unknown }).parseParams;
  const parseParams = (data: unknown): unknown => {
    const result = schema['~standard'].validate(data);
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return own === undefined ? data : own(data);
    }
    if (result.issues !== undefined) {
      // parseJobParams wraps this message in a ParamsError naming the job and the data.
      throw new Error(`its params schema refused them: ${formatIssues(issuesOf(result.issues))}`);
    }
    return own === undefined ? result.value : own(result.value);
  };
  const combined = { ...definition, parseParams };
  ownParsers.set(combined, own);
  return combined;
}

/** The job's own parseParams, kept apart from the combined one so enqueue can await the schema. */
const ownParsers = new WeakMap<object, ((data: unknown) => unknown) | undefined>();

/**
 * The schema and the job's own `parseParams` of a definition made by `withParamsSchema` (or of
 * one with a schema that did not come from `defineIterationJob`: then every `parseParams` is its
 * own), or `undefined` for a definition without a schema.
 */
export function paramsSchemaOf(
  definition: object,
): { schema: StandardSchema; own: ((data: unknown) => unknown) | undefined } | undefined {
  const schema = (definition as { params?: unknown }).params;
  if (!isStandardSchema(schema)) return undefined;
  const own = ownParsers.has(definition)
    ? ownParsers.get(definition)
    : (definition as { parseParams?: (data: unknown) => unknown }).parseParams;
  return { schema, own };
}
