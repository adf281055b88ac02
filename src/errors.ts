/**
 * An error a person can act on: a stable code, what happened, and what to do about it.
 * The CLI prints `message` and `hint`; programs switch on `code`.
 */
export class BazaarError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BazaarError';
    this.code = code;
    this.hint = hint;
  }
}
