/**
 * I2P destinations: I2P base64, the .b32.i2p address, and private key blobs.
 *
 * Facts from the I2P common structures spec (geti2p.net/spec/common-structures, "Destination", "KeysAndCert",
 * "Certificate") and the naming doc (geti2p.net/en/docs/naming, "Base32 Names"):
 * - A Destination is 256 bytes public key + 128 bytes signing key (padded) + a Certificate: 1 byte type,
 *   2 bytes big-endian length, then `length` bytes. So its size is 384 + 3 + certificate length.
 * - I2P base64 is RFC 4648 base64 with `+` → `-` and `/` → `~`.
 * - The b32 address is base32 (RFC 4648, lower case, no padding) of SHA-256 of the destination bytes,
 *   followed by `.b32.i2p`: 52 characters for the 32-byte hash.
 * - A private key blob (SAM's DESTINATION= on SESSION STATUS, PRIV= on DEST REPLY) is the destination,
 *   then the 256-byte encryption private key, then the signing private key (length set by the signature type).
 */
import { createHash } from 'node:crypto';
import { VeilError, quoteUntrusted } from '../core/index.js';
import { base32Encode } from '../core/base32.js';

const KEYS_BYTES = 384;
const CERT_HEADER_BYTES = 3;
const MIN_DESTINATION_BYTES = KEYS_BYTES + CERT_HEADER_BYTES;
/** Certificate type KEY (common structures, "Certificate"): carries signing and crypto key types. */
const CERT_TYPE_KEY = 5;
const ENCRYPTION_PRIVATE_KEY_BYTES = 256;
/** Signing private key sizes by signature type (common structures, "SigningPrivateKey"). */
const SIGNING_PRIVATE_KEY_BYTES: Readonly<Record<number, number>> = Object.freeze({
  0: 20, // DSA_SHA1
  1: 32, // ECDSA_SHA256_P256
  2: 48, // ECDSA_SHA384_P384
  3: 66, // ECDSA_SHA512_P521
  7: 32, // EdDSA_SHA512_Ed25519
  11: 32, // RedDSA_SHA512_Ed25519
});
/** Upper bound on what we decode, so untrusted input cannot make us allocate much. */
const MAX_BLOB_CHARS = 8192;

const I2P_BASE64 = /^[A-Za-z0-9\-~]*={0,2}$/;
const B32_ADDRESS = /^[a-z2-7]{52}\.b32\.i2p$/;

/** Encodes bytes in I2P base64 (with `=` padding, as I2P does). */
export function toI2pBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '~');
}

/** Decodes I2P base64 strictly. Throws VEIL_I2P_DESTINATION_INVALID on a bad alphabet or length. */
export function fromI2pBase64(text: string): Uint8Array {
  if (text.length > MAX_BLOB_CHARS || !I2P_BASE64.test(text) || text.length % 4 === 1) {
    throw new VeilError('VEIL_I2P_DESTINATION_INVALID', `not I2P base64: ${quoteUntrusted(text, 40)}`);
  }
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/~/g, '/'), 'base64');
  // Reject non-canonical encodings (stray bits), so one destination has one text form.
  if (toI2pBase64(bytes).replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new VeilError('VEIL_I2P_DESTINATION_INVALID', `not canonical I2P base64: ${quoteUntrusted(text, 40)}`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}


/** Size in bytes of the destination at the start of `bytes` (384 + 3 + certificate length). */
export function destinationLength(bytes: Uint8Array): number {
  if (bytes.length < MIN_DESTINATION_BYTES) {
    throw new VeilError('VEIL_I2P_DESTINATION_INVALID', `I2P destination too short: ${bytes.length} bytes, need at least ${MIN_DESTINATION_BYTES}`);
  }
  const certLength = (bytes[KEYS_BYTES + 1]! << 8) | bytes[KEYS_BYTES + 2]!;
  const total = MIN_DESTINATION_BYTES + certLength;
  if (bytes.length < total) {
    throw new VeilError('VEIL_I2P_DESTINATION_INVALID', `I2P destination truncated: certificate needs ${total} bytes, have ${bytes.length}`);
  }
  return total;
}

/** The signature type of a destination (0 = DSA_SHA1 when there is no KEY certificate). */
export function signatureTypeOf(destination: Uint8Array): number {
  destinationLength(destination);
  if (destination[KEYS_BYTES] !== CERT_TYPE_KEY) return 0;
  const certLength = (destination[KEYS_BYTES + 1]! << 8) | destination[KEYS_BYTES + 2]!;
  if (certLength < 4) throw new VeilError('VEIL_I2P_DESTINATION_INVALID', 'I2P destination has a KEY certificate shorter than 4 bytes');
  return (destination[MIN_DESTINATION_BYTES]! << 8) | destination[MIN_DESTINATION_BYTES + 1]!;
}

/**
 * Parses a public destination in I2P base64 and checks that it is exactly one destination.
 * Throws VEIL_I2P_DESTINATION_INVALID.
 */
export function parseDestination(base64: string): Uint8Array {
  const bytes = fromI2pBase64(base64);
  const length = destinationLength(bytes);
  if (length !== bytes.length) {
    throw new VeilError('VEIL_I2P_DESTINATION_INVALID', `I2P destination has ${bytes.length - length} trailing bytes (is it a private key?)`);
  }
  signatureTypeOf(bytes);
  return bytes;
}

/**
 * The public destination (I2P base64) inside a private key blob. Throws VEIL_I2P_PRIVATE_KEY_INVALID when
 * the blob is too short for the destination, the 256-byte encryption key and the signing key.
 */
export function publicDestinationOf(privateKeyBase64: string): string {
  let bytes: Uint8Array;
  let length: number;
  let sigType: number;
  try {
    bytes = fromI2pBase64(privateKeyBase64);
    length = destinationLength(bytes);
    sigType = signatureTypeOf(bytes.subarray(0, length));
  } catch (err) {
    throw new VeilError('VEIL_I2P_PRIVATE_KEY_INVALID', 'I2P private key is malformed', { cause: err });
  }
  const signingBytes = SIGNING_PRIVATE_KEY_BYTES[sigType] ?? 1;
  const need = length + ENCRYPTION_PRIVATE_KEY_BYTES + signingBytes;
  if (bytes.length < need) {
    throw new VeilError('VEIL_I2P_PRIVATE_KEY_INVALID', `I2P private key is truncated: ${bytes.length} bytes, need at least ${need}`);
  }
  return toI2pBase64(bytes.subarray(0, length));
}

/** `<52 base32 chars>.b32.i2p` for a destination given as I2P base64 or bytes. */
export function b32Address(destination: string | Uint8Array): string {
  const bytes = typeof destination === 'string' ? parseDestination(destination) : destination;
  return `${base32Encode(createHash('sha256').update(bytes).digest())}.b32.i2p`;
}

/** True for a well-formed `.b32.i2p` address (lower case; 52 characters; not the longer encrypted b33 form). */
export function isB32Address(text: string): boolean {
  return B32_ADDRESS.test(text);
}

/** Normalises (lower-cases) and validates a .b32.i2p address. Throws VEIL_I2P_B32_INVALID. */
export function parseB32Address(text: string): string {
  const lower = text.toLowerCase();
  if (!isB32Address(lower)) {
    throw new VeilError('VEIL_I2P_B32_INVALID', `not a .b32.i2p address: ${quoteUntrusted(text, 70)}`);
  }
  return lower;
}
