/**
 * Process signal handling shared by every worker of the process that asked for it.
 *
 * First SIGTERM/SIGINT: close all those workers gracefully (each running job finishes its item,
 * checkpoints and requeues itself). Once they are closed, if nothing else in the process listens
 * for that signal, the signal is raised again so the process ends the way it was asked to instead
 * of lingering on open pools until the orchestrator kills it. A second signal exits at once; the
 * jobs still running are then recovered by BullMQ's stalled check from their last checkpoint.
 */
export interface SignalTarget {
  close(): Promise<void>;
  readonly signalLog: (message: string) => void;
}

type HandledSignal = 'SIGTERM' | 'SIGINT';

const targets = new Set<SignalTarget>();
let received: HandledSignal | undefined;

function handle(signal: HandledSignal): void {
  if (received !== undefined) {
    for (const t of targets) t.signalLog(`received ${signal} again; exiting now`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  received = signal;
  const closing = [...targets];
  for (const t of closing) {
    t.signalLog(
      `received ${signal}; finishing the items in flight and requeueing (send ${signal} again to exit now)`,
    );
  }
  void Promise.allSettled(closing.map((t) => t.close())).then(() => {
    uninstall();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

const onTerm = () => handle('SIGTERM');
const onInt = () => handle('SIGINT');

function install(): void {
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
}

function uninstall(): void {
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
}

/** Registers a worker for graceful signal handling; returns the function that unregisters it. */
export function handleSignalsFor(target: SignalTarget): () => void {
  if (targets.size === 0 && received === undefined) install();
  targets.add(target);
  return () => {
    targets.delete(target);
    // Keep the handlers while a signal is being handled, so a second one still forces the exit.
    if (targets.size === 0 && received === undefined) uninstall();
  };
}
