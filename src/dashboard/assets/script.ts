/**
 * The page script, served as /assets/dashboard.js: plain browser JavaScript, no build step and no
 * framework. It refreshes the live region from server-rendered (escaped) fragments about once a
 * second, and runs the confirmation dialog of control actions. It never builds markup from data
 * itself: text from the server goes into `textContent`.
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

  const dialog = $('confirm');
  if (!dialog) return;
  const VERBS = { pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };
  const WHAT = {
    pause: 'It stops at its next item, saves its cursor and parks without holding a worker slot until it is resumed.',
    resume: 'It continues from its cursor as soon as a worker is free.',
    cancel: 'It stops at its next item and ends as cancelled: not a failure, never retried. Its cursor stays stored.',
  };
  const form = $('confirm-form');
  const reasonField = $('reason-field');
  const reason = $('confirm-reason');
  const tokenField = $('token-field');
  const tokenInput = $('confirm-token');
  const errorBox = $('confirm-error');
  const go = $('confirm-go');
  let pending;

  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    pending = { action, job: button.dataset.job, name: button.dataset.name };
    $('confirm-title').textContent = VERBS[action] + ' run #' + pending.job + '?';
    $('confirm-text').textContent = '“' + pending.name + '” #' + pending.job + ': ' + WHAT[action];
    reasonField.hidden = action === 'resume';
    reason.value = '';
    if (tokenField) {
      tokenField.hidden = config.tokenRequired && storedToken() !== '';
      tokenInput.value = '';
    }
    errorBox.hidden = true;
    go.textContent = VERBS[action] + ' run';
    go.className = 'button ' + (action === 'cancel' ? 'danger' : 'primary');
    dialog.showModal();
    (action === 'resume' ? go : reason).focus();
  });
  $('confirm-back').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!pending) return;
    const typed = tokenField && !tokenField.hidden ? tokenInput.value.trim() : '';
    const token = typed || storedToken();
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf };
    if (token) headers.authorization = 'Bearer ' + token;
    const body = pending.action !== 'resume' && reason.value.trim() ? { reason: reason.value.trim() } : {};
    go.disabled = true;
    try {
      const url = config.base + '/api/runs/' + encodeURIComponent(pending.job) + '/' + pending.action;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        if (response.status === 401) {
          remember('');
          if (tokenField) tokenField.hidden = false;
        }
        errorBox.textContent = 'Refused (' + response.status + '): ' + (answer.error || response.statusText);
        errorBox.hidden = false;
        return;
      }
      if (typed) remember(typed);
      dialog.close();
      toast(VERBS[pending.action] + ' requested: run #' + pending.job + ' is now ' + answer.run.status + '.');
      refresh();
    } catch (error) {
      errorBox.textContent = 'The request failed: ' + error.message;
      errorBox.hidden = false;
    } finally {
      go.disabled = false;
    }
  });
})();
`;
