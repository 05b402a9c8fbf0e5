/**
 * The part of an error message worth a table cell. The library's messages start with where they
 * happened (`The enumerator of iteration job "late-deliveries" (id 3) yielded …`), which the row
 * already says; the cell shows what follows, and the full message stays in its tooltip and on the
 * run's page.
 */

const WHERE =
  /^(?:the enumerator of |buildenumerator of |cannot enqueue )?iteration job "[^"]*"(?: \([^)]*\))?(?::\s*|\s+)/i;

/**
 * @example
 * ```ts
 * errorGist('The enumerator of iteration job "late-d" (id 3) yielded 42, not an [item, cursor] pair.');
 * // 'yielded 42, not an [item, cursor] pair.'
 * ```
 */
export function errorGist(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  const rest = flat.replace(WHERE, '');
  if (rest === flat || rest === '') return flat;
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}
