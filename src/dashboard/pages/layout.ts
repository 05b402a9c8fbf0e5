/**
 * The frame of every page: header and navigation, the live region the page script refreshes, the
 * confirmation dialog of control actions, and the page's settings as an inert JSON block (the
 * Content-Security-Policy allows no inline script).
 */
import type { Html } from '../html.js';
import { html, jsonForScript } from '../html.js';

export interface PageFrame {
  readonly title: string;
  readonly base: string;
  /** The queues the console shows, the default first. */
  readonly queueNames: readonly string[];
  readonly backendLabel: string | undefined;
  readonly nav: 'runs' | 'jobs' | 'run' | 'job';
  /** Whether the Jobs page exists (a worker module was given). */
  readonly hasJobs: boolean;
  readonly readOnly: boolean;
  /** Whether control actions ask for the access token (false behind an `authorize` hook). */
  readonly tokenRequired: boolean;
  readonly csrfToken: string;
  /** Where the live region refreshes from; none for a static page. */
  readonly fragmentUrl: string | undefined;
  readonly refreshMs: number;
}

/** A whole page: `fixed` stays put (filters), `live` is what the page script refreshes. */
export function page(frame: PageFrame, live: Html, fixed?: Html): Html {
  const { base } = frame;
  const config = {
    base,
    fragmentUrl: frame.fragmentUrl ?? null,
    refreshMs: frame.refreshMs,
    readOnly: frame.readOnly,
    tokenRequired: frame.tokenRequired,
  };
  const link = (name: PageFrame['nav'], href: string, text: string) =>
    html`<a href="${href}" ${frame.nav === name ? html` aria-current="page"` : ''}>${text}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content="${frame.csrfToken}" />
        <meta name="referrer" content="no-referrer" />
        <title>${frame.title} · bullmq-iteration</title>
        <link rel="icon" type="image/svg+xml" href="${base}/assets/favicon.svg" />
        <link rel="stylesheet" href="${base}/assets/dashboard.css" />
        <script type="application/json" id="dashboard-config">
          ${jsonForScript(config)}
        </script>
        <script src="${base}/assets/dashboard.js" defer></script>
      </head>
      <body>
        <header class="top">
          <div class="brand"><span class="logo" aria-hidden="true">⟳</span> bullmq-iteration</div>
          <nav>
            ${link('runs', `${base}/`, 'Runs')}${frame.hasJobs ? link(frame.nav === 'job' ? 'job' : 'jobs', `${base}/jobs`, 'Jobs') : ''}
          </nav>
          <div class="where">
            ${frame.queueNames.length === 1 ? 'queue' : 'queues'}
            <strong>${frame.queueNames.join(', ')}</strong
            >${frame.backendLabel ? html` · ${frame.backendLabel}` : ''}${frame.readOnly ? html` · <span class="badge tone-quiet">read-only</span>` : ''}
          </div>
          <div class="live-state" id="live-state" aria-live="polite"></div>
        </header>
        <main>
          ${fixed ?? ''}
          <div id="live">${live}</div>
        </main>
        <div id="toast" role="status" aria-live="polite" hidden></div>
        ${frame.readOnly ? '' : confirmDialog(frame.tokenRequired)}
      </body>
    </html>`;
}

function confirmDialog(tokenRequired: boolean): Html {
  return html`<dialog id="confirm" aria-labelledby="confirm-title">
    <form id="confirm-form" method="dialog">
      <h2 id="confirm-title">Confirm</h2>
      <p id="confirm-text"></p>
      <ul class="plain sample" id="confirm-sample" hidden></ul>
      <label class="field" id="cursor-field" hidden
        >Start at cursor <span class="muted">(JSON: the position after the last item to skip)</span>
        <textarea id="confirm-cursor" rows="3" spellcheck="false"></textarea>
      </label>
      <label class="field" id="reason-field"
        >Reason <span class="muted">(shown in status, the worker's log and the audit trail)</span>
        <input
          name="reason"
          id="confirm-reason"
          maxlength="500"
          autocomplete="off"
          placeholder="e.g. database maintenance"
      /></label>
      ${
        tokenRequired
          ? html`<label class="field" id="token-field"
              >Access token <span class="muted">(printed when the dashboard started)</span>
              <input
                name="token"
                id="confirm-token"
                type="password"
                autocomplete="off"
                spellcheck="false"
            /></label>`
          : ''
      }
      <p class="error" id="confirm-error" role="alert" hidden></p>
      <div class="actions">
        <button type="button" class="button" id="confirm-back">Back</button>
        <button type="submit" class="button primary" id="confirm-go">Confirm</button>
      </div>
    </form>
  </dialog>`;
}
