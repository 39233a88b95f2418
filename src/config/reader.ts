/**
 * Typed access to an IniDocument with defaults from the table (defaults.ts). Every value problem is recorded
 * (naming [section] key as written and its line) and a fallback is returned, so validation can go on and
 * report all problems at once.
 */
import { isAbsolute, resolve } from 'node:path';
import { isVeilError } from '../core/index.js';
import { canonicalKey, isSectionName, keySpec, keysOf, SECTION_NAMES, type SectionName } from './defaults.js';
import type { IniDocument, IniEntry } from './ini.js';
import type { ProblemList } from './problems.js';
import { parseBoolean } from './values.js';

export interface KeyRef {
  readonly section: string;
  /** As written, or the table spelling when not written. */
  readonly key: string;
  readonly line: number | undefined;
}

export class ConfigReader {
  constructor(
    readonly document: IniDocument,
    readonly problems: ProblemList,
    readonly nodeDir: string,
  ) {}

  entry(section: SectionName, key: string): IniEntry | undefined {
    return this.document.sections.get(section)?.entries.get(key.toLowerCase());
  }

  ref(section: SectionName, key: string): KeyRef {
    const e = this.entry(section, key);
    return { section, key: e?.key ?? key, line: e?.line };
  }

  /** The value in effect: as written (trimmed), or the default. */
  value(section: SectionName, key: string): string {
    return this.entry(section, key)?.value ?? keySpec(section, key).default;
  }

  /** True when the key is written with a non-empty value. */
  isSet(section: SectionName, key: string): boolean {
    return (this.entry(section, key)?.value ?? '') !== '';
  }

  problem(section: SectionName, key: string, message: string): void {
    this.problems.add({ ...this.ref(section, key), message });
  }

  /** Parses the value in effect with `parse`; on VEIL_CONFIG_VALUE records a problem and returns `fallback`. */
  parse<T>(section: SectionName, key: string, parse: (text: string) => T, fallback: T): T {
    try {
      return parse(this.value(section, key));
    } catch (err) {
      if (!isVeilError(err, 'VEIL_CONFIG_VALUE')) throw err;
      this.problem(section, key, err.message);
      return fallback;
    }
  }

  /** Like parse(), but an empty value means "not set" (undefined). */
  optional<T>(section: SectionName, key: string, parse: (text: string) => T): T | undefined {
    return this.value(section, key) === '' ? undefined : this.parse<T | undefined>(section, key, parse, undefined);
  }

  bool(section: SectionName, key: string): boolean {
    const fallback = parseBoolean(keySpec(section, key).default);
    return this.parse(section, key, parseBoolean, fallback);
  }

  /** A file or directory path; relative paths resolve against the node directory. Empty = undefined. */
  path(section: SectionName, key: string): string | undefined {
    const v = this.value(section, key);
    if (v === '') return undefined;
    if (v.includes('\0')) {
      this.problem(section, key, 'path contains a NUL character');
      return undefined;
    }
    return isAbsolute(v) ? v : resolve(this.nodeDir, v);
  }

  /** L7 and unknown keys: every section and key of the file must be in the table. */
  checkNames(): void {
    for (const [name, section] of this.document.sections) {
      if (!isSectionName(name)) {
        this.problems.add({
          section: name,
          line: section.line,
          message: `invalid section (nearest known section: [${nearest(name, SECTION_NAMES) ?? 'node'}])`,
        });
        continue;
      }
      for (const entry of section.entries.values()) {
        if (canonicalKey(name, entry.key) !== undefined) continue;
        this.problems.add({
          section: name,
          key: entry.key,
          line: entry.line,
          message: `unknown key (nearest known key in [${name}]: ${nearest(entry.key, keysOf(name)) ?? '?'})`,
        });
      }
    }
  }
}

/** All [section] key pairs of the table, for the example-file tests and the writer. */
export function allKeys(): { section: SectionName; key: string }[] {
  return SECTION_NAMES.flatMap((section) => keysOf(section).map((key) => ({ section, key })));
}

// Edit distance for "nearest known key" suggestions (STYLE.md, Configuration).

/** Levenshtein distance (insert, delete, substitute each cost 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

/** The candidate closest to `name` (first one wins ties), or undefined when there are no candidates. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
