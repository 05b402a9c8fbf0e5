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
 * `T` itself when it is plain JSON data, with `never` in place of each part that is not (a
 * `Date`, a `Map`, a function, a `bigint`, a class instance with methods): used as a constraint,
 * `Params extends JsonCompatible<Params>`, it makes a non-JSON params or cursor type a compile
 * error. Properties may be `undefined` (they are dropped, as `JSON.stringify` drops them);
 * `unknown` and `any` pass, and the runtime check still guards them.
 */
export type JsonCompatible<T> = unknown extends T
  ? T
  : T extends JsonPrimitive
    ? T
    : T extends bigint | symbol | ((...args: never[]) => unknown)
      ? never
      : T extends Date | RegExp | Map<unknown, unknown> | Set<unknown> | Promise<unknown>
        ? never
        : T extends readonly unknown[]
          ? { [K in keyof T]: JsonCompatible<T[K]> }
          : T extends object
            ? {
                [K in keyof T]: undefined extends T[K]
                  ? JsonCompatible<T[K]> | undefined
                  : JsonCompatible<T[K]>;
              }
            : never;

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
      return value === null ? undefined : describeObject(value, path, undefined);
    case 'undefined':
      return `${path}: undefined`;
    case 'bigint':
      return `${path}: a BigInt (${String(value)}n); store it as a string`;
    default:
      return `${path}: a ${typeof value}`;
  }
}

function describeObject(
  value: object,
  path: string,
  ancestors: Set<object> | undefined,
): string | undefined {
  if (ancestors?.has(value)) return `${path}: a circular reference`;
  const isArray = Array.isArray(value);
  if (!isArray) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${path}: ${describeClass(value)}`;
    // The common cursor, flat and fine ({ id: '42' }), is checked without allocating anything.
    if (flatAndPlain(value)) return undefined;
  }
  const values: unknown[] = isArray ? value : Object.values(value);
  const keys = isArray ? undefined : Object.keys(value);
  // Cursors are mostly flat ({ id: '42' }), which cannot hold a cycle: the set of ancestors is
  // only made once a nested object shows up, so checking a flat cursor allocates no set.
  let tracked = ancestors;
  let problem: string | undefined;
  for (let i = 0; i < values.length && problem === undefined; i++) {
    const item = values[i];
    // Plain strings, booleans, finite numbers and null need no path: the common case builds none.
    if (isPlainScalar(item)) continue;
    const itemPath = keys === undefined ? `${path}[${i}]` : `${path}.${keys[i]!}`;
    if (typeof item !== 'object' || item === null) {
      problem = describeNonJson(item, itemPath);
    } else {
      tracked ??= new Set();
      tracked.add(value);
      problem = describeObject(item, itemPath, tracked);
    }
  }
  tracked?.delete(value);
  return problem;
}

function flatAndPlain(value: object): boolean {
  // The prototype is Object.prototype or null (checked above): for-in walks the own keys.
  for (const key in value) {
    if (!isPlainScalar((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isPlainScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
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

/**
 * `value` without its `undefined` object properties, at any depth, as `JSON.stringify` would write
 * it; the same object when it has none (no copy on the common path). Array elements are kept:
 * JSON would turn them into `null`, a change of meaning the JSON check reports instead.
 */
export function withoutUndefined<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const cleaned = withoutUndefined(item);
      if (cleaned !== item) (copy ??= [...(value as unknown[])])[i] = cleaned;
    });
    return (copy ?? value) as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const cleaned = item === undefined ? undefined : withoutUndefined(item);
    if (item === undefined || cleaned !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      if (item === undefined) delete copy[key];
      else copy[key] = cleaned;
    }
  }
  return (copy ?? value) as T;
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
