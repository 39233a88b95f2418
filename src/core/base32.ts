/**
 * RFC 4648 base32 without padding: onion service ids (lower case), `.b32.i2p` addresses (lower case), Tor's
 * client authorization keys (upper case), and key hashes in service addresses. One implementation for all.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Encodes `bytes` (lower case unless `upperCase`), no padding. */
export function base32Encode(bytes: Uint8Array, options: { upperCase?: boolean } = {}): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return options.upperCase ? out.toUpperCase() : out;
}

/**
 * Decodes base32 in either case, without padding. Returns undefined on a character outside the alphabet or a
 * non-canonical ending (leftover bits that are not zero, or a length no encoding produces), so that each byte
 * string has exactly one text form.
 */
export function base32Decode(text: string): Buffer | undefined {
  const out = Buffer.alloc(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (const c of text.toLowerCase()) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
