/**
 * A full-screen view for `status --watch` on a terminal: the alternate screen (so the shell's
 * scrollback comes back untouched afterwards), the cursor hidden, each frame drawn over the last
 * without clearing first (no flicker). `leave` restores the terminal, and runs on process exit too,
 * so even an unexpected error never leaves the terminal in the alternate screen or without cursor.
 */
import type { Output } from '../io.js';

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

export class Screen {
  #active = false;
  readonly #onExit = () => this.leave();

  constructor(readonly output: Output) {}

  enter(): void {
    if (this.#active) return;
    this.#active = true;
    process.on('exit', this.#onExit);
    this.output.write(ENTER);
  }

  /** Draws `lines` from the top-left corner, erasing what the previous frame left beyond them. */
  draw(lines: readonly string[]): void {
    const rows = this.output.rows ?? lines.length;
    const shown = lines.slice(0, Math.max(1, rows));
    this.output.write(HOME + shown.map((l) => l + CLEAR_LINE_END).join('\r\n') + CLEAR_BELOW);
  }

  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    process.off('exit', this.#onExit);
    this.output.write(LEAVE);
  }
}
