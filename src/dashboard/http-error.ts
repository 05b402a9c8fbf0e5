/** A refusal the handler answers with its status and message (a bad filter, an unknown queue). */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422,
    message: string,
    /** Extra fields of the JSON answer (a form's issues). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
