// The code of docs/guides/testing.md is the code of the tests in ./guide/: each `ts` block follows
// a comment naming its test file, and equals that file once the file's header comment is dropped
// and its imports name the package instead of src/. So every example of the guide runs.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const guide = readFileSync(new URL('docs/guides/testing.md', root), 'utf8');
const blocks = [...guide.matchAll(/(?:<!-- example: (\S+) -->\n\n)?```ts\n([\s\S]*?)```/g)].map(
  ([, file, code]) => ({ file, code: code! }),
);

const PACKAGE: Record<string, string> = {
  '../../../../src/index.js': 'bullmq-iteration',
  '../../../../src/testing/index.js': 'bullmq-iteration/testing',
};

/** Imports as a sorted list of canonical statements, and the code after them. */
function split(source: string) {
  const code = source.replace(/^(\/\/.*\n|\n)*/, '');
  const imports = [...code.matchAll(/^import\b[^;]*;/gm)].map(([statement]) =>
    statement
      .replace(/'([^']+)'/, (_, from: string) => `'${PACKAGE[from] ?? from}'`)
      .replace(/\{([^}]*)\}/, (_, names: string) => {
        const list = names.split(',').map((n) => n.trim());
        return `{ ${list.filter(Boolean).sort().join(', ')} }`;
      })
      .replace(/\s+/g, ' '),
  );
  const body = code.replace(/^import\b[^;]*;\n/gm, '').trim();
  return { imports: imports.sort(), body };
}

describe('docs/guides/testing.md', () => {
  it('names, before each code block, the test that runs it', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const { file, code } of blocks) expect(file, code.slice(0, 60)).toBeDefined();
  });

  it.each(blocks.filter((b) => b.file !== undefined).map((b) => [b.file!, b.code]))(
    'shows %s as it is',
    (file, code) => {
      const test = readFileSync(new URL(file, root), 'utf8');
      expect(split(code)).toEqual(split(test));
    },
  );
});
