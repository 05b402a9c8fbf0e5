/**
 * Option and cursor checks shared by the builders. Every message names the builder, shows the bad
 * value and says what was expected, because the person reading it is looking at a failed job, not
 * at the code that built the enumerator.
 */
import { CursorError, EnumeratorError } from '../errors.js';
import { preview } from '../json.js';

/** `value` rendered with its type, for messages: `` `"ten"` (string) ``. */
export function shown(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${preview(value)}\` (${type})`;
}

/** An EnumeratorError for option `name` of builder `source`. */
export function optionError(
  source: string,
  name: string,
  value: unknown,
  expected: string,
): EnumeratorError {
  return new EnumeratorError(
    `${source}: expected \`${name}\` to be ${expected}, got ${shown(value)}.`,
    { source },
  );
}

/**
 * A CursorError for a cursor whose shape does not fit the builder. The usual cause is a cursor saved
 * by an older version of the job (other columns, another builder), so the message says how out.
 */
export function cursorError(source: string, cursor: unknown, expected: string): CursorError {
  return new CursorError(
    `${source}: cannot resume from cursor ${shown(cursor)}: expected ${expected}. ` +
      `A cursor that does not fit was usually saved by another version of the job; restart the ` +
      `job from the beginning (cursor null) or convert the saved cursor to the new shape.`,
    { cursor },
  );
}

export function positiveInteger(source: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw optionError(source, name, value, 'a positive integer');
  }
  return value;
}

export function safeInteger(source: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw optionError(source, name, value, 'an integer');
  }
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The options object itself: a builder called with nothing, or with a bare value, says so. */
export function optionsObject(source: string, options: unknown, example: string): void {
  if (!isObject(options)) {
    throw new EnumeratorError(
      `${source}: expected an options object, got ${shown(options)}. Example: ${example}`,
      { source },
    );
  }
}

/** A natural number usable as a cursor or offset (0, 1, 2, …). */
export function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Whether `value` can be iterated like an enumerator (sync or async). */
export function isEnumeratorSource(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

/** Checks one pair yielded by an enumerator a builder wraps; `origin` says which one. */
export function checkPair(
  source: string,
  origin: string,
  pair: unknown,
): asserts pair is readonly [unknown, unknown] {
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new EnumeratorError(
      `${source}: ${origin} yielded ${shown(pair)}; expected an [item, cursor] pair.`,
      { source },
    );
  }
}
