/**
 * Parsers for scalar values of veil.cfg: booleans, integers, ports, sizes. Each throws VEIL_CONFIG_VALUE
 * with a message naming the offending value; validation turns that into a problem naming [section] key.
 */
import { quoteUntrusted } from '../core/index.js';
import { valueError } from './problems.js';

const TRUE_WORDS = new Set(['true', 'yes', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'off']);

/** true/false, yes/no, 1/0, on/off, any case (configparser's getboolean accepts the same words). */
export function parseBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  throw valueError(`${quoteUntrusted(text)} is not a boolean (use true or false)`, text);
}

/** A decimal integer within [min, max]. */
export function parseInteger(text: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^\d{1,15}$/.test(t)) throw valueError(`${quoteUntrusted(text)} is not an integer`, text);
  const n = Number(t);
  if (n < min || n > max) throw valueError(`${n} is out of range (${min} to ${max})`, text);
  return n;
}

/** A TCP port, 1 to 65535. */
export function parsePort(text: string): number {
  const t = text.trim();
  if (!/^\d{1,15}$/.test(t)) throw valueError(`port ${quoteUntrusted(text)} is not an integer`, text);
  const n = Number(t);
  if (n < 1 || n > 65535) throw valueError(`port ${n} is out of range (1 to 65535)`, text);
  return n;
}

const SIZE_MULTIPLIERS: Readonly<Record<string, number>> = Object.freeze({
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  KI: 1024,
  MI: 1024 ** 2,
  GI: 1024 ** 3,
  TI: 1024 ** 4,
});

/**
 * A size in bytes, as Tahoe's reserved_space (docs/configuration.rst): a number with an optional
 * case-insensitive scale K/M/G/T (powers of 1000) or Ki/Mi/Gi/Ti (powers of 1024) and an optional B.
 * "100MB" = "100M" = "100000000B" = "100000kb"; "1MiB" = "1024KiB" = "1048576". Empty means 0.
 */
export function parseSize(text: string): number {
  const t = text.trim();
  if (t === '') return 0;
  const m = /^(\d{1,16})\s*([kmgt]i?)?b?$/i.exec(t);
  if (!m) throw valueError(`${quoteUntrusted(text)} is not a size (examples: 1G, 100MB, 512MiB)`, text);
  const multiplier = SIZE_MULTIPLIERS[(m[2] ?? '').toUpperCase()] ?? 1;
  const n = Number(m[1]) * multiplier;
  if (!Number.isSafeInteger(n)) throw valueError(`size ${quoteUntrusted(text)} is too large`, text);
  return n;
}

/** The shortest exact form of a size in bytes (used by the writer): 1000000000 -> "1G", 1048576 -> "1Mi". */
export function formatSize(bytes: number): string {
  for (const suffix of ['Ti', 'T', 'Gi', 'G', 'Mi', 'M', 'Ki', 'K']) {
    const m = SIZE_MULTIPLIERS[suffix.toUpperCase()] ?? 1;
    if (bytes >= m && bytes % m === 0) return `${bytes / m}${suffix}`;
  }
  return String(bytes);
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = Object.freeze({
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  month: 31 * 86_400_000,
  year: 365 * 86_400_000,
});

/**
 * A duration in milliseconds, as Tahoe's `expire.override_lease_duration`: a number and a unit (second, minute,
 * hour, day, month = 31 days, year = 365 days; singular or plural), e.g. "60 days", "1 month", "12 hours".
 */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})\s*(second|minute|hour|day|month|year)s?$/i.exec(text.trim());
  if (!m) throw valueError(`${quoteUntrusted(text)} is not a duration (examples: 60 days, 1 month, 12 hours)`, text);
  const ms = Number(m[1]) * (DURATION_UNITS_MS[m[2]!.toLowerCase()] ?? 0);
  if (ms <= 0 || !Number.isSafeInteger(ms)) throw valueError(`duration ${quoteUntrusted(text)} must be more than zero`, text);
  return ms;
}

/** A UTC date YYYY-MM-DD (Tahoe's `expire.cutoff_date`), as milliseconds since the epoch at 00:00 UTC. */
export function parseDate(text: string): number {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== t) throw valueError(`${quoteUntrusted(text)} is not a date (YYYY-MM-DD)`, text);
  return ms;
}
