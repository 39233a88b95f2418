/**
 * Onion service (v3) addresses: validation, parsing and derivation from the ed25519 identity key.
 *
 * rend-spec-v3 §6 "Encoding onion addresses [ONIONADDRESS]":
 *   onion_address = base32(PUBKEY | CHECKSUM | VERSION) + ".onion"
 *   CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2]
 * PUBKEY is the 32-byte ed25519 master identity key and VERSION is 0x03. The base32 is RFC 4648 without
 * padding: 35 bytes → 56 characters. Tor reads the address case-insensitively; we normalise to lower case.
 *
 * Throws VEIL_TOR_ONION_ADDRESS_INVALID (category input) so that a bad address fails before any dial.
 * Not checked: that PUBKEY is a valid ed25519 point without torsion (Tor checks; it answers reply 0xF6).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { VeilError, sensitive } from '../core/index.js';
import { base32Decode, base32Encode } from '../core/base32.js';

const CHECKSUM_PREFIX = Buffer.from('.onion checksum', 'ascii');
export const ONION_V3_VERSION = 0x03;
/** Characters in a v3 service id (the label before ".onion"). */
export const ONION_V3_ID_LENGTH = 56;
const V2_ID_LENGTH = 16;
/** A host name is at most 253 characters (RFC 1035 §2.3.4); we refuse longer input before parsing. */
const MAX_HOST_LENGTH = 253;

export interface OnionAddress {
  /** The 56-character service id, lower case. */
  readonly serviceId: string;
  /** `<serviceId>.onion` (no subdomain). */
  readonly hostname: string;
  /** Labels before the service id (`www` in `www.<id>.onion`), lower case; empty when there are none. */
  readonly subdomain: string;
  /** The 32-byte ed25519 identity public key. */
  readonly publicKey: Uint8Array;
}

/** True if `host` ends in `.onion` (any case, optional trailing dot): it must then be a valid onion address. */
export function isOnionHost(host: string): boolean {
  return /\.onion\.?$/i.test(host);
}

function invalid(host: string, why: string): VeilError {
  return new VeilError('VEIL_TOR_ONION_ADDRESS_INVALID', `invalid onion service address ${sensitive(host)}: ${why}`, {
    details: { reason: why },
  });
}

function checksum(publicKey: Uint8Array): Buffer {
  return createHash('sha3-256').update(CHECKSUM_PREFIX).update(publicKey).update(Uint8Array.of(ONION_V3_VERSION)).digest().subarray(0, 2);
}



/** The 32 raw bytes of an ed25519 public key given as bytes or a KeyObject. */
function rawPublicKey(key: Uint8Array | KeyObject): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new VeilError('VEIL_TOR_ONION_ADDRESS_INVALID', `cannot derive an onion service address from a ${key.asymmetricKeyType ?? key.type} key`);
  }
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** The v3 service id (56 characters, no ".onion") for an ed25519 public key (32 bytes, or a KeyObject). */
export function onionServiceIdFromPublicKey(key: Uint8Array | KeyObject): string {
  const publicKey = rawPublicKey(key);
  if (publicKey.length !== 32) {
    throw new VeilError('VEIL_TOR_ONION_ADDRESS_INVALID', `an ed25519 public key has 32 bytes, not ${publicKey.length}`);
  }
  return base32Encode(Buffer.concat([publicKey, checksum(publicKey), Uint8Array.of(ONION_V3_VERSION)]));
}

/** `<id>.onion` for an ed25519 public key. */
export function onionAddressFromPublicKey(key: Uint8Array | KeyObject): string {
  return `${onionServiceIdFromPublicKey(key)}.onion`;
}

/**
 * Parses `[subdomain.]<56 chars>.onion[.]` (any case). Throws VEIL_TOR_ONION_ADDRESS_INVALID for anything
 * else, with the reason: not ending in .onion, v2 (16 characters, unsupported since Tor 0.4.6), wrong length,
 * bad character, version byte not 3, or checksum mismatch.
 */
export function parseOnionAddress(host: string): OnionAddress {
  if (host.length > MAX_HOST_LENGTH) throw invalid(host.slice(0, 64), `longer than ${MAX_HOST_LENGTH} characters`);
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (!lower.endsWith('.onion')) throw invalid(host, 'does not end in ".onion"');
  const labels = lower.slice(0, -'.onion'.length).split('.');
  const serviceId = labels.pop() ?? '';
  if (labels.some((l) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) throw invalid(host, 'a subdomain label is malformed');
  if (serviceId.length === V2_ID_LENGTH && /^[a-z2-7]+$/.test(serviceId)) {
    throw invalid(host, 'v2 onion service addresses (16 characters) are no longer supported by Tor; ask for the v3 address (56 characters)');
  }
  if (serviceId.length !== ONION_V3_ID_LENGTH) throw invalid(host, `the service id has ${serviceId.length} characters, not ${ONION_V3_ID_LENGTH}`);
  const raw = base32Decode(serviceId);
  if (!raw) throw invalid(host, 'the service id has characters outside a-z and 2-7');
  const publicKey = raw.subarray(0, 32);
  const version = raw[34];
  if (version !== ONION_V3_VERSION) throw invalid(host, `version byte is ${version}, not ${ONION_V3_VERSION}`);
  if (!checksum(publicKey).equals(raw.subarray(32, 34))) throw invalid(host, 'checksum mismatch (a mistyped character?)');
  return {
    serviceId,
    hostname: `${serviceId}.onion`,
    subdomain: labels.join('.'),
    publicKey: Uint8Array.from(publicKey),
  };
}

/** True when `host` is a valid v3 onion address (with optional subdomains); never throws. */
export function isValidOnionAddress(host: string): boolean {
  try {
    parseOnionAddress(host);
    return true;
  } catch (err) {
    if (err instanceof VeilError) return false;
    throw err;
  }
}
