/**
 * Signed server announcements (issue #4 §2). A storage server tells the introducer, and through it every client,
 * "I am NICKNAME, reach my storage at FURL, I have N bytes free". The payload is JSON text, signed as it is sent:
 *
 *   { "payload": "<JSON text>", "signature": "<base64 Ed25519 signature, 64 bytes>" }
 *   payload = {"v":1,"nickname":…,"serverKey":<base64 raw Ed25519 key, 32 bytes>,"storageFurl":"pb://…",
 *              "availableBytes":…,"version":…,"seq":…,"issuedAt":<ms since the epoch>}
 *   signed bytes = "veil-announcement-v1\n" + UTF-8 payload   (domain separation: never valid as anything else)
 *
 * The key is the server's TLS identity key (tls-identity.ts). A verifier accepts an announcement only when the
 * signature verifies under serverKey AND the KEYHASH of storageFurl is the hash of serverKey: the fURL's KEYHASH
 * is what clients pin, so an introducer can neither forge announcements nor swap a server's fURL for its own.
 * The signature covers the exact payload text, so no canonical re-encoding is needed on the verifying side.
 * Everything here is pure (no sockets, no clock except the caller's), and every input is untrusted and bounded.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { VeilError, isVeilError, quoteUntrusted } from '../core/index.js';
import { spkiKeyHash } from '../net/index.js';
import { parseServiceAddress, type ServiceAddress } from './service-address.js';

export const ANNOUNCEMENT_LIMITS = Object.freeze({
  /** Whole signed announcement as JSON text (bytes). */
  maxBytes: 8192,
  maxNicknameChars: 64,
  maxVersionChars: 64,
  maxFurlChars: 2048,
});

/** Domain separation prefix of the signed bytes. */
export const ANNOUNCEMENT_CONTEXT = 'veil-announcement-v1\n';
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The fields a server signs. */
export interface AnnouncementFields {
  readonly nickname: string;
  readonly storageFurl: string;
  /** Free bytes the server offers (after its reserved space). */
  readonly availableBytes: number;
  /** Veil version of the server. */
  readonly version: string;
  /** Grows with every announcement of this server (a newer one replaces an older one). */
  readonly seq: number;
  /** When it was made (ms since the epoch, the server's clock; informational). */
  readonly issuedAt: number;
}

/** On the wire. */
export interface SignedAnnouncement {
  readonly payload: string;
  readonly signature: string;
}

/** An announcement whose signature and key binding were checked. */
export interface VerifiedAnnouncement extends AnnouncementFields {
  /** base64 of the 32-byte Ed25519 public key. */
  readonly serverKey: string;
  /** KEYHASH of serverKey (= the storage fURL's KEYHASH). */
  readonly keyHash: string;
  readonly address: ServiceAddress;
  /** The announcement as received (to pass on unchanged). */
  readonly signed: SignedAnnouncement;
}

function invalid(message: string): VeilError {
  return new VeilError('VEIL_GRID_ANNOUNCEMENT_INVALID', `invalid server announcement: ${message}`);
}

/** KEYHASH of a raw 32-byte Ed25519 public key (the same hash as tls-identity's keyHashOf). */
export function keyHashOfRawEd25519(raw: Uint8Array): string {
  return spkiKeyHash(Buffer.concat([ED25519_SPKI_PREFIX, raw]));
}

/** C0 and C1 controls, and bidirectional overrides that would make a nickname display as something else. */
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function checkText(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string') throw invalid(`${field} is not a string`);
  if (value.length > maxChars) throw invalid(`${field} is longer than ${maxChars} characters`);
  if (UNSAFE_TEXT.test(value)) throw invalid(`${field} contains control or direction-override characters`);
  return value;
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(`${field} is not a non-negative integer`);
  return value;
}

function checkFields(f: AnnouncementFields): void {
  checkText(f.nickname, 'nickname', ANNOUNCEMENT_LIMITS.maxNicknameChars);
  checkText(f.version, 'version', ANNOUNCEMENT_LIMITS.maxVersionChars);
  checkText(f.storageFurl, 'storageFurl', ANNOUNCEMENT_LIMITS.maxFurlChars);
  checkCount(f.availableBytes, 'availableBytes');
  checkCount(f.seq, 'seq');
  checkCount(f.issuedAt, 'issuedAt');
}

function signedBytes(payload: string): Buffer {
  return Buffer.from(ANNOUNCEMENT_CONTEXT + payload, 'utf8');
}

/**
 * Signs `fields` with the server's Ed25519 key (a KeyObject or PKCS#8 PEM). Throws VEIL_GRID_ANNOUNCEMENT_INVALID
 * for fields a verifier would refuse (so a server never sends what clients drop), VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH
 * when the fURL's KEYHASH is not this key's.
 */
