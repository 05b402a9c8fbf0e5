/**
 * The JSON Schema of a job's params, for the console's "New run" form, from whatever the job's
 * Standard Schema library can produce: the Standard JSON Schema interface (zod 4.2+, arktype),
 * else the library's own converter (`toJSONSchema()` of zod 4, `toJsonSchema()` of arktype).
 * `undefined` when there is none (valibot without its adapter, a schema with transforms that
 * cannot be converted): the form is then a JSON editor.
 */
import { paramsSchemaOf } from '../../params-schema.js';

/** The parts of JSON Schema the form reads; anything else is ignored. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly items?: JsonSchema;
  readonly default?: unknown;
  readonly description?: string;
  readonly title?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly anyOf?: readonly JsonSchema[];
}

type Converter = () => unknown;

/** The params' JSON Schema of a job definition, or `undefined`. Never throws. */
export function paramsJsonSchema(definition: object): JsonSchema | undefined {
  const found = paramsSchemaOf(definition);
  if (found === undefined) return undefined;
  const schema = found.schema as unknown as Record<string, unknown> & {
    '~standard': { jsonSchema?: { input?: (options: { target: string }) => unknown } };
  };
  const converters: Converter[] = [
    () => schema['~standard'].jsonSchema?.input?.({ target: 'draft-2020-12' }),
    () => (schema.toJSONSchema as Converter | undefined)?.call(schema),
    () => (schema.toJsonSchema as Converter | undefined)?.call(schema),
  ];
  for (const convert of converters) {
    try {
      const result = convert();
      if (typeof result === 'object' && result !== null) return result as JsonSchema;
    } catch {
      // A schema the library cannot express in JSON Schema (a transform, a custom check).
    }
  }
  return undefined;
}
