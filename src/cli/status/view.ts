/** What `status` shows: the runs of a queue, or one run, as a table, plain lines or JSON. */
import type { IterationRunInfo } from '../../control/status.js';
import { detailLines, plainLine } from './lines.js';
import { clip, renderTable } from './table.js';

export type StatusFormat = 'table' | 'plain' | 'json';

export interface Snapshot {
  readonly runs: readonly IterationRunInfo[];
  /** Set for `status <id>`: one run in detail. */
  readonly single: boolean;
  /** The queue and backend looked at, for the message of an empty list. */
  readonly where?: string | undefined;
}

/** The lines of a snapshot for a terminal `width` columns wide. */
export function terminalLines(snapshot: Snapshot, width: number, color: boolean): string[] {
  if (snapshot.single && snapshot.runs[0] !== undefined) {
    const [run, ...partitions] = snapshot.runs;
    const detail = detailLines(run, width, color).map((l) => clip(l, width));
    // `status <id> --partitions`: the run's partitions as a table under its detail.
    return partitions.length === 0
      ? detail
      : [...detail, '', ...renderTable(partitions, width, color)];
  }
  if (snapshot.runs.length === 0) {
    return [
      `No runs in ${snapshot.where ?? 'this queue'}. Check the queue name (-q) and the backend ` +
        '(--verbose says which setting chose it).',
    ];
  }
  return renderTable(snapshot.runs, width, color);
}

/** One logfmt line per run. */
export function plainLines(snapshot: Snapshot): string[] {
  return snapshot.runs.map((run) => plainLine(run, snapshot.single));
}

export function jsonText(snapshot: Snapshot, pretty: boolean): string {
  const value = snapshot.single ? snapshot.runs[0] : snapshot.runs;
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/**
 * The whole watch frame: a title, the runs (cut to the terminal's height, saying how many are not
 * shown), and a footer with the time of the last answer and any error since.
 */
export function watchFrame(
  snapshot: Snapshot,
  info: { title: string; footer: string; warning?: string | undefined },
  size: { width: number; height: number },
  color: boolean,
): string[] {
  const body = terminalLines(snapshot, size.width, color);
  const room = Math.max(1, size.height - 4 - (info.warning ? 1 : 0));
  const cut =
    body.length > room
      ? [
          ...body.slice(0, room - 1),
          `… ${body.length - room + 1} more not shown (resize the terminal, or --limit)`,
        ]
      : body;
  return [
    clip(info.title, size.width),
    '',
    ...cut,
    '',
    ...(info.warning ? [clip(`! ${info.warning}`, size.width)] : []),
    clip(info.footer, size.width),
  ];
}
