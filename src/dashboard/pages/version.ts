/**
 * What a run's page says about the versions of its job (see the changing-jobs guide): the version
 * that wrote its state, the migration it went through (and the cursor it had before), and the
 * version it waits for while workers of an older one give it back.
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { jsonBlock, time } from './widgets.js';

/** The fields this file shows, which the page's generic extras leave out. */
export const VERSION_FIELDS = ['version', 'migrated', 'waitingForVersion'] as const;

/** Figures for the run page: `version 2 (migrated from 1)`, `waiting for version 3`. */
export function versionFigures(run: IterationRunInfo): [string, Html | string][] {
  const figures: [string, Html | string][] = [];
  if (run.version !== undefined) {
    const m = run.migrated;
    figures.push([
      'job version',
      m === undefined
        ? String(run.version)
        : html`${run.version} (migrated from ${m.fromVersion} ${time(m.at)})`,
    ]);
  }
  if (run.waitingForVersion !== undefined) {
    figures.push(['waiting for version', html`<strong>${run.waitingForVersion}</strong>`]);
  }
  return figures;
}

/** Under the cursor: the state the run had before its migration, as the operator may need it. */
export function beforeMigration(run: IterationRunInfo): Html | string {
  const m = run.migrated;
  if (m === undefined) return '';
  return html`<h3>Before the migration from version ${m.fromVersion}</h3>
    ${jsonBlock(m.previous)}`;
}
