/**
 * The page script, served as /assets/dashboard.js: plain browser JavaScript, no build step and no
 * framework. It refreshes the live region from server-rendered (escaped) fragments about once a
 * second, runs the confirmation dialog of every action (a run's buttons, bulk actions), and sends
 * a job's "New run" form (uploading its CSV file first). It never builds markup from data itself:
 * text from the server goes into `textContent`.
 */
export const DASHBOARD_SCRIPT = String.raw`(() => {
  'use strict';
  const config = JSON.parse(document.getElementById('dashboard-config').textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const KEY = 'bullmq-iteration-dashboard-token';
  const $ = (id) => document.getElementById(id);

  // A token handed over in the address's fragment (#token=…) never reaches a server log; keep it
  // for this tab only and take it out of the address bar at once.
  // A link pasted into an open tab changes only the fragment: no reload, so listen for that too.
  function takeTokenFromHash() {
    const fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!fromHash) return;
    remember(decodeURIComponent(fromHash[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  takeTokenFromHash();
  window.addEventListener('hashchange', takeTokenFromHash);
  function remember(token) {
    try { token ? sessionStorage.setItem(KEY, token) : sessionStorage.removeItem(KEY); } catch (e) {}
  }
  function storedToken() {
    try { return sessionStorage.getItem(KEY) || ''; } catch (e) { return ''; }
  }

  function localTimes(root) {
    for (const el of root.querySelectorAll('time[datetime]')) {
      const date = new Date(el.getAttribute('datetime'));
      if (!Number.isNaN(date.getTime())) {
        el.title = el.textContent;
        const today = date.toDateString() === new Date().toDateString();
        el.textContent = today ? date.toLocaleTimeString() : date.toLocaleString();
      }
    }
  }

  const live = $('live');
  const state = $('live-state');
  let timer;
  async function refresh() {
    clearTimeout(timer);
    if (!config.fragmentUrl) return;
    try {
      const response = await fetch(config.fragmentUrl + location.search, {
        headers: { accept: 'text/html' },
        cache: 'no-store',
        credentials: 'same-origin',
      });
      const text = await response.text();
      if (!response.ok) throw new Error(response.status + ' ' + text.slice(0, 160));
      live.innerHTML = text;
      localTimes(live);
      state.textContent = 'live · ' + new Date().toLocaleTimeString();
      state.className = 'live-state ok';
    } catch (error) {
      state.textContent = 'not updating: ' + error.message;
      state.className = 'live-state stale';
    } finally {
      timer = setTimeout(refresh, config.refreshMs);
    }
  }
  localTimes(document);
  if (config.fragmentUrl) timer = setTimeout(refresh, config.refreshMs);

  const filters = $('filters');
  if (filters) filters.addEventListener('change', () => filters.submit());

  const toastBox = $('toast');
  let toastTimer;
  function toast(text, bad) {
    toastBox.textContent = text;
    toastBox.className = bad ? 'bad' : '';
    toastBox.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastBox.hidden = true; }, 6000);
  }

  /** A refusal of the server: its status and message, and the issues of a form. */
  class Refused extends Error {
    constructor(status, answer) {
      super('Refused (' + status + '): ' + (answer.error || 'no reason given'));
      this.status = status;
      this.issues = answer.issues || [];
    }
  }

  /** POSTs with the CSRF token and the access token; resolves with the JSON answer. */
  async function post(url, body, type, token, extra) {
    const headers = Object.assign({ 'content-type': type || 'application/json', accept: 'application/json', 'x-csrf-token': csrf }, extra || {});
    const secret = token || storedToken();
    if (secret) headers.authorization = 'Bearer ' + secret;
    const response = await fetch(url, { method: 'POST', headers, body, credentials: 'same-origin' });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401) remember('');
      throw new Refused(response.status, answer);
    }
    if (token) remember(token);
    return answer;
  }

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

  // ---- A job's "New run" form ----
  const newRun = $('new-run');
  if (newRun) newRun.addEventListener('submit', startRun);

  function issueFor(path) {
    const key = String(path).split('.')[0];
    return newRun.querySelector('[data-issue-for="' + CSS.escape(key) + '"]') || newRun.querySelector('[data-issue-for=""]');
  }

  /** The params the fields hold, typed by their kind; throws [path, message] on a bad value. */
  function paramsOfForm() {
    let params = {};
    for (const field of newRun.querySelectorAll('.params [data-param]')) {
      const name = field.dataset.param;
      const kind = field.dataset.kind;
      const control = field.querySelector('[name=param], [name=params]');
      const text = control.type === 'checkbox' ? '' : control.value.trim();
      const fail = (message) => { throw [name, message]; };
      if (kind === 'json-all') {
        try { params = JSON.parse(text); } catch (error) { fail('not JSON: ' + error.message); }
      } else if (kind === 'boolean') {
        params[name] = control.checked;
      } else if (text === '') {
        continue;
      } else if (kind === 'number' || kind === 'integer') {
        params[name] = Number(text);
      } else if (kind === 'enum') {
        params[name] = JSON.parse(text);
      } else if (kind === 'lines-string' || kind === 'lines-number') {
        const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
        params[name] = kind === 'lines-number' ? lines.map(Number) : lines;
        if (params[name].some((n) => Number.isNaN(n))) fail('one number per line');
      } else if (kind === 'json') {
        try { params[name] = JSON.parse(text); } catch (error) { fail('not JSON: ' + error.message); }
      } else {
        params[name] = text;
      }
    }
    return params;
  }

  async function startRun(event) {
    event.preventDefault();
    const errorLine = $('new-run-error');
    errorLine.hidden = true;
    for (const issue of newRun.querySelectorAll('[data-issue-for]')) issue.textContent = '';
    newRun.classList.add('submitted');
    if (!newRun.reportValidity()) return;
    let params;
    try {
      params = paramsOfForm();
    } catch (problem) {
      const [path, message] = Array.isArray(problem) ? problem : ['', String(problem)];
      issueFor(path).textContent = message;
      return;
    }
    const tokenField = $('new-run-token-field');
    const typed = tokenField && !tokenField.hidden ? newRun.elements.token.value.trim() : '';
    if (config.tokenRequired && !typed && !storedToken()) {
      tokenField.hidden = false;
      newRun.elements.token.focus();
      return;
    }
    const button = $('new-run-go');
    button.disabled = true;
    const job = newRun.dataset.job;
    try {
      const body = { params };
      for (const name of ['queue', 'tags', 'reason']) {
        const value = newRun.elements[name] && newRun.elements[name].value.trim();
        if (value) body[name] = value;
      }
      const file = newRun.elements.upload && newRun.elements.upload.files[0];
      if (file) {
        const url = config.base + '/api/uploads?job=' + encodeURIComponent(job);
        try {
          const answer = await post(url, file, 'text/csv', typed, { 'x-upload-name': encodeURIComponent(file.name) });
          body.upload = answer.upload.id;
        } catch (error) {
          const field = newRun.querySelector('[data-kind=upload]');
          if (field) issueFor(field.dataset.param).textContent = error.message;
          throw error;
        }
      }
      const answer = await post(config.base + '/api/jobs/' + encodeURIComponent(job) + '/runs', JSON.stringify(body), undefined, typed);
      toast('Started run #' + answer.run.jobId + '.');
      location.href = config.base + '/runs/' + encodeURIComponent(answer.run.jobId) + '?queue=' + encodeURIComponent(answer.run.queueName);
    } catch (error) {
      if (error.status === 401 && tokenField) tokenField.hidden = false;
      for (const issue of error.issues || []) issueFor(issue.path).textContent = issue.message;
      errorLine.textContent = error instanceof Refused ? error.message : 'The request failed: ' + error.message;
      errorLine.hidden = false;
    } finally {
      button.disabled = false;
    }
  }
})();
`;
