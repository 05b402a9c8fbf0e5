/** A one-line progress bar for the demo: redrawn in place on a terminal, every 10 % elsewhere. */
import type { Output } from '../io.js';
import { progressBar } from '../status/format.js';

export class ProgressLine {
  readonly #startedAt = Date.now();
  #lastDecile = -1;

  constructor(readonly output: Output) {}

  update(fraction: number, detail: string): void {
    const f = Math.max(0, Math.min(1, fraction));
    const seconds = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    const text = `  [${progressBar(f, 30)}] ${(f * 100).toFixed(1).padStart(5)}%  ${detail}  ${seconds} s`;
    if (this.output.isTTY) {
      this.output.write(`\r\x1b[2K${text}`);
      return;
    }
    const decile = Math.floor(f * 10);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      this.output.write(`${text}\n`);
    }
  }

  done(message: string): void {
    if (this.output.isTTY) this.output.write('\n');
    this.output.write(`- ${message}\n`);
  }
}
