/**
 * `status --watch`: refreshes until Ctrl-C. On a terminal the view is redrawn in place (and again
 * at once when the terminal is resized); elsewhere only what changed is printed, as plain lines or
 * JSON lines. A refresh that fails keeps the last view and says why; the next one tries again.
 */
import type { CliBackend, CliQueue } from '../cli-backend.js';
import { sleep } from '../deadline.js';
import type { CliIo } from '../io.js';
import { line, useColor } from '../io.js';
import { listenForStop } from '../stop-signal.js';
import type { Target } from '../target.js';
import { Screen } from './screen.js';
import { StatusSession } from './session.js';
import type { Snapshot, StatusFormat } from './view.js';
import { jsonText, plainLines, watchFrame } from './view.js';

/** Opening the embedded database for each refresh costs about a second: refresh less often then. */
const HELD_DATABASE_MIN_INTERVAL_MS = 2_000;

export interface WatchOptions {
  readonly target: Target;
  readonly io: CliIo;
  readonly format: StatusFormat;
  readonly intervalMs: number;
  readonly fetch: (queue: CliQueue, backend: CliBackend) => Promise<Snapshot>;
}

export async function watchStatus(options: WatchOptions): Promise<number> {
  const { io, target } = options;
  const session = new StatusSession(target, (message) => line(io.stderr, message));
  const stop = listenForStop();
  try {
    // The first read happens before anything is drawn: a bad id or a dead server fails at once.
    let snapshot = await session.read(options.fetch);
    const view = options.format === 'table' ? terminalView(options, session) : streamView(options);
    view.show(snapshot, undefined);
    for (;;) {
      const pause = session.lastHeldDatabase
        ? Math.max(options.intervalMs, HELD_DATABASE_MIN_INTERVAL_MS)
        : options.intervalMs;
      if ((await Promise.race([sleep(pause), stop.stopped])) !== undefined) break;
      let problem: string | undefined;
      try {
        const next = await Promise.race([session.read(options.fetch), stop.stopped]);
        if (typeof next === 'string') break;
        snapshot = next;
      } catch (error) {
        problem = (error as Error).message;
      }
      view.show(snapshot, problem);
    }
    view.end();
    return 0;
  } finally {
    stop.dispose();
    await session.close();
  }
}

interface View {
  show(snapshot: Snapshot, problem: string | undefined): void;
  end(): void;
}

function terminalView(options: WatchOptions, session: StatusSession): View {
  const { io, target } = options;
  const stdout = io.stdout as NodeJS.WriteStream;
  const screen = new Screen(stdout);
  const color = useColor(stdout, io.env);
  let last: { snapshot: Snapshot; problem: string | undefined; at: Date } | undefined;
  const draw = () => {
    if (last === undefined) return;
    const every = session.lastHeldDatabase
      ? Math.max(options.intervalMs, HELD_DATABASE_MIN_INTERVAL_MS)
      : options.intervalMs;
    const title = `bullmq-iteration status · queue ${target.queueName} · ${session.where}`;
    const footer =
      `${last.snapshot.single ? '' : `${count(last.snapshot.runs.length)} · `}` +
      `updated ${last.at.toLocaleTimeString('en-GB')} · every ${every / 1000} s · Ctrl-C to quit`;
    const warning =
      last.problem === undefined ? undefined : `${last.problem} (showing the last answer)`;
    screen.draw(
      watchFrame(
        last.snapshot,
        { title, footer, warning },
        { width: stdout.columns ?? 80, height: stdout.rows ?? 24 },
        color,
      ),
    );
  };
  stdout.on('resize', draw);
  screen.enter();
  return {
    show(snapshot, problem) {
      last = {
        snapshot,
        problem,
        at: problem === undefined ? new Date() : (last?.at ?? new Date()),
      };
      draw();
    },
    end() {
      stdout.off('resize', draw);
      screen.leave();
    },
  };
}

function streamView(options: WatchOptions): View {
  const { io } = options;
  const printed = new Map<string, string>();
  let lastProblem: string | undefined;
  return {
    show(snapshot, problem) {
      const time = new Date().toISOString();
      if (problem !== undefined) {
        if (problem !== lastProblem)
          line(io.stderr, `time=${time} error=${JSON.stringify(problem)}`);
        lastProblem = problem;
        return;
      }
      lastProblem = undefined;
      if (options.format === 'json') {
        const text = jsonText(snapshot, false);
        if (printed.get('json') !== text) line(io.stdout, text);
        printed.set('json', text);
        return;
      }
      for (const [index, text] of plainLines(snapshot).entries()) {
        const key = snapshot.runs[index]!.jobId;
        if (printed.get(key) !== text) line(io.stdout, `time=${time} ${text}`);
        printed.set(key, text);
      }
    },
    end() {},
  };
}

function count(runs: number): string {
  return `${runs} run${runs === 1 ? '' : 's'}`;
}
