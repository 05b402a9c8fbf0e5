/** Quoting of SQL identifiers: the only way names given by users reach SQL text. */

/**
 * `name` as a quoted PostgreSQL identifier: `users` → `"users"`, `a"b` → `"a""b"`. Quoting keeps
 * the name's case, as PostgreSQL stores it.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Whether `name` can be quoted into an identifier (PostgreSQL refuses NUL and empty names). */
export function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !name.includes('\0');
}
