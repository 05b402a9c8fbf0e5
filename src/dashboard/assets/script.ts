/**
 * The page script, served as /assets/dashboard.js: plain browser JavaScript, no build step and no
 * framework. It refreshes the live region from server-rendered (escaped) fragments about once a
 * second, runs the confirmation dialog of every action (a run's buttons, bulk actions), and sends
 * a job's "New run" form (uploading its CSV file first). It never builds markup from data itself:
 * text from the server goes into `textContent`.
 */
import { ACTIONS_SCRIPT } from './script-actions.js';
import { FORM_SCRIPT } from './script-form.js';

/**
 * The whole script: one function, so the three parts share the page's settings, `post` and the
 * dialog. Read-only pages have no dialog and no form: the script ends after the core part.
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

`.concat(ACTIONS_SCRIPT, FORM_SCRIPT, '})();\n');