export function signAnnouncement(fields: AnnouncementFields, privateKey: KeyObject | string): SignedAnnouncement {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): announcements are signed with an Ed25519 key');
  checkFields(fields);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const raw = spki.subarray(ED25519_SPKI_PREFIX.length);
  const address = parseServiceAddress(fields.storageFurl);
  if (address.keyHash !== keyHashOfRawEd25519(raw)) {
    throw new VeilError('VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH', 'the storage fURL to announce is not this node\'s: its KEYHASH is not the hash of the signing key');
  }
  // Fixed key order: the text is what is signed and what verifiers parse.
  const payload = JSON.stringify({
    v: 1,
    nickname: fields.nickname,
    serverKey: raw.toString('base64'),
    storageFurl: fields.storageFurl,
    availableBytes: fields.availableBytes,
    version: fields.version,
    seq: fields.seq,
    issuedAt: fields.issuedAt,
  });
  const signed = { payload, signature: sign(null, signedBytes(payload), key).toString('base64') };
  if (JSON.stringify(signed).length > ANNOUNCEMENT_LIMITS.maxBytes) throw invalid(`the announcement is larger than ${ANNOUNCEMENT_LIMITS.maxBytes} bytes`);
  return signed;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: unknown, field: string, bytes: number): Buffer {
  if (typeof text !== 'string' || !BASE64.test(text) || text.length !== Math.ceil(bytes / 3) * 4) throw invalid(`${field} is not base64 of ${bytes} bytes`);
  const out = Buffer.from(text, 'base64');
  // Only the canonical encoding: the same key must always be the same text.
  if (out.length !== bytes || out.toString('base64') !== text) throw invalid(`${field} is not base64 of ${bytes} bytes`);
  return out;
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/**
 * Verifies an announcement given as parsed JSON (`{payload, signature}`). Throws VEIL_GRID_ANNOUNCEMENT_INVALID
 * (shape, size, fields), VEIL_GRID_ANNOUNCEMENT_SIGNATURE (the signature does not verify under serverKey),
 * VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH (the fURL's KEYHASH is not serverKey's). Never anything else.
 */
export function verifyAnnouncement(input: unknown): VerifiedAnnouncement {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('not an object');
  const outer = input as Record<string, unknown>;
  const payload = own(outer, 'payload');
  const signatureText = own(outer, 'signature');
  if (typeof payload !== 'string') throw invalid('payload is not a string');
  if (Buffer.byteLength(payload, 'utf8') > ANNOUNCEMENT_LIMITS.maxBytes) throw invalid(`payload is larger than ${ANNOUNCEMENT_LIMITS.maxBytes} bytes`);
  const signature = decodeBase64(signatureText, 'signature', 64);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw invalid('payload is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('payload is not a JSON object');
  const p = parsed as Record<string, unknown>;
  if (own(p, 'v') !== 1) throw invalid(`unknown version ${quoteUntrusted(String(own(p, 'v')))} (this Veil reads v 1)`);
  const raw = decodeBase64(own(p, 'serverKey'), 'serverKey', 32);
  const fields: AnnouncementFields = {
    nickname: checkText(own(p, 'nickname'), 'nickname', ANNOUNCEMENT_LIMITS.maxNicknameChars),
    storageFurl: checkText(own(p, 'storageFurl'), 'storageFurl', ANNOUNCEMENT_LIMITS.maxFurlChars),
    availableBytes: checkCount(own(p, 'availableBytes'), 'availableBytes'),
    version: checkText(own(p, 'version'), 'version', ANNOUNCEMENT_LIMITS.maxVersionChars),
    seq: checkCount(own(p, 'seq'), 'seq'),
    issuedAt: checkCount(own(p, 'issuedAt'), 'issuedAt'),
  };
  let address: ServiceAddress;
  try {
    address = parseServiceAddress(fields.storageFurl);
  } catch (err) {
    throw invalid(`storageFurl: ${isVeilError(err) ? err.message : 'not a service address'}`);
  }
  // The signature first: an unsigned claim is reported as such, whatever else it says.
  let isValid = false;
  try {
    const publicKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    isValid = verify(null, signedBytes(payload), publicKey, signature);
  } catch {
    // A 32-byte string that is not a point on the curve: no signature can verify under it.
    isValid = false;
  }
  if (!isValid) throw new VeilError('VEIL_GRID_ANNOUNCEMENT_SIGNATURE', `the announcement of ${quoteUntrusted(fields.nickname)} is not signed by the key it names; it was refused`);
  const keyHash = keyHashOfRawEd25519(raw);
  if (address.keyHash !== keyHash) {
    throw new VeilError('VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH', `the announcement of ${quoteUntrusted(fields.nickname)} names a storage fURL whose KEYHASH is not its signing key's; it was refused`);
  }
  return { ...fields, serverKey: raw.toString('base64'), keyHash, address, signed: { payload, signature: signatureText as string } };
}

/** Parses and verifies an announcement from JSON text or bytes (bounded). Same errors as verifyAnnouncement. */
export function parseAnnouncement(text: string | Uint8Array): VerifiedAnnouncement {
  const size = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
  if (size > ANNOUNCEMENT_LIMITS.maxBytes) throw invalid(`larger than ${ANNOUNCEMENT_LIMITS.maxBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8'));
  } catch {
    throw invalid('not JSON');
  }
  return verifyAnnouncement(parsed);
}

/** The next seq for a server: milliseconds since the epoch, strictly above `last` (monotonic across restarts). */
export function nextSeq(last: number | undefined, now: number = Date.now()): number {
  return Math.max(Math.floor(now), (last ?? 0) + 1);
}
