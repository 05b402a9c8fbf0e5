// A one-line progress bar for terminals; plain lines (every 10 %) when output is not a TTY.
export class ProgressLine {
  readonly #tty = process.stdout.isTTY === true;
  readonly #startedAt = Date.now();
  #lastDecile = -1;

  update(fraction: number, detail: string): void {
    const f = Math.max(0, Math.min(1, fraction));
    const width = 30;
    const filled = Math.round(f * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const seconds = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    const text = `  [${bar}] ${(f * 100).toFixed(1).padStart(5)}%  ${detail}  ${seconds} s`;
    if (this.#tty) {
      process.stdout.write(`\r\x1b[2K${text}`);
      return;
    }
    const decile = Math.floor(f * 10);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      console.log(text);
    }
  }

  done(message: string): void {
    if (this.#tty) process.stdout.write('\n');
    console.log(`- ${message}`);
  }
}
