// Imports point down: a module of a lower layer never imports (a value from) a module of a higher
// one, so the runtime can be read, tested and changed without the features built on it. Type-only
// imports are contracts, erased at build time: a lower layer may name a higher one's type (the
// runtime names `Transactional`, a definition names every option's type), never call its code.
// The layers are those of docs/how-it-works.md.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Layer of a source file, bottom (0) to top (4). */
const LAYERS: readonly [number, RegExp][] = [
  [
    0,
    /^(json|errors|enumerator|logger|statement-name|events|steps-definition|versions-definition|enqueue-params|redis-url|signals|version|retry-after)\.ts$/,
  ],
  [1, /^(backends|enumerators|partitions|throttle)\/|^options\.ts$/],
  [2, /^runtime\//],
  [3, /^(transactional|parallel|control|telemetry|embedded)\//],
];

function layerOf(file: string): number {
  const path = relative(root, file);
  return LAYERS.find(([, pattern]) => pattern.test(path))?.[0] ?? 4;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative value imports (`import { x }`, `export { x } from`), not `import type`. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(
    /^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gms,
  )) {
    if (match[1] !== undefined) continue;
    found.push(resolve(dirname(file), match[2]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

describe('layers', () => {
  it('every value import of src/ points to its own layer or a lower one', () => {
    const upward: string[] = [];
    for (const file of sources(root)) {
      for (const target of valueImports(file)) {
        if (layerOf(target) > layerOf(file)) {
          upward.push(
            `${relative(root, file)} (${layerOf(file)}) → ${relative(root, target)} (${layerOf(target)})`,
          );
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('knows every layer: the runtime is layer 2 and the features built on it above', () => {
    expect(layerOf(join(root, 'runtime/run.ts'))).toBe(2);
    expect(layerOf(join(root, 'transactional/scope.ts'))).toBe(3);
    expect(layerOf(join(root, 'worker.ts'))).toBe(4);
    expect(sources(root).length).toBeGreaterThan(100);
  });
});
