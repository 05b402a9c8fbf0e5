/** What a backend's run-index reader returns for one job, before the index classifies it. */
import type { JobState } from 'bullmq';

import type { RunStatus } from './status.js';

/** The BullMQ states a listing reads, in the order it shows them. */
export const INDEXED_STATES = [
  'active',
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
] as const satisfies readonly JobState[];

export type IndexedState = (typeof INDEXED_STATES)[number];

/**
 * How much a reader reads of each job: `light`, what orders and filters by name, tags and queue
 * (a few short fields); `full`, also what decides the run's status (progress, return value,
 * control request, failure), several times the cost on a big queue.
 */
export type IndexDetail = 'light' | 'full';

/**
 * What a backend's reader returns for one job, before classification. A light read leaves the
 * status fields empty, and sets `hasState` when the job has iteration progress or state.
 */
export interface RawEntry {
  readonly id: string;
  readonly name: string;
  readonly state: IndexedState;
  readonly addedAt: number;
  /** `status` of an iteration progress object; `undefined` when the progress is not one. */
  readonly progressStatus: string | undefined;
  /** `outcome` of the return value, when it has one. */
  readonly outcome: string | undefined;
  readonly failed: boolean;
  readonly attemptsMade: number;
  /** The pending control request's action, if any. */
  readonly control: string | undefined;
  /** Whether the job has an iteration state. */
  readonly hasState: boolean;
  /** Whether its iteration state records a cancel. */
  readonly cancelledInState: boolean;
  /** A partition job of a parallel run: listed through its parent only. */
  readonly partition: boolean;
  /** Stored tags, as JSON text. */
  readonly tags: string | undefined;
}

/** One page of the run index (see index-page.ts). */
export interface IndexPage {
  /** Runs that match the query. */
  readonly total: number;
  /** The entries from `offset`, at most `limit`, in listing order. */
  readonly entries: readonly RunEntry[];
  /** Runs per job name, whatever the query's name and tags. */
  readonly names: Readonly<Record<string, number>>;
}

export interface IndexPageOptions {
  readonly offset: number;
  readonly limit: number;
  /** Job names whose completed jobs are listed even without iteration progress. */
  readonly names: readonly string[];
}

/** One run as a listing sees it before reading it in full. */
export interface RunEntry {
  readonly queueName: string;
  readonly jobId: string;
  readonly jobName: string;
  readonly bullState: IndexedState;
  /** As `getRun` computes it (but `stale`); `undefined` from a light read. */
  readonly status: RunStatus | undefined;
  readonly addedAt: number;
  /** The stored tags as JSON text: parsed only when a query filters by tags. */
  readonly tagsText: string | undefined;
}
