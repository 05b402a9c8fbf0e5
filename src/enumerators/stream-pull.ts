/**
 * Pulls objects from a readable stream one `next()` at a time. Node's own async iterator over a
 * stream is an async generator, whose every `yield` costs several promise turns; an enumerator
 * that wraps it pays for two layers per record. Reading the stream's buffer directly leaves one.
 */
import type { Readable } from 'node:stream';

export interface Puller<T> {
  /** The next object, or `undefined` once the stream has ended. Rejects with the stream's error. */
  next(): Promise<T | undefined>;
  /**
   * The next object when the stream's buffer holds one, else `undefined` (then `next()` waits,
   * ends or reports the error): what an enumerator's `nextBuffered` hands out.
   */
  nextBuffered(): T | undefined;
  /** Stops reading and releases the stream. */
  close(): void;
}

export function pull<T>(stream: Readable): Puller<T> {
  let ended = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stream.on('readable', notify);
  stream.once('error', (error) => {
    failed = true;
    failure = error;
    notify();
  });
  // 'close' without 'end' is a stream destroyed early, which has nothing more to give either.
  for (const event of ['end', 'close']) {
    stream.once(event, () => {
      ended = true;
      notify();
    });
  }
  return {
    async next() {
      for (;;) {
        if (failed) throw failure;
        const value = stream.read() as T | null;
        if (value !== null) return value;
        if (failed) throw failure;
        if (ended) return undefined;
        // Events fire on later ticks, never between the checks above and this line.
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    nextBuffered() {
      if (failed) return undefined;
      const value = stream.read() as T | null;
      return value === null ? undefined : value;
    },
    close() {
      stream.destroy();
    },
  };
}
