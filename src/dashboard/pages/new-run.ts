/**
 * The "New run" form of a job, generated from its params' JSON Schema: a field per property
 * (text, number, a choice, a checkbox, a list, or a small JSON editor for what has no field of its
 * own), with the schema's limits as the browser's own constraints (required, min, max, length,
 * pattern), so the browser checks before sending and the server checks again with the schema.
 * Without a JSON Schema the form is one JSON editor. A job with `csvUpload` takes a file instead
 * of the param that receives its path.
 */
import type { CsvUploadOption } from '../../csv-upload-option.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { JsonSchema } from '../params-form/json-schema.js';

export interface NewRunForm {
  readonly job: string;
  readonly schema: JsonSchema | undefined;
  readonly queues: readonly string[];
  readonly defaultQueue: string;
  readonly csvUpload: CsvUploadOption | undefined;
  /** Whether the console has an upload directory. */
  readonly uploadsOn: boolean;
  /** Whether actions need the access token (no `authorize` hook). */
  readonly tokenRequired: boolean;
}

export function newRunForm(form: NewRunForm): Html {
  const { schema, csvUpload } = form;
  const properties = schema?.type === 'object' ? (schema.properties ?? {}) : undefined;
  const required = new Set(schema?.required ?? []);
  const fields =
    properties === undefined
      ? jsonEditor()
      : Object.entries(properties)
          .filter(([name]) => name !== csvUpload?.param)
          .map(([name, property]) => field(name, property, required.has(name)));
  return html`<form class="card new-run" id="new-run" data-job="${form.job}" autocomplete="off">
    <h2>New run</h2>
    ${
      form.queues.length > 1
        ? html`<label class="field"
            >Queue
            <select name="queue">
              ${form.queues.map(
                (queue) =>
                  html`<option
                    value="${queue}"
                    ${queue === form.defaultQueue ? html` selected` : ''}
                  >
                    ${queue}
                  </option>`,
              )}
            </select></label
          >`
        : ''
    }
    ${csvUpload === undefined ? '' : upload(csvUpload, form.uploadsOn)}
    <div class="params">${fields}</div>
    <label class="field"
      >Tags <span class="muted">(optional, e.g. shard=db-3,region=eu)</span
      ><input name="tags" spellcheck="false" pattern="[^=,]+=[^,]*(,[^=,]+=[^,]*)*"
    /></label>
    <label class="field"
      >Reason <span class="muted">(optional, kept in the run's audit trail)</span
      ><input name="reason" maxlength="500"
    /></label>
    ${
      form.tokenRequired
        ? html`<label class="field" id="new-run-token-field" hidden
            >Access token <span class="muted">(printed when the dashboard started)</span>
            <input name="token" type="password" autocomplete="off" spellcheck="false"
          /></label>`
        : ''
    }
    <p class="error" id="new-run-error" role="alert" hidden></p>
    <div class="actions">
      <button type="submit" class="button primary" id="new-run-go">Start run</button>
    </div>
  </form>`;
}

function upload(option: CsvUploadOption, on: boolean): Html {
  if (!on) {
    return html`<p class="muted">
      This job reads a CSV file (param <code>${option.param}</code>); start the dashboard with
      <code>--upload-dir</code> to upload one here.
    </p>`;
  }
  return html`<label class="field" data-param="${option.param}" data-kind="upload"
    >CSV file <span class="muted">(its path becomes <code>${option.param}</code>)</span>
    <input type="file" name="upload" accept=".csv,text/csv" required />
    <span class="issue" data-issue-for="${option.param}"></span>
  </label>`;
}

function jsonEditor(): Html {
  return html`<label class="field" data-param="" data-kind="json-all"
    >Params <span class="muted">(JSON)</span>
    <textarea name="params" rows="6" spellcheck="false" required>{}</textarea>
    <span class="issue" data-issue-for=""></span>
  </label>`;
}

/** One property's field; its constraints are HTML attributes the browser enforces. */
function field(name: string, property: JsonSchema, required: boolean): Html {
  const type = kindOf(property);
  const label = html`${property.title ?? name}${required ? '' : html` <span class="muted">(optional)</span>`}${
    property.description ? html`<span class="hint">${property.description}</span>` : ''
  }`;
  const need = required && type !== 'boolean' ? html` required` : '';
  const given = property.default;
  let input: Html;
  if (type === 'enum') {
    const values = property.enum ?? [property.const];
    input = html`<select name="param">
      ${required ? '' : html`<option value="">–</option>`}
      ${values.map(
        (value) =>
          html`<option value="${JSON.stringify(value)}" ${value === given ? html` selected` : ''}>
            ${String(value)}
          </option>`,
      )}
    </select>`;
  } else if (type === 'boolean') {
    input = html`<input type="checkbox" name="param" ${given === true ? html` checked` : ''} />`;
  } else if (type === 'number' || type === 'integer') {
    const min = property.minimum ?? property.exclusiveMinimum;
    const max = property.maximum ?? property.exclusiveMaximum;
    input = html`<input
      type="number"
      name="param"
      step="${type === 'integer' ? '1' : 'any'}"
      ${min === undefined ? '' : html` min="${min}"`}${max === undefined ? '' : html` max="${max}"`}${need}
      value="${typeof given === 'number' ? given : ''}"
    />`;
  } else if (type === 'string') {
    input = html`<input
      type="${property.format === 'date' ? 'date' : 'text'}"
      name="param"
      spellcheck="false"
      ${property.minLength === undefined ? '' : html` minlength="${property.minLength}"`}${
        property.maxLength === undefined ? '' : html` maxlength="${property.maxLength}"`
      }${property.pattern === undefined ? '' : html` pattern="${property.pattern}"`}${need}
      value="${typeof given === 'string' ? given : ''}"
    />`;
  } else if (type === 'lines-string' || type === 'lines-number') {
    input = html`<textarea name="param" rows="3" spellcheck="false" ${need}>
${Array.isArray(given) ? given.join('\n') : ''}</textarea>`;
  } else {
    input = html`<textarea name="param" rows="3" spellcheck="false" ${need}>
${given === undefined ? '' : JSON.stringify(given, null, 2)}</textarea>`;
  }
  const hint =
    type === 'lines-string' || type === 'lines-number'
      ? html`<span class="hint">one per line</span>`
      : type === 'json'
        ? html`<span class="hint">JSON</span>`
        : '';
  return html`<label
    class="field ${type === 'boolean' ? 'check' : ''}"
    data-param="${name}"
    data-kind="${type}"
    >${label}${hint} ${input}
    <span class="issue" data-issue-for="${name}"></span>
  </label>`;
}

type Kind =
  'enum' | 'boolean' | 'number' | 'integer' | 'string' | 'lines-string' | 'lines-number' | 'json';

function kindOf(property: JsonSchema): Kind {
  if (Array.isArray(property.enum) && property.enum.every(isScalar)) return 'enum';
  if (property.const !== undefined && isScalar(property.const)) return 'enum';
  const type = Array.isArray(property.type) ? undefined : (property.type as string | undefined);
  if (type === 'boolean' || type === 'number' || type === 'integer' || type === 'string')
    return type;
  if (type === 'array') {
    const item = property.items?.type;
    if (item === 'string') return 'lines-string';
    if (item === 'number' || item === 'integer') return 'lines-number';
  }
  return 'json';
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
