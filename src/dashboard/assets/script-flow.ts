/**
 * The page script's part for flow control: a run's rate buttons (set or remove its limit, in the
 * confirmation dialog), the holds page's form (a new hold over some tags) and its Release
 * buttons. Part of DASHBOARD_SCRIPT (script.ts), after the dialog's part (read-only pages have
 * neither).
 */
export const FLOW_SCRIPT = String.raw`
  // ---- Flow control: a run's rate limit, holds ----
  document.addEventListener('click', (event) => {
    const rate = event.target.closest('button[data-rate]');
    if (rate) return openRate(rate.dataset);
    const release = event.target.closest('button[data-release]');
    if (release) return openRelease(release.dataset);
  });

  function openRate(data) {
    const remove = data.rate === 'remove';
    const url = config.base + '/api/runs/' + encodeURIComponent(data.job) + '/rate?queue=' + encodeURIComponent(data.queue);
    confirmAction({
      title: (remove ? 'Remove the rate limit of' : 'Limit the rate of') + ' run #' + data.job + '?',
      text: '“' + data.name + '” #' + data.job + ': ' + (remove
        ? 'it goes as fast as its workers and throttles allow, within about a second.'
        : 'the whole run (every partition, on every worker) keeps to this many rows a second, within about a second.'),
      go: remove ? 'Remove limit' : 'Set limit',
      reason: true,
      rate: remove ? undefined : data.current,
      async send(fields) {
        const body = { itemsPerSecond: remove ? null : fields.rate };
        if (fields.reason) body.reason = fields.reason;
        const answer = await post(url, JSON.stringify(body), undefined, fields.token);
        const limit = answer.run.rate;
        return 'Run #' + data.job + (limit ? ' is limited to ' + limit.itemsPerSecond + ' rows/s.' : ' has no rate limit.');
      },
    });
  }

  function openRelease(data) {
    const url = config.base + '/api/holds/' + encodeURIComponent(data.release) + '/release?queue=' + encodeURIComponent(data.queue);
    confirmAction({
      title: 'Release hold ' + data.release + '?',
      text: 'The runs tagged ' + data.tags + ' that it parks go on from their checkpoints, and new ones start again.',
      go: 'Release',
      reason: false,
      async send(fields) {
        await post(url, '{}', undefined, fields.token);
        return 'Released hold ' + data.release + '.';
      },
    });
  }

  const holdForm = $('hold-form');
  if (holdForm) holdForm.addEventListener('submit', createHold);

  async function createHold(event) {
    event.preventDefault();
    const errorLine = $('hold-error');
    errorLine.hidden = true;
    holdForm.classList.add('submitted');
    if (!holdForm.reportValidity()) return;
    const tokenField = $('hold-token-field');
    const typed = tokenField && !tokenField.hidden ? holdForm.elements.token.value.trim() : '';
    if (config.tokenRequired && !typed && !storedToken()) {
      tokenField.hidden = false;
      holdForm.elements.token.focus();
      return;
    }
    const body = {};
    for (const name of ['queue', 'tags', 'reason']) {
      const value = holdForm.elements[name] && holdForm.elements[name].value.trim();
      if (value) body[name] = value;
    }
    const button = $('hold-go');
    button.disabled = true;
    try {
      const answer = await post(config.base + '/api/holds', JSON.stringify(body), undefined, typed);
      holdForm.reset();
      holdForm.classList.remove('submitted');
      if (tokenField) tokenField.hidden = true;
      toast('Hold ' + answer.hold.id + ' made: runs tagged ' + body.tags + ' park within about a second.');
      refresh();
    } catch (error) {
      if (error.status === 401 && tokenField) tokenField.hidden = false;
      errorLine.textContent = error instanceof Refused ? error.message : 'The request failed: ' + error.message;
      errorLine.hidden = false;
    } finally {
      button.disabled = false;
    }
  }
`;
