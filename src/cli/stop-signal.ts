/**
 * Turns SIGINT, SIGTERM and SIGHUP into a promise, for the long-running commands that want to end
 * cleanly on Ctrl-C (restore the terminal, close a worker) instead of dying mid-write. A second
 * signal while the clean end is under way calls `onRepeat` (the worker exits at once then).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof SIGNALS)[number];

export interface StopRequest {
  /** Resolves with the first signal received. */
  readonly stopped: Promise<StopSignal>;
  /** The first signal received, once one was. */
  readonly signal: StopSignal | undefined;
  /** Stops listening. */
  dispose(): void;
}

export function listenForStop(onRepeat?: (signal: StopSignal) => void): StopRequest {
  let received: StopSignal | undefined;
  let resolveStopped!: (signal: StopSignal) => void;
  const stopped = new Promise<StopSignal>((resolve) => (resolveStopped = resolve));
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      if (received !== undefined) return onRepeat?.(signal);
      received = signal;
      resolveStopped(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    stopped,
    get signal() {
      return received;
    },
    dispose() {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/** The exit code a shell reports for a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: StopSignal): number {
  return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal];
}
