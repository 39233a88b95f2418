/**
 * VeilError: the one error type Veil throws.
 *
 * Every error carries a stable `code` (listed in docs/errors.md and in the code tables under
 * src/core/codes/), a `category` from a small fixed set, a message about what happened, a `hint`
 * with the next step for the user, and the `cause` it wraps. Match on `code`, never on message text.
 */
import { CODES, type VeilErrorCode } from './codes/index.js';

/** The fixed set of categories; the CLI maps each to an exit status (see EXIT_STATUS). */
export const CATEGORIES = ['config', 'local-daemon', 'network', 'peer', 'input', 'aborted', 'bug'] as const;
export type ErrorCategory = (typeof CATEGORIES)[number];

/** Exit status for each category (documented in docs/errors.md). */
export const EXIT_STATUS: Readonly<Record<ErrorCategory, number>> = Object.freeze({
  input: 2,
  config: 3,
  'local-daemon': 4,
  network: 5,
  peer: 6,
  aborted: 130,
  bug: 70,
});

export interface VeilErrorOptions {
  /** Overrides the default hint of the code. */
  hint?: string;
  cause?: unknown;
  /** Structured detail for programs (e.g. the offending keys); never secrets. */
  details?: Record<string, unknown>;
}

export class VeilError extends Error {
  override readonly name = 'VeilError';
  readonly code: VeilErrorCode;
  readonly category: ErrorCategory;
  readonly hint: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: VeilErrorCode, message: string, options: VeilErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = CODES[code];
    this.code = code;
    this.category = entry.category;
    this.hint = options.hint ?? entry.hint;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, category: this.category, message: this.message, hint: this.hint, details: this.details };
  }
}

export function isVeilError(err: unknown, code?: VeilErrorCode): err is VeilError {
  return err instanceof VeilError && (code === undefined || err.code === code);
}

/** Marks an impossible state: the message says it is a bug in Veil. */
export function bug(what: string, cause?: unknown): VeilError {
  return new VeilError('VEIL_BUG', `internal error (a bug in Veil): ${what}`, { cause });
}

/** Quotes untrusted protocol text for an error message: truncated, control characters escaped. */
export function quoteUntrusted(text: string | Uint8Array, maxChars = 80): string {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const cut = s.length > maxChars ? s.slice(0, maxChars) + '…' : s;
  return JSON.stringify(cut);
}
