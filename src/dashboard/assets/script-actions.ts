/**
 * The page script's confirmation dialog and what opens it: a run's buttons (pause, resume, cancel,
 * retry, restart, restart from a cursor, replay) and the bulk actions over the filters, whose
 * dialog first shows the server's preview. Part of DASHBOARD_SCRIPT (script.ts).
 */
export const ACTIONS_SCRIPT = String.raw`
  // ---- The confirmation dialog, for every action ----
  const dialog = $('confirm');
  if (!dialog) return;
  const form = $('confirm-form');
  const reasonField = $('reason-field');
  const reason = $('confirm-reason');
  const cursorField = $('cursor-field');
  const cursor = $('confirm-cursor');
  const sample = $('confirm-sample');
  const tokenField = $('token-field');
  const tokenInput = $('confirm-token');
  const errorBox = $('confirm-error');
  const go = $('confirm-go');
  let pending;

  /** Opens the dialog for spec: { title, text, go, danger, reason, cursor, sample, send(fields) }. */
  function confirmAction(spec) {
    pending = spec;
    $('confirm-title').textContent = spec.title;
    $('confirm-text').textContent = spec.text;
    reasonField.hidden = !spec.reason;
    reason.value = '';
    cursorField.hidden = spec.cursor === undefined;
    cursor.value = spec.cursor === undefined ? '' : spec.cursor;
    sample.hidden = !spec.sample || spec.sample.length === 0;
    sample.replaceChildren(...(spec.sample || []).map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }));
    if (tokenField) {
      tokenField.hidden = !config.tokenRequired || storedToken() !== '';
      tokenInput.value = '';
    }
    errorBox.hidden = true;
    go.textContent = spec.go;
    go.disabled = spec.disabled === true;
    go.className = 'button ' + (spec.danger ? 'danger' : 'primary');
    dialog.showModal();
    (spec.cursor !== undefined ? cursor : spec.reason ? reason : go).focus();
  }
  $('confirm-back').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!pending) return;
    const token = tokenField && !tokenField.hidden ? tokenInput.value.trim() : '';
    const fields = { reason: reason.value.trim(), token };
    if (!cursorField.hidden) {
      try {
        fields.cursor = JSON.parse(cursor.value);
      } catch (error) {
        errorBox.textContent = 'The cursor is not JSON: ' + error.message;
        errorBox.hidden = false;
        return;
      }
    }
    go.disabled = true;
    try {
      const message = await pending.send(fields);
      dialog.close();
      toast(message);
      refresh();
    } catch (error) {
      if (error.status === 401 && tokenField) tokenField.hidden = false;
      errorBox.textContent = error instanceof Refused ? error.message : 'The request failed: ' + error.message;
      errorBox.hidden = false;
    } finally {
      go.disabled = false;
    }
  });

  const RUN_ACTIONS = {
    pause: ['Pause', 'It stops at its next item, saves its cursor and parks without holding a worker slot until it is resumed.'],
    resume: ['Resume', 'It continues from its cursor as soon as a worker is free.'],
    cancel: ['Cancel', 'It stops at its next item and ends as cancelled: not a failure, never retried. Its cursor stays stored.'],
    retry: ['Retry', 'It goes back to the queue and resumes at its cursor: the items finished before the failure are not done again.'],
    restart: ['Restart', 'A new run of the same job, params and options starts from the beginning. This run stays as it is, the record of where it stood.'],
    'restart-from': ['Restart', 'A new run of the same job, params and options starts at the cursor below (to step past a poison item). This run stays as it is.'],
    replay: ['Replay', 'A new run visits exactly the items this run skipped; what fails again is recorded in its own list.'],
  };

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) return openRunAction(button.dataset);
    const bulk = event.target.closest('button[data-bulk]');
    if (bulk && !bulk.disabled) return openBulk(bulk.dataset.bulk);
  });

  function openRunAction(data) {
    const action = data.action;
    const [verb, what] = RUN_ACTIONS[action];
    const api = action === 'restart-from' ? 'restart' : action;
    const url = config.base + '/api/runs/' + encodeURIComponent(data.job) + '/' + api + '?queue=' + encodeURIComponent(data.queue);
    confirmAction({
      title: verb + ' run #' + data.job + '?',
      text: '“' + data.name + '” #' + data.job + ': ' + what,
      go: verb + ' run',
      danger: action === 'cancel',
      reason: action !== 'resume',
      cursor: action === 'restart-from' ? data.cursor : undefined,
      async send(fields) {
        const body = {};
        if (fields.reason) body.reason = fields.reason;
        if (action === 'restart-from') body.fromCursor = fields.cursor;
        const answer = await post(url, JSON.stringify(body), undefined, fields.token);
        return answer.newRunId
          ? verb + ' requested: run #' + data.job + ' continues as run #' + answer.newRunId + '.'
          : verb + ' requested: run #' + data.job + ' is now ' + answer.run.status + '.';
      },
    });
  }

  const BULK = { pause: ['Pause', 'paused'], resume: ['Resume', 'resumed'], cancel: ['Cancel', 'cancelled'] };

  async function openBulk(action) {
    const [verb, done] = BULK[action];
    const query = new URLSearchParams(location.search);
    query.delete('page');
    let preview;
    try {
      const response = await fetch(config.base + '/api/bulk?action=' + action + '&' + query.toString(), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      preview = await response.json();
      if (!response.ok) throw new Error(preview.error || response.statusText);
    } catch (error) {
      return toast('No preview: ' + error.message, true);
    }
    const filter = Object.fromEntries(query.entries());
    const described = Object.entries(filter).map(([key, value]) => key + ' ' + value).join(', ');
    const skipped = preview.matched - preview.actionable;
    confirmAction({
      title: verb + ' ' + preview.actionable + ' run' + (preview.actionable === 1 ? '' : 's') + '?',
      text: preview.matched + ' run' + (preview.matched === 1 ? '' : 's') + ' match ' + described + '; ' +
        (skipped === 0 ? 'all' : preview.actionable + ' (the others are finished or already ' + done + ')') +
        ' will be ' + done + ', each with its own entry in its audit trail.',
      go: verb + ' ' + preview.actionable + ' run' + (preview.actionable === 1 ? '' : 's'),
      danger: action === 'cancel',
      reason: action !== 'resume',
      disabled: preview.actionable === 0,
      sample: preview.sample.map((run) => run.jobName + ' #' + run.jobId + ' (' + run.status + ')' + (run.queueName ? ' · ' + run.queueName : '')),
      async send(fields) {
        const body = { filter };
        if (fields.reason) body.reason = fields.reason;
        const answer = await post(config.base + '/api/bulk/' + action, JSON.stringify(body), undefined, fields.token);
        return done.charAt(0).toUpperCase() + done.slice(1) + ' ' + answer.changed.length + ' run' + (answer.changed.length === 1 ? '' : 's') +
          (answer.refused.length ? '; ' + answer.refused.length + ' refused (they moved on meanwhile)' : '') + '.';
      },
    });
  }

`;
