/**
 * The page script's part for a job's "New run" form: the browser's own checks first, then the
 * params gathered by each field's kind, the CSV file uploaded, the run started, and the server's
 * issues shown beside their fields. Part of DASHBOARD_SCRIPT (script.ts).
 */
export const FORM_SCRIPT = String.raw`
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
`;
