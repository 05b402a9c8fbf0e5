// The chaos suite's item count: lost and redone items per job, from the workers' record files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { countItems } from '../../chaos/records.js';

function records(...files: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'bullmq-iteration-records-'));
  return files.map((text, i) => {
    const file = join(dir, `worker-${i}.log`);
    writeFileSync(file, text);
    return file;
  });
}

describe('countItems', () => {
  it('counts items never recorded as lost and extra runs as duplicates, across files', () => {
    const files = records('1:0\n1:1\n2:0\n', '1:1\n1:1\n2:2\n');
    const count = countItems(
      files,
      new Map([
        ['1', 3],
        ['2', 3],
      ]),
    );
    // Job 1: item 2 lost, item 1 run three times; job 2: item 1 lost.
    expect(count).toEqual({ expected: 6, lost: 2, duplicates: 2, worstJobDuplicates: 2 });
  });

  it('ignores a line a SIGKILL cut short, jobs it was not asked about and missing files', () => {
    const files = [...records('1:0\n3:0\n1:1'), '/nonexistent/worker.log'];
    expect(countItems(files, new Map([['1', 2]]))).toMatchObject({ lost: 1, duplicates: 0 });
  });

  it('rejects an item outside the job, which means the record is corrupt', () => {
    const files = records('1:0\n1:7\n');
    expect(() => countItems(files, new Map([['1', 2]]))).toThrow(/corrupt record line "1:7"/);
  });
});
