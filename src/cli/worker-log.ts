/**
 * One line per lifecycle event of a worker's runs, for the `worker` command's output: readable
 * in a terminal and stable in a log file (ISO time, event, job, id, details).
 */
import type { IterationEvent, IterationThrottledEvent } from '../events.js';
import { formatDuration } from '../throttle/duration.js';
import type { IterationWorker } from '../worker.js';
import { formatCount } from './status/format.js';

type Print = (text: string) => void;

/** Prints the lifecycle events of `worker`'s runs through `print`. */
export function logLifecycle(worker: IterationWorker, print: Print): void {
  const say = (event: string, e: IterationEvent, detail = '') =>
    print(
      `${new Date().toISOString()} ${event.padEnd(11)} ${e.jobName} #${e.job.id}${detail ? `  ${detail}` : ''}`,
    );
  worker.on('iteration.started', (e) => say('started', e));
  worker.on('iteration.resumed', (e) =>
    say('resumed', e, `at ${formatCount(e.processed)} items, cursor ${JSON.stringify(e.cursor)}`),
  );
  worker.on('iteration.interrupted', (e) =>
    say('interrupted', e, `(${e.reason}) at ${formatCount(e.processed)} items; requeued`),
  );
  worker.on('iteration.throttled', (e: IterationThrottledEvent) =>
    say('throttled', e, `by ${e.condition}: ${e.reason}; again in ${formatDuration(e.delayMs)}`),
  );
  worker.on('iteration.paused', (e) =>
    say('paused', e, `${reason(e.reason)}at ${formatCount(e.processed)} items`),
  );
  worker.on('iteration.cancelled', (e) =>
    say('cancelled', e, `${reason(e.reason)}at ${formatCount(e.processed)} items`),
  );
  worker.on('iteration.completed', (e) =>
    say(
      'completed',
      e,
      `${formatCount(e.processed)} items in ${formatDuration(e.totalTimeMs)}` +
        (e.timesInterrupted > 0
          ? `, ${e.timesInterrupted} interruption${e.timesInterrupted === 1 ? '' : 's'}`
          : ''),
    ),
  );
  worker.on('iteration.failed', (e) =>
    say('failed', e, `${e.error.message} (at ${formatCount(e.processed)} items)`),
  );
  worker.on('iteration.lockLost', (e) => say('lock-lost', e, 'another worker owns the job now'));
  // A job this worker has no definition for never becomes a run, so no iteration event reports it.
  worker.on('failed', (job, error) => {
    if (job !== undefined && error.name === 'UnknownJobError') {
      print(
        `${new Date().toISOString()} ${'failed'.padEnd(11)} ${job.name} #${job.id}  ${error.message}`,
      );
    }
  });
}

function reason(text: string | undefined): string {
  return text ? `(${text}) ` : '';
}
