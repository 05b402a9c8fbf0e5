/**
 * Building HTML from strings without a template engine, safely: every value interpolated into the
 * `html` tag is escaped unless it is itself markup made by `html` (or `raw`, for constant text).
 * Job data (params, cursors, ids, error messages, even status strings) reaches the page only
 * through here, so a hostile value cannot open a tag, break out of an attribute or end a script.
 */

/** Markup that is already safe to insert as is. */
export class Html {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return escapeHtml(part);
}

/**
 * The tag: `html\`<td title="${cursor}">${name}</td>\``. Arrays are joined, `null`, `undefined`
 * and `false` render nothing (for conditional parts).
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Constant markup from this package's own code; never pass job data. */
export function raw(text: string): Html {
  return new Html(text);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the line separators are
 * written as `\u` escapes, so a value holding `</script>` or `<!--` cannot end the block.
 */
export function jsonForScript(value: unknown): Html {
  const text = JSON.stringify(value) ?? 'null';
  return new Html(
    text.replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  );
}

/** A path segment for a link: ids may hold `/`, `?`, `#` or anything else. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
