/**
 * Grid service addresses (issue #4 §1): fURL-like `pb://<KEYHASH>@<HINTS>/<SWISSNUM>`. KEYHASH is the base32
 * SHA-256 of the server's TLS SubjectPublicKeyInfo (pinned by clients), HINTS are Tahoe connection hints
 * (tcp:, tor:, i2p:), SWISSNUM an unguessable secret that authorizes access. Parsing reuses the config layer's
 * FURL grammar (the same syntax as `[client] introducer.furl`).
 */
import { randomBytes } from 'node:crypto';
import { VeilError, quoteUntrusted } from '../core/index.js';
import { formatFurl, parseFurl, type ConnectionHint } from '../config/index.js';
import { base32Encode } from '../core/index.js';

/** Characters of a KEYHASH: base32 of 32 bytes. */
export const KEY_HASH_CHARS = 52;

export interface ServiceAddress {
  readonly keyHash: string;
  readonly hints: readonly ConnectionHint[];
  readonly swissnum: string;
}

/** Parses a service address. Throws VEIL_GRID_ADDRESS_INVALID. */
export function parseServiceAddress(text: string): ServiceAddress {
  let furl;
  try {
    furl = parseFurl(text);
  } catch (err) {
    throw new VeilError('VEIL_GRID_ADDRESS_INVALID', `${quoteUntrusted(text)} is not a service address (pb://KEYHASH@HINTS/SWISSNUM)`, { cause: err });
  }
  if (furl.tubId.length !== KEY_HASH_CHARS) {
    throw new VeilError('VEIL_GRID_ADDRESS_INVALID', `the key hash of ${quoteUntrusted(text)} has ${furl.tubId.length} characters, not ${KEY_HASH_CHARS}`);
  }
  if (furl.hints.length === 0) throw new VeilError('VEIL_GRID_ADDRESS_INVALID', `${quoteUntrusted(text)} has no connection hints`);
  if (furl.name.length < 16) throw new VeilError('VEIL_GRID_ADDRESS_INVALID', `the swissnum of ${quoteUntrusted(text)} is too short to be a secret`);
  return { keyHash: furl.tubId, hints: furl.hints, swissnum: furl.name };
}

export function formatServiceAddress(a: ServiceAddress): string {
  return formatFurl({ tubId: a.keyHash, hints: a.hints, name: a.swissnum });
}

/** A new swissnum: 160 random bits, base32 (32 characters). */
export function newSwissnum(): string {
  return base32Encode(randomBytes(20));
}
