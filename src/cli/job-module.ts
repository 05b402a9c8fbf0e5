/**
 * Loads a module of iteration jobs for `worker`, `enqueue --module` and `status --module`. Jobs
 * are the module's exports made by defineIterationJob: named exports, a default export that is a
 * job or an array of jobs, or both. TypeScript modules load through tsx: already registered when
 * the CLI itself runs from source, registered on demand otherwise.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { AnyIterationJob } from '../define-job.js';
import { CliError, ExitCode, usageError } from './exit-codes.js';

export interface JobModule {
  readonly path: string;
  readonly jobs: readonly AnyIterationJob[];
}

/** Imports `specifier` (a path, relative to `cwd`) and collects its iteration jobs. */
export async function loadJobModule(specifier: string, cwd: string): Promise<JobModule> {
  const path = resolve(cwd, specifier);
  if (!existsSync(path)) {
    throw usageError(`Cannot find the job module "${specifier}" (looked at ${path}).`);
  }
  const namespace = await importModule(path, specifier);
  return { path, jobs: collectJobs(namespace, specifier) };
}

const TYPESCRIPT = /\.(c|m)?tsx?$/;

async function importModule(path: string, specifier: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION' &&
      TYPESCRIPT.test(path)
    ) {
      await registerTsx(specifier);
      // Node remembers the failed load of this URL; a query makes it a new one to the loader.
      return importAfterTsx(`${url}?tsx`, specifier);
    }
    throw importFailed(specifier, error);
  }
}

async function importAfterTsx(url: string, specifier: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw importFailed(specifier, error);
  }
}

async function registerTsx(specifier: string): Promise<void> {
  try {
    const api = (await import('tsx/esm/api')) as { register(): unknown };
    api.register();
  } catch {
    throw usageError(
      `"${specifier}" is TypeScript, and tsx is not installed to load it. Install it ` +
        '(npm install --save-dev tsx), run the CLI as `node --import tsx …`, or point it at the ' +
        'compiled JavaScript.',
    );
  }
}

function importFailed(specifier: string, error: unknown): CliError {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new CliError(
    `Loading the job module "${specifier}" failed:\n${detail}`,
    ExitCode.failure,
    {
      cause: error,
    },
  );
}

/**
 * The iteration jobs among a module's exports, each once, sorted by name. Refuses a module with none, listing what
 * it does export, and two different jobs with one name.
 */
export function collectJobs(
  namespace: Readonly<Record<string, unknown>>,
  specifier: string,
): AnyIterationJob[] {
  const found = new Map<string, { job: AnyIterationJob; from: string }>();
  const add = (value: unknown, from: string) => {
    if (!isIterationJob(value)) return;
    const existing = found.get(value.name);
    if (existing === undefined) found.set(value.name, { job: value, from });
    else if (existing.job !== value) {
      throw usageError(
        `"${specifier}" exports two different iteration jobs named "${value.name}" ` +
          `(${existing.from} and ${from}); job names must be unique within a worker.`,
      );
    }
  };
  for (const [name, value] of Object.entries(namespace)) {
    if (name === 'default' && Array.isArray(value)) {
      value.forEach((item, index) => add(item, `default[${index}]`));
    } else add(value, name === 'default' ? 'the default export' : `export "${name}"`);
  }
  if (found.size === 0) {
    const exports = Object.entries(namespace).map(([name, value]) => `${name} (${kindOf(value)})`);
    throw usageError(
      `"${specifier}" exports no iteration jobs; it exports ${exports.length === 0 ? 'nothing' : exports.join(', ')}. ` +
        'Export jobs made with defineIterationJob, e.g.\n' +
        "  export const backfillUsers = defineIterationJob({ name: 'backfill-users', … });\n" +
        'or a default export with an array of them.',
    );
  }
  // By name: loaders differ in the order they list a module's exports.
  return [...found.values()]
    .map((entry) => entry.job)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** An object shaped like defineIterationJob's result (modules may carry their own copy of it). */
export function isIterationJob(value: unknown): value is AnyIterationJob {
  if (typeof value !== 'object' || value === null) return false;
  const { name, definition } = value as { name?: unknown; definition?: unknown };
  if (typeof name !== 'string' || typeof definition !== 'object' || definition === null)
    return false;
  const d = definition as { buildEnumerator?: unknown; eachIteration?: unknown; steps?: unknown };
  if (Array.isArray(d.steps)) return true;
  return typeof d.buildEnumerator === 'function' && typeof d.eachIteration === 'function';
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'function')
    return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
  return typeof value;
}

/** The job named `name`, or a usage error that lists the names the module has. */
export function findJob(module: JobModule, name: string, specifier: string): AnyIterationJob {
  const job = module.jobs.find((candidate) => candidate.name === name);
  if (job === undefined) {
    throw usageError(
      `Unknown job "${name}": "${specifier}" defines ${module.jobs.map((j) => `"${j.name}"`).join(', ')}.`,
    );
  }
  return job;
}
