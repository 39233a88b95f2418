/**
 * Go-style durations as Kubo takes them for `--lifetime` and `--ttl` (Go time.ParseDuration): a sequence of
 * decimal numbers with units, e.g. `24h`, `1h30m`, `90s`, `1.5h`, `500ms`. Pure; throws VEIL_INPUT_INVALID.
 */
import { VeilError, quoteUntrusted } from '../core/index.js';

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

/** Longest duration accepted: 100 years (IPNS validity beyond that is meaningless). */
const MAX_MS = 100 * 365 * 24 * 3_600_000;

/** Parses a duration into whole milliseconds (rounded down). Throws VEIL_INPUT_INVALID. */
export function parseDuration(text: string): number {
  const invalid = (why: string): VeilError =>
    new VeilError('VEIL_INPUT_INVALID', `invalid duration ${quoteUntrusted(text, 40)}: ${why}`, { hint: 'write durations like 24h, 1h30m, 90s or 500ms' });
  if (text.length === 0 || text.length > 64) throw invalid('empty or too long');
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw invalid('expected a number followed by a unit (ns, us, ms, s, m, h)');
    total += Number(m[1]) * UNIT_MS.get(m[2]!)!;
    pos = re.lastIndex;
  }
  if (!Number.isFinite(total) || total > MAX_MS) throw invalid('longer than 100 years');
  return Math.floor(total);
}
