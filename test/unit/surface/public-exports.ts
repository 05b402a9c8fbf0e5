// The names each entry point of the package exports, read by the TypeScript compiler from the
// sources that package.json's `@bullmq-iteration/source` condition names: values and types apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import ts from 'typescript';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface EntryExports {
  readonly values: string[];
  readonly types: string[];
}

/** The package's subpaths (`.`, `./testing`, ...) with the source file each one resolves to. */
export function entryPoints(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const source = target['@bullmq-iteration/source'];
    if (source !== undefined) entries.set(subpath, join(ROOT, source));
  }
  return entries;
}

/** Exported names of every entry point, sorted. */
export function exportsOf(files: readonly string[]): Map<string, EntryExports> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, EntryExports>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`TypeScript did not load ${file}`);
    const module = checker.getSymbolAtLocation(source)!;
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
    }
    result.set(file, { values: values.sort(), types: types.sort() });
  }
  return result;
}
