// Every `new pg.Pool` that a user may copy (README, guides, TSDoc examples, examples/, the demo,
// the benchmarks) listens for `error` right after creating the pool: a pool without a listener
// ends the process when the server closes one of its idle clients (a restart, a failover).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|md|js|mjs|cjs)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const copied = ['README.md', ...['src', 'docs', 'examples', 'bench'].flatMap(filesUnder)];

/** `new pg.Pool(` sites, each with the name it is bound to and the lines that follow it. */
function poolSites(file: string): { line: number; name: string | undefined; after: string }[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  return lines.flatMap((text, index) => {
    if (!text.includes('new pg.Pool(')) return [];
    const name = /(?:const|let)\s+(\w+)\s*=\s*new pg\.Pool\(/.exec(text)?.[1];
    return [{ line: index + 1, name, after: lines.slice(index, index + 5).join('\n') }];
  });
}

describe('pg.Pool examples', () => {
  const sites = copied.flatMap((file) => poolSites(file).map((site) => ({ file, ...site })));

  it('finds the pools of the README and the TSDoc examples', () => {
    const files = new Set(sites.map((site) => site.file));
    expect(files).toContain('README.md');
    expect(files).toContain('src/enumerators/keyset.ts');
    expect(files).toContain('src/enumerators/sql/query.ts');
  });

  it.each(
    copied.flatMap((file) =>
      poolSites(file).map((site) => [`${file}:${site.line}`, site] as const),
    ),
  )('%s binds the pool to a name and listens for its errors', (_, site) => {
    expect(site.name, 'bind the pool to a const so the example can add a listener').toBeDefined();
    expect(site.after).toContain(`${site.name!}.on('error'`);
  });
});
