/**
 * Plain JSON data: what a cursor or job params may hold so that they survive a round trip through
 * Redis or PostgreSQL unchanged. `JSON.stringify` silently turns a Date into a string, drops
 * `undefined` and functions and throws on BigInt and cycles; a cursor that changes shape on the way
 * to storage resumes the job at the wrong place, so the runtime checks values before writing them.
 */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue =
  JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * Returns `undefined` when `value` is plain JSON data, else a short description of the first part
 * that is not, with its path (`cursor.after[1]: a Date`).
 */
export function describeNonJson(value: unknown, path = 'value'): string | undefined {
  // Fast path: the cursors of hot loops are almost always numbers, strings or null.
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${String(value)} (not a finite number)`;
    case 'object':
      return value === null ? undefined : describeObject(value, path, new Set());
    case 'undefined':
      return `${path}: undefined`;
    case 'bigint':
      return `${path}: a BigInt (${String(value)}n); store it as a string`;
    default:
      return `${path}: a ${typeof value}`;
  }
}

function describeObject(value: object, path: string, seen: Set<object>): string | undefined {
  if (seen.has(value)) return `${path}: a circular reference`;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = describeNested(value[i] as unknown, `${path}[${i}]`, seen);
      if (problem !== undefined) return problem;
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      return `${path}: ${describeClass(value)}`;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      const problem = describeNested(child, `${path}.${key}`, seen);
      if (problem !== undefined) return problem;
    }
  }
  seen.delete(value);
  return undefined;
}

function describeNested(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (typeof value === 'object' && value !== null) return describeObject(value, path, seen);
  return describeNonJson(value, path);
}

function describeClass(value: object): string {
  if (value instanceof Date) return 'a Date; store `date.toISOString()` or `date.getTime()`';
  if (value instanceof Map) return 'a Map; store `Object.fromEntries(map)`';
  if (value instanceof Set) return 'a Set; store `[...set]`';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== ''
    ? `an instance of ${name}; store its plain fields instead`
    : 'an object with a custom prototype; store its plain fields instead';
}

/** Short, bounded rendering of an arbitrary value for error messages. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    if (typeof value === 'bigint') text = `${value}n`;
    else if (value instanceof Date) text = `Date(${value.toISOString()})`;
    else if (typeof value === 'function') text = `[function ${value.name || 'anonymous'}]`;
    else if (value === undefined) text = 'undefined';
    else text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
