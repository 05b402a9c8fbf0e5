/**
 * Runs the statements of `keyset` and sorts their errors: mistakes no retry can cure become
 * errors that fail the job at once and show the statement, while connection trouble stays a plain
 * error, which BullMQ retries.
 */
import { CursorError, EnumeratorError } from '../../errors.js';
import { preview } from '../../json.js';
import type { QueryFunction, QueryResult } from './query.js';

/**
 * Runs `text` with `values`. SQLSTATE classes 42 (syntax, unknown names) and 08P01 (a parameter
 * count that does not match) become an EnumeratorError; class 22 (data exception) on a statement
 * that binds a saved `cursor` becomes a CursorError, as PostgreSQL could not read its keys.
 */
export async function checked(
  query: QueryFunction,
  text: string,
  values: readonly unknown[],
  doing: string,
  source: string,
  cursor?: unknown,
): Promise<QueryResult> {
  try {
    return await query(text, values);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') throw error;
    const cause = `${(error as Error).message} (SQLSTATE ${code})`;
    if (code.startsWith('42') || code === '08P01') {
      throw new EnumeratorError(
        `${source}: PostgreSQL refused the statement while ${doing}: ${cause}. Check \`where\`, ` +
          `\`sql\` and \`values\` ($1 is values[0]). Statement: ${text.trim()}`,
        { source },
      );
    }
    if (code.startsWith('22') && cursor !== undefined && cursor !== null) {
      throw new CursorError(
        `${source}: cannot resume from cursor ${preview(cursor)}: PostgreSQL could not compare it ` +
          `with the ordering columns: ${cause}. Expected the ordering columns' values of a row; ` +
          `restart the job from the beginning (cursor null) or convert the saved cursor.`,
        { cursor },
      );
    }
    throw error;
  }
}
