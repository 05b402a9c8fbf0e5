// The package as users install it: the packed tarball in a fresh CommonJS project (bullmq as its
// peer, no PGlite) and in a strict TypeScript ESM project (skipLibCheck: false) type-checked by
// TypeScript 5.9 and by the current major, 7 (the native compiler), each running a real job.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import {
  createConsumer,
  installedVersion,
  node,
  packTarball,
  removeTemporaryDirs,
  tarballFiles,
} from './consumer.js';

/** Pinned TypeScript versions: the last 5.x line and the current major. */
const TYPESCRIPT = { ts59: 'typescript@~5.9.3', ts7: 'typescript@~7.0.2' } as const;

let tarball: string;

beforeAll(async () => {
  tarball = await packTarball();
}, 180_000);
afterAll(() => removeTemporaryDirs());

describe('the packed package', () => {
  it('is required from a CommonJS project with bullmq as its peer, without PGlite', async () => {
    const app = await createConsumer(
      'commonjs',
      [tarball, `bullmq@${installedVersion('bullmq')}`],
      ['cjs-app.cjs'],
    );
    console.log(`[consumer] CommonJS project installed in ${app.installSeconds.toFixed(1)} s`);
    // Redis users install no PGlite, and get one copy of BullMQ: the app's.
    expect(existsSync(join(app.dir, 'node_modules', '@electric-sql'))).toBe(false);
    expect(
      existsSync(join(app.dir, 'node_modules', 'bullmq-iteration', 'node_modules', 'bullmq')),
    ).toBe(false);
    const queueName = uniqueQueueName('consumer-cjs');
    const output = await node(app.dir, ['cjs-app.cjs', queueName], {
      BULLMQ_ITERATION_REDIS_URL: redisUrl(),
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result).toMatchObject({
      seen: ['a', 'b', 'c'],
      processed: 3,
      kind: 'redis',
      selectedBy: 'BULLMQ_ITERATION_REDIS_URL',
      testing: 'function',
      throttle: ['function', 'function'],
    });
    // The embedded default, asked for without PGlite installed, names the package to install.
    expect(result.embedded).toContain(
      'MissingPeerError: The embedded database needs @electric-sql/pglite',
    );
    expect(result.embedded).toContain(
      'npm install @electric-sql/pglite @electric-sql/pglite-socket',
    );
  });

  it('holds what a user runs, its types, maps to shipped sources and a LICENSE; no docs or screenshots', async () => {
    const files = await tarballFiles(tarball);
    for (const file of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((file) => file.startsWith('docs/'))).toEqual([]);
    expect(files.filter((file) => /\.(png|jpe?g|gif|webp)$/i.test(file))).toEqual([]);
    // Every source map points at a source the package ships.
    const shipped = new Set(files);
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps.filter((file) => file.startsWith('dist/cli/'))) {
      const target = map.replace(/^dist\//, 'src/').replace(/\.(js|d\.ts)\.map$/, '.ts');
      expect(shipped.has(target), `${map} → ${target}`).toBe(true);
    }
  });

  it('ships the sources its source maps name', async () => {
    const app = await createConsumer(
      'commonjs',
      [tarball, `bullmq@${installedVersion('bullmq')}`],
      [],
    );
    const dist = join(app.dir, 'node_modules', 'bullmq-iteration', 'dist');
    for (const file of ['index.js.map', 'index.d.ts.map', 'runtime/loop.js.map']) {
      const map = JSON.parse(readFileSync(join(dist, file), 'utf8')) as { sources: string[] };
      expect(map.sources.length).toBeGreaterThan(0);
      for (const source of map.sources) {
        expect(existsSync(resolve(dirname(join(dist, file)), source)), `${file} → ${source}`).toBe(
          true,
        );
      }
    }
  });

  it('type-checks in a strict ESM project on TypeScript 5.9 and 7, and runs a job on the embedded database', async () => {
    const app = await createConsumer(
      'module',
      [
        tarball,
        `bullmq@${installedVersion('bullmq')}`,
        `@electric-sql/pglite@${installedVersion('@electric-sql/pglite')}`,
        `@electric-sql/pglite-socket@${installedVersion('@electric-sql/pglite-socket')}`,
        `@types/node@${installedVersion('@types/node')}`,
        ...Object.entries(TYPESCRIPT).map(([alias, spec]) => `${alias}@npm:${spec}`),
      ],
      ['esm-app.ts', 'tsconfig.json', 'esm-json-errors.ts', 'tsconfig.json-errors.json'],
    );
    console.log(
      `[consumer] strict TypeScript ESM project installed in ${app.installSeconds.toFixed(1)} s`,
    );
    for (const alias of Object.keys(TYPESCRIPT)) {
      const version = await node(app.dir, [join('node_modules', alias, 'bin', 'tsc'), '--version']);
      expect(version).toMatch(alias === 'ts7' ? /^Version 7\./ : /^Version 5\.9\./);
      // Emits out/esm-app.js; a type error rejects with tsc's report.
      await node(app.dir, [join('node_modules', alias, 'bin', 'tsc'), '-p', '.']);
      // A Date cursor and Date params are refused, naming the cursor or the params and JSON
      // (TypeScript 7 reports only the last overload's error: it must be the JSON check's).
      const refused = await node(app.dir, [
        join('node_modules', alias, 'bin', 'tsc'),
        '-p',
        'tsconfig.json-errors.json',
      ]).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? '',
      );
      expect(refused, alias).toContain('the cursor type must be JSON data');
      expect(refused, alias).toContain('the params type must be JSON data');
      expect(refused, alias).not.toContain("is not assignable to type 'undefined'");
    }
    const output = await node(app.dir, [join('out', 'esm-app.js')]);
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      sent: ['inline@example.com', 'a@example.com', 'b@example.com'],
      processed: 2,
      kind: 'embedded',
      inline: 'completed',
      healthCheck: 'custom',
    });
    // An install of two compilers and PGlite, two type-checks and a run: past the default 60 s on
    // a busy machine (65 s measured on 2 shared cores).
  }, 240_000);
});
