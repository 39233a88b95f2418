/**
 * Single byte-range parsing (RFC 9110 §14.1.2 byte-range-spec / suffix-range; §14.2 Range; §15.5.17 416).
 * Several ranges or a malformed header are ignored (the full representation is sent, RFC 9110 §14.2 allows it).
 */
import { VeilError } from '../core/index.js';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/**
 * Returns the range to send, or undefined to send everything. Throws VEIL_GATEWAY_RANGE_INVALID when the range
 * is well-formed but unsatisfiable for `size` (the caller answers 416 with `Content-Range: bytes * /size`).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined; // several ranges or another unit: ignore
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a.length > 15 || b.length > 15) return unsatisfiable(size);
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return unsatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return undefined; // invalid syntax per §14.1.1: ignore
  if (start >= size) return unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): never {
  throw new VeilError('VEIL_GATEWAY_RANGE_INVALID', `requested range is not satisfiable for a ${size}-byte representation`, { details: { size } });
}
