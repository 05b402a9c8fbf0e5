/**
 * Key values in a `keyset` cursor: how each ordering column's value of a row becomes plain JSON and
 * goes back to PostgreSQL as a bound parameter, losing nothing. Drivers hand some types over
 * inexactly (a `timestamptz` becomes a JavaScript Date, cut to milliseconds; a custom type parser
 * may turn `numeric` into a float), and a key that comes back even a microsecond off makes the next
 * page repeat or skip rows. So only types every driver hands over exactly are read from the row;
 * the others are selected a second time as text by PostgreSQL itself.
 */
import { CursorError, EnumeratorError } from '../../errors.js';
import { preview } from '../../json.js';
import { quoteIdentifier } from './identifier.js';

/** A key value as stored in a cursor. */
export type KeyValue = string | number | boolean;

const BOOL = 16;
const INTEGER_TYPES = new Set([20, 21, 23, 26]); // int8, int2, int4, oid
// text, name, bpchar, varchar, uuid: pg and PGlite return them as the server's own text.
const TEXT_TYPES = new Set([25, 19, 1042, 1043, 2950]);
// date, time, timestamp, timestamptz, timetz: their text output follows the session's DateStyle,
// which may differ between the run that saved a cursor and the one that resumes; JSON output is
// always ISO 8601.
const TEMPORAL_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);

/** Whether a value of this type can be taken from the row as the driver returned it. */
export function isExactType(type: number): boolean {
  return type === BOOL || INTEGER_TYPES.has(type) || TEXT_TYPES.has(type);
}

/** SQL that selects `column` as exact text, for the types a driver may hand over inexactly. */
export function textExpression(column: string, type: number): string {
  const quoted = quoteIdentifier(column);
  return TEMPORAL_TYPES.has(type)
    ? `pg_catalog.to_json(${quoted}) #>> '{}'`
    : `${quoted}::pg_catalog.text`;
}

/** The cursor value of an exact-type column, from the value the driver returned. */
export function exactKey(value: unknown, column: string, source: string): KeyValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return String(value);
    case 'number':
      if (Number.isSafeInteger(value)) return value;
      break;
  }
  throw new EnumeratorError(
    `${source}: the driver returned ${preview(value)} (${typeof value}) for the ordering column ` +
      `"${column}", which cannot be stored exactly in a cursor. Expected a string, boolean, bigint ` +
      `or safe integer; a custom type parser that turns int8 into a Number loses digits above 2^53.`,
    { source },
  );
}

/** Checks a cursor value against the type of its column before it is bound to a parameter. */
export function checkKey(
  value: unknown,
  column: string,
  type: number,
  cursor: unknown,
  source: string,
): void {
  const ok =
    type === BOOL
      ? typeof value === 'boolean'
      : INTEGER_TYPES.has(type)
        ? (typeof value === 'number' && Number.isSafeInteger(value)) ||
          (typeof value === 'string' && /^-?\d+$/.test(value))
        : typeof value === 'string';
  if (!ok) {
    const expected =
      type === BOOL ? 'a boolean' : INTEGER_TYPES.has(type) ? 'an integer' : 'a string';
    throw new CursorError(
      `${source}: cannot resume from cursor ${preview(cursor)}: the value of "${column}" is ` +
        `${preview(value)}, expected ${expected} for the column's type. The cursor was probably ` +
        `saved by another version of the job; restart it from the beginning (cursor null) or ` +
        `convert the saved cursor.`,
      { cursor },
    );
  }
}
