/**
 * The process around a command, passed in rather than read from globals so that parsing, help and
 * error paths can be tested in-process with captured output.
 */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes one line (a newline is added). */
export function line(output: Output, text = ''): void {
  output.write(`${text}\n`);
}

/** Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(output: Output, env: CliIo['env']): boolean {
  return output.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
