/**
 * How a finished loop item enters the ledger, whatever it settled to (see item-outcome.ts): done,
 * skipped (its record stored with the cursor after it), or a group's parts one by one. The run's
 * `advance` is the one caller; the ledger is the one writer of the state.
 */
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import type { ItemOutcome, Skip } from './item-outcome.js';
import { GroupParts } from './item-outcome.js';
import type { FailedItem } from './item-policy.js';
import type { RunLedger } from './ledger.js';
import { replayedRecord } from './replay.js';

/** Applies a finished item to the ledger; `onSkip` hears of each skip, with its record. */
export function applyItem(
  ledger: RunLedger,
  cursor: JsonValue,
  weight: number,
  outcome: ItemOutcome,
  maxRecorded: number,
  onSkip: (record: FailedItem, skip: Skip) => void,
): void {
  if (outcome === undefined) {
    ledger.advance(cursor, weight);
    return;
  }
  const parts = outcome instanceof GroupParts ? outcome.parts : [{ cursor, weight, skip: outcome }];
  for (const part of parts) {
    if (part.skip === undefined) {
      ledger.advance(part.cursor, part.weight);
      continue;
    }
    const record = recordOf(ledger, part.skip, part.cursor);
    ledger.skip(part.cursor, record, maxRecorded, part.weight);
    onSkip(record, part.skip);
  }
}

/**
 * The record of a skipped item as the state stores it, given the cursor after it, in the format of
 * the version the state is in. An item of a replay keeps the cursors, step, partition and version
 * it was recorded with, so it can be replayed (and migrated) again.
 */
export function recordOf(ledger: RunLedger, skip: Skip, after: JsonValue): FailedItem {
  const { replay, version } = ledger.state;
  const origin = replay === undefined ? undefined : replayedRecord(replay, after);
  if (origin === undefined) {
    return { ...skip.record, after, ...(version === undefined ? {} : { version }) };
  }
  const { step: _step, ...record } = skip.record;
  const { cursor, after: originalAfter, partition, step, version: recorded } = origin;
  return {
    ...record,
    cursor,
    after: originalAfter,
    ...(step === undefined ? {} : { step }),
    ...(partition === undefined ? {} : { partition }),
    ...(recorded === undefined ? {} : { version: recorded }),
  };
}

/** What announcing a skip reads of its run. */
interface AnnouncingRun {
  readonly ledger: RunLedger;
  emit(event: IterationEventName, extra: object): void;
}

/** The `onSkip` of {@link applyItem} for a run: its `iteration.itemSkipped` event. Made once. */
export function announceSkip(run: AnnouncingRun): (record: FailedItem, skip: Skip) => void {
  return (record, skip) =>
    run.emit('iteration.itemSkipped', {
      failedItem: record,
      error: skip.error,
      skipped: run.ledger.state.skipped ?? 0,
    });
}
