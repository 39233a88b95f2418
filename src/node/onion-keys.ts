/**
 * Keys for onion services, made locally with node:crypto (no tor needed, so `veil onion add` works while the
 * node is stopped):
 *
 * - The service identity key (rend-spec-v3 §1.9 / appendix F): an ed25519 key. Tor's control port takes it as
 *   `ED25519-V3:<base64 of the 64-byte expanded secret key>` (control-spec 3.27 ADD_ONION KeyBlob), i.e.
 *   SHA-512(seed) with the first half clamped (RFC 8032 §5.1.5, as tor's ed25519 ref10 keygen does).
 * - v3 client authorization keys (rend-spec-v3 "CLIENT-AUTH-MGMT"): x25519 key pairs. The service gets the
 *   public key (ADD_ONION ClientAuthV3=<base32>), the client the private key: in a ClientOnionAuthDir file
 *   `<onion-id>:descriptor:x25519:<base32>` (tor(1) ClientOnionAuthDir) or through ONION_CLIENT_AUTH_ADD
 *   (control-spec 3.30: `x25519:<base64>`).
 *
 * Base32 is RFC 4648 without padding; tor reads it in either case, we write upper case as tor's manual does.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { VeilError } from '../core/index.js';
import { base32Decode, base32Encode } from '../core/base32.js';
import { onionServiceIdFromPublicKey } from '../tor/index.js';




function rawKey(key: KeyObject, part: 'd' | 'x'): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const v = jwk[part];
  if (typeof v !== 'string') throw new VeilError('VEIL_BUG', `internal error (a bug in Veil): no ${part} in a generated key`);
  return Buffer.from(v, 'base64url');
}

export interface OnionServiceKey {
  /** `ED25519-V3:<base64>` for ADD_ONION. A secret: never log it. */
  readonly privateKey: string;
  /** The 56-character service id (lower case, no ".onion"). */
  readonly serviceId: string;
}

/** Tor's expanded form of an ed25519 seed (RFC 8032 §5.1.5 steps 1-2; tor's ed25519_secret_key_t). */
export function expandEd25519Seed(seed: Uint8Array): Buffer {
  const h = createHash('sha512').update(seed).digest();
  h[0] = h[0]! & 248;
  h[31] = (h[31]! & 63) | 64;
  return h;
}

/** Makes a new onion service identity key. */
export function generateOnionServiceKey(): OnionServiceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = rawKey(privateKey, 'd');
  const pub = rawKey(publicKey, 'x');
  return {
    privateKey: `ED25519-V3:${expandEd25519Seed(seed).toString('base64')}`,
    serviceId: onionServiceIdFromPublicKey(pub),
  };
}

export interface ClientAuthKeyPair {
  /** 52 base32 characters: goes to the service (ClientAuthV3=). */
  readonly publicKey: string;
  /** 52 base32 characters: goes to the client only. A secret: never log it. */
  readonly privateKey: string;
}

/** Makes a new x25519 key pair for v3 client authorization. */
export function generateClientAuthKeyPair(): ClientAuthKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { publicKey: base32Encode(rawKey(publicKey, 'x'), { upperCase: true }), privateKey: base32Encode(rawKey(privateKey, 'd'), { upperCase: true }) };
}

const KEY_32_BASE32 = /^[A-Za-z2-7]{52}$/;
const SERVICE_ID = /^[a-z2-7]{56}$/;

/** True for 52 base32 characters that decode to 32 bytes. */
export function isClientAuthKey(text: string): boolean {
  return KEY_32_BASE32.test(text) && base32Decode(text)?.length === 32;
}

/** The line of a `<name>.auth_private` file in a client's ClientOnionAuthDir (tor(1) ClientOnionAuthDir). */
export function formatAuthPrivateLine(serviceId: string, privateKey: string): string {
  return `${serviceId}:descriptor:x25519:${privateKey}`;
}

/** The line of an `authorized_clients/<name>.auth` file of a service (tor(1) "CLIENT AUTHORIZATION"). */
export function formatAuthorizedClientLine(publicKey: string): string {
  return `descriptor:x25519:${publicKey}`;
}

export interface ClientAuthCredential {
  readonly serviceId: string;
  /** Base32 (52 characters). A secret. */
  readonly privateKey: string;
}

/**
 * Parses a ClientOnionAuthDir line `<onion-id>[.onion]:descriptor:x25519:<base32>`. Throws
 * VEIL_ONION_CLIENT_KEY_INVALID (the key itself is never quoted).
 */
export function parseAuthPrivateLine(line: string): ClientAuthCredential {
  const parts = line.trim().split(':');
  const invalid = (why: string): VeilError => new VeilError('VEIL_ONION_CLIENT_KEY_INVALID', `not a client authorization key line: ${why}`);
  if (parts.length !== 4) throw invalid('expected 4 fields separated by ":"');
  const [id, auth, type, key] = parts as [string, string, string, string];
  const serviceId = id.toLowerCase().replace(/\.onion$/, '');
  if (!SERVICE_ID.test(serviceId)) throw invalid('the first field is not a v3 onion service id');
  if (auth !== 'descriptor') throw invalid('the second field must be "descriptor"');
  if (type !== 'x25519') throw invalid('the key type must be "x25519"');
  if (!isClientAuthKey(key)) throw invalid('the key is not 52 base32 characters');
  return { serviceId, privateKey: key.toUpperCase() };
}

/** The private key in the form ONION_CLIENT_AUTH_ADD takes (control-spec 3.30): `x25519:<base64>`. */
export function clientAuthKeyForControl(privateKeyBase32: string): string {
  const raw = base32Decode(privateKeyBase32);
  if (!raw || raw.length !== 32) throw new VeilError('VEIL_ONION_CLIENT_KEY_INVALID', 'not a client authorization key: it does not decode to 32 bytes');
  return `x25519:${raw.toString('base64')}`;
}
