/** Operating runs from anywhere: their status, and pause, resume and cancel requests. */
export type { ControlAction, ControlRequest } from '../runtime/control-request.js';
export type { MigrationRecord, RestartRecord } from '../runtime/state.js';
export type { ControlOptions } from './commands.js';
export { cancelRun, pauseRun, resumeRun } from './commands.js';
export type { FailedItemEntry, FailedItems } from './failed-items.js';
export { getFailedItems } from './failed-items.js';
export type { RestartedRun, RestartOptions } from './restart.js';
export { restartRun } from './restart.js';
export type { ReplayQueue } from './retry-failed.js';
export { retryFailedItems } from './retry-failed.js';
export type { IterationRunInfo, ListRunsOptions, RunStatus } from './status.js';
export { getRun, listRuns } from './status.js';
export type { ControlQueue } from './target.js';
export type { RunVersionInfo } from './version-info.js';
