// Reads what the workers recorded (`jobId:item` lines, one file per worker process) and counts,
// per job, the items never processed (lost) and the extra runs of items processed twice or more.
import { existsSync, readFileSync } from 'node:fs';

export interface ItemCount {
  /** Items the jobs were meant to process. */
  readonly expected: number;
  /** Items never recorded. */
  readonly lost: number;
  /** Extra runs: recorded lines minus distinct items. */
  readonly duplicates: number;
  /** Largest number of extra runs of any one job. */
  readonly worstJobDuplicates: number;
}

/**
 * Counts lost and redone items of `jobs` (job id → item total). Lines of a job not in `jobs`
 * are ignored; an item outside 0..total-1 is an error, since it means the record is corrupt.
 */
export function countItems(files: readonly string[], jobs: ReadonlyMap<string, number>): ItemCount {
  const seen = new Map<string, Uint16Array>();
  for (const [id, total] of jobs) seen.set(id, new Uint16Array(total));
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      // A line cut by a SIGKILL in the middle of a write has no newline: that item did not run.
      if (end === -1) break;
      const line = text.slice(start, end);
      start = end + 1;
      const colon = line.lastIndexOf(':');
      const counts = seen.get(line.slice(0, colon));
      if (counts === undefined) continue;
      const item = Number(line.slice(colon + 1));
      if (!Number.isInteger(item) || item < 0 || item >= counts.length) {
        throw new Error(`${file}: corrupt record line ${JSON.stringify(line)}`);
      }
      if (counts[item]! < 65_535) counts[item]!++;
    }
  }
  let expected = 0;
  let lost = 0;
  let duplicates = 0;
  let worstJobDuplicates = 0;
  for (const counts of seen.values()) {
    expected += counts.length;
    let jobDuplicates = 0;
    for (const n of counts) {
      if (n === 0) lost++;
      else jobDuplicates += n - 1;
    }
    duplicates += jobDuplicates;
    worstJobDuplicates = Math.max(worstJobDuplicates, jobDuplicates);
  }
  return { expected, lost, duplicates, worstJobDuplicates };
}
