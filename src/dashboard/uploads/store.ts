/**
 * The upload directory: CSV files operators upload to start runs, each under a name the console
 * chooses (`<32 hex digits>.csv`, never the client's file name, so no path can be smuggled in),
 * with a record beside it (`.json`: the job, the display name, the size, who uploaded it, and
 * once started, the run). A file is kept until its run ends (completes, is cancelled, or is
 * removed from the queue); a failed run keeps it, since a retry reads it again. A file no run
 * claimed within an hour is removed.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';

import { HttpError } from '../http-error.js';
import type { CsvCheckOptions, CsvFacts } from './check.js';
import { checkCsvUpload } from './check.js';

export interface UploadRecord extends CsvFacts {
  readonly id: string;
  /** The job the file was uploaded for. */
  readonly job: string;
  /** The client's file name, for display only (never a path). */
  readonly name: string;
  readonly uploadedAt: number;
  readonly uploadedBy: string;
  /** Set when a run was started on it. */
  readonly run?: { readonly queue: string; readonly id: string };
}

const ID = /^[0-9a-f]{32}$/;
/** A file no run claimed within this time is removed. */
const UNCLAIMED_MS = 60 * 60_000;
/** Sweeps run at most this often. */
const SWEEP_EVERY_MS = 30_000;

export class UploadStore {
  readonly dir: string;
  readonly maxBytes: number;
  #lastSweep = 0;

  constructor(dir: string, maxBytes: number) {
    this.dir = resolve(dir);
    this.maxBytes = maxBytes;
  }

  /** Streams an upload into the directory, checked on the way; the refusal leaves no file. */
  async save(
    body: AsyncIterable<Buffer>,
    upload: { job: string; name: string; by: string } & Omit<CsvCheckOptions, 'maxBytes'> & {
        readonly maxBytes?: number | undefined;
      },
  ): Promise<UploadRecord> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString('hex');
    const partial = join(this.dir, `.${id}.part`);
    const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    let facts: CsvFacts;
    try {
      facts = await checkCsvUpload(body, file, {
        maxBytes: Math.min(upload.maxBytes ?? this.maxBytes, this.maxBytes),
        requiredColumns: upload.requiredColumns,
        delimiter: upload.delimiter,
      });
      file.end();
      await finished(file);
    } catch (error) {
      file.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    const record: UploadRecord = {
      id,
      job: upload.job,
      name: displayName(upload.name),
      uploadedAt: Date.now(),
      uploadedBy: upload.by,
      ...facts,
    };
    await writeFile(this.#recordPath(id), JSON.stringify(record), { mode: 0o600 });
    await rename(partial, this.pathOf(id));
    return record;
  }

  /** The absolute path a run reads the upload from. */
  pathOf(id: string): string {
    return join(this.dir, `${checkId(id)}.csv`);
  }

  /** The upload `id` of job `job`, not yet claimed by a run; refused otherwise. */
  async unclaimed(id: string, job: string): Promise<UploadRecord> {
    const record = await this.#read(checkId(id));
    if (record === undefined) {
      throw new HttpError(
        404,
        'No such upload (uploads are removed after an hour unused): upload the file again.',
      );
    }
    if (record.job !== job) {
      throw new HttpError(409, `This file was uploaded for job "${record.job}", not "${job}".`);
    }
    if (record.run !== undefined) {
      throw new HttpError(
        409,
        `This file was already used by run ${record.run.id}: upload it again for a new run.`,
      );
    }
    return record;
  }

  /** Records the run started on upload `id`, so the file is kept until that run ends. */
  async claim(id: string, run: { queue: string; id: string }): Promise<void> {
    const record = await this.#read(checkId(id));
    if (record === undefined) return;
    await writeFile(this.#recordPath(id), JSON.stringify({ ...record, run }), { mode: 0o600 });
  }

  /** Removes upload `id` (a run that could not be started on it). */
  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
    await rm(this.#recordPath(checkId(id)), { force: true });
  }

  /**
   * Removes the files whose run has ended (`ended` says so) and those no run claimed within an
   * hour. Runs at most every 30 s; a failing check keeps the file.
   */
  async sweep(ended: (run: { queue: string; id: string }) => Promise<boolean>): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const id = /^([0-9a-f]{32})\.json$/.exec(name)?.[1];
      if (id === undefined) continue;
      const record = await this.#read(id);
      if (record === undefined) continue;
      const done =
        record.run === undefined
          ? now - record.uploadedAt > UNCLAIMED_MS
          : await ended(record.run).catch(() => false);
      if (done) await this.remove(id);
    }
  }

  async #read(id: string): Promise<UploadRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.#recordPath(id), 'utf8')) as UploadRecord;
    } catch {
      return undefined;
    }
  }

  #recordPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

function checkId(id: string): string {
  if (!ID.test(id)) throw new HttpError(400, 'An upload id is 32 hexadecimal digits.');
  return id;
}

/** The client's name without any directory, control character or excess length. */
function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 120);
  return clean === '' ? 'upload.csv' : clean;
}
