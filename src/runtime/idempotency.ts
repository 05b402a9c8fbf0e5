/**
 * `ctx.idempotencyKey`: a key naming one item of one job, the same on every try of that item
 * (retries, resumes, a crash and the next worker), for effects outside the database such as
 * emails or HTTP calls whose receiver can drop a repeated key. It is the job id and the item's
 * cursor (the position after it), with object keys sorted, because a cursor read back from
 * PostgreSQL's `jsonb` may have its keys in another order than the enumerator gave them.
 */
import type { JsonValue } from '../json.js';

/**
 * `42:7` for item cursor 7 of job 42; `42:{"created_at":"…","id":"9"}` for a keyset cursor.
 *
 * @example
 * ```ts
 * async eachIteration(user, ctx) {
 *   await stripe.charges.create({ amount: 500, customer: user.id }, { idempotencyKey: ctx.idempotencyKey });
 * }
 * ```
 */
export function idempotencyKey(jobId: string, cursor: JsonValue | undefined): string {
  return `${jobId}:${canonical(cursor ?? null)}`;
}

function canonical(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map(canonical).join(',')}]`;
  const object = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(object[k]!)}`).join(',')}}`;
}
