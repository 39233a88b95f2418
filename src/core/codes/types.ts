import type { ErrorCategory } from '../errors.js';

/** One row of a code table: the category and the default hint (the next step for the user). */
export interface CodeEntry {
  readonly category: ErrorCategory;
  readonly hint: string;
  /** One line for docs/errors.md: when this code is raised. */
  readonly summary: string;
}

/** Helper that keeps the literal keys of a table while checking each row. */
export function codeTable<K extends string>(table: Record<K, CodeEntry>): Readonly<Record<K, CodeEntry>> {
  return Object.freeze(table);
}
