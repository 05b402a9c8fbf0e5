// The processed-row records of a crash round: every worker process appends the id of each row it
// finished to its own file in one directory (see processRow in fanout-jobs.ts). The benchmark
// follows their growth to kill a worker part-way, then reads them whole to count rows lost
// (never recorded) and rows redone (recorded more than once).
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Counts the lines appended to the directory's files so far, reading only what is new. */
export class RecordTail {
  readonly #dir: string;
  readonly #offsets = new Map<string, number>();
  readonly #buffer = Buffer.alloc(1 << 16);
  #lines = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  lines(): number {
    for (const name of readdirSync(this.#dir)) {
      const fd = openSync(join(this.#dir, name), 'r');
      try {
        let offset = this.#offsets.get(name) ?? 0;
        for (;;) {
          const read = readSync(fd, this.#buffer, 0, this.#buffer.length, offset);
          if (read === 0) break;
          for (let i = 0; i < read; i++) if (this.#buffer[i] === 10) this.#lines++;
          offset += read;
        }
        this.#offsets.set(name, offset);
      } finally {
        closeSync(fd);
      }
    }
    return this.#lines;
  }
}

export interface RecordCheck {
  /** Ids recorded, repeats included. */
  readonly recorded: number;
  /** Ids of 1..rows never recorded: must be 0. */
  readonly lost: number;
  /** Recordings past the first of an id: the work a crash made the workers do again. */
  readonly redone: number;
  /**
   * Runs of consecutive ids redone: about one per job or partition that was redone, to compare
   * with the jobs or partitions in flight on the killed process.
   */
  readonly redoneStretches: number;
  /** Recorded ids outside 1..rows, which would mean a wrong range: must be 0. */
  readonly stray: number;
}

export function checkRecords(dir: string, rows: number): RecordCheck {
  const seen = new Uint16Array(rows + 1);
  let recorded = 0;
  let stray = 0;
  for (const name of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line === '') continue;
      recorded++;
      const id = Number(line);
      if (Number.isInteger(id) && id >= 1 && id <= rows) seen[id]!++;
      else stray++;
    }
  }
  let lost = 0;
  let redone = 0;
  let redoneStretches = 0;
  for (let id = 1; id <= rows; id++) {
    const times = seen[id]!;
    if (times === 0) lost++;
    else redone += times - 1;
    if (times > 1 && !(id > 1 && seen[id - 1]! > 1)) redoneStretches++;
  }
  return { recorded, lost, redone, redoneStretches, stray };
}
