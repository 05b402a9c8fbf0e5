/**
 * Names for prepared PostgreSQL statements, taken from their text: `pg` refuses one name for two
 * texts on a connection, and one pool may serve stores and fences of several schemas.
 */
export function statementName(kind: string, text: string): string {
  return `bullmq-iteration:${kind}:${hash(text)}`;
}

/** A short hex digest of a string (FNV-1a, 32 bits): enough to tell a few statement texts apart. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
