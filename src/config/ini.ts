/**
 * Reader for veil.cfg in Tahoe-LAFS's tahoe.cfg syntax (Python configparser, strict mode):
 *   [section]            section names are case-sensitive
 *   key = value          `:` is accepted as the separator too; keys are case-insensitive (configparser
 *                        lower-cases option names, so `reveal-IP-address` == `reveal-ip-address`)
 *   # comment / ; comment   whole-line comments only: a `#` inside a value is part of the value
 * Duplicate sections and duplicate keys in one section are errors (configparser strict=True).
 * Indented lines (configparser continuations) are rejected rather than silently joined.
 * Every entry keeps its line number and its key as written, for error messages.
 * Pure: no I/O. All problems are collected; parseIni() throws them together as VEIL_CONFIG_INVALID.
 */
import { invalidConfigError, ProblemList, type ConfigProblem } from './problems.js';

export interface IniEntry {
  /** The key as the user wrote it (for messages). */
  readonly key: string;
  /** Lower-cased key (for lookups). */
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  /** Entries by lower-cased key, in file order. */
  readonly entries: ReadonlyMap<string, IniEntry>;
}

export interface IniDocument {
  /** Sections by name (case-sensitive), in file order. */
  readonly sections: ReadonlyMap<string, IniSection>;
}

export interface IniLimits {
  /** Largest accepted file, in characters (default 1 MiB). */
  readonly maxChars?: number;
  /** Longest accepted line, in characters (default 8192). */
  readonly maxLineChars?: number;
}

export const DEFAULT_INI_LIMITS = Object.freeze({ maxChars: 1 << 20, maxLineChars: 8192 });

export interface IniReadResult {
  readonly document: IniDocument;
  readonly problems: readonly ConfigProblem[];
}

const SECTION_RE = /^\[([^\]]*)\]\s*$/;
// C0 controls except TAB, and DEL: never meaningful in a config file, and they hide text in terminals.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Reads INI text, collecting every problem; the document holds whatever could be read. */
export function readIni(text: string, limits: IniLimits = {}): IniReadResult {
  const maxChars = limits.maxChars ?? DEFAULT_INI_LIMITS.maxChars;
  const maxLineChars = limits.maxLineChars ?? DEFAULT_INI_LIMITS.maxLineChars;
  const problems = new ProblemList();
  const sections = new Map<string, { name: string; line: number; entries: Map<string, IniEntry> }>();
  if (text.length > maxChars) {
    problems.add({ message: `file is larger than ${maxChars} characters` });
    return { document: { sections: new Map() }, problems: problems.items };
  }
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\n|\r/);
  let current: { name: string; line: number; entries: Map<string, IniEntry> } | undefined;
  let skipping = false; // inside a duplicate section: its keys were reported with the section
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > maxLineChars) {
      problems.add({ line, message: `line is longer than ${maxLineChars} characters` });
      return;
    }
    if (CONTROL_RE.test(raw)) {
      problems.add({ line, message: 'line contains a control character' });
      return;
    }
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(raw)) {
      problems.add({ line, message: 'indented line: continuation lines are not supported (remove the leading spaces)' });
      return;
    }
    const header = SECTION_RE.exec(trimmed);
    if (header) {
      const name = (header[1] ?? '').trim();
      if (name === '') {
        problems.add({ line, message: 'empty section name "[]"' });
        current = undefined;
        skipping = true;
        return;
      }
      const previous = sections.get(name);
      if (previous) {
        problems.add({ section: name, line, message: `duplicate section (first defined on line ${previous.line})` });
        skipping = true;
        current = undefined;
        return;
      }
      current = { name, line, entries: new Map() };
      sections.set(name, current);
      skipping = false;
      return;
    }
    if (trimmed.startsWith('[')) {
      problems.add({ line, message: 'malformed section header (expected "[name]")' });
      current = undefined;
      skipping = true;
      return;
    }
    const sep = firstSeparator(trimmed);
    if (sep < 0) {
      problems.add({ section: current?.name, line, message: 'expected "key = value"' });
      return;
    }
    const key = trimmed.slice(0, sep).trim();
    const value = trimmed.slice(sep + 1).trim();
    if (key === '') {
      problems.add({ section: current?.name, line, message: 'missing key name before "="' });
      return;
    }
    if (skipping) return;
    if (!current) {
      problems.add({ key, line, message: 'key outside of any section (add a [section] header above it)' });
      return;
    }
    const name = key.toLowerCase();
    const previous = current.entries.get(name);
    if (previous) {
      problems.add({ section: current.name, key, line, message: `duplicate key (first set on line ${previous.line})` });
      return;
    }
    current.entries.set(name, Object.freeze({ key, name, value, line }));
  });
  return { document: { sections }, problems: problems.items };
}

function firstSeparator(s: string): number {
  const eq = s.indexOf('=');
  const colon = s.indexOf(':');
  if (eq < 0) return colon;
  if (colon < 0) return eq;
  return Math.min(eq, colon);
}

/** Reads INI text; throws VEIL_CONFIG_INVALID listing every problem. `file` names the source in the message. */
export function parseIni(text: string, file = 'veil.cfg', limits: IniLimits = {}): IniDocument {
  const { document, problems } = readIni(text, limits);
  if (problems.length > 0) throw invalidConfigError(file, problems);
  return document;
}
