/**
 * CID parsing and block verification. Only sha2-256 and identity multihashes are verified; anything else is
 * refused (VEIL_CONTENT_HASH_UNSUPPORTED), never trusted.
 */
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { base36 } from 'multiformats/bases/base36';
import { create as createDigest } from 'multiformats/hashes/digest';
import { VeilError, quoteUntrusted } from '../core/index.js';
import { CONTENT_DEFAULTS } from './defaults.js';

/** Multihash codes (multicodec table: https://github.com/multiformats/multicodec/blob/master/table.csv). */
export const MULTIHASH = Object.freeze({ identity: 0x00, sha2_256: 0x12 });
/** IPLD codec codes (same table). */
export const CODEC = Object.freeze({ raw: 0x55, dagPb: 0x70, dagCbor: 0x71, libp2pKey: 0x72 });

/**
 * Parses a CID in its string form (CIDv0 base58btc `Qm…`, CIDv1 multibase base32 `b…`, base58btc `z…`, base36 `k…`).
 * Throws VEIL_CONTENT_CID_INVALID. Never logs the CID (CIDs are sensitive).
 */
export function parseCid(text: string): CID {
  if (text.length === 0 || text.length > CONTENT_DEFAULTS.maxCidChars) {
    throw new VeilError('VEIL_CONTENT_CID_INVALID', `invalid CID: length ${text.length} is out of range`);
  }
  try {
    return text[0] === 'k' ? CID.parse(text, base36) : CID.parse(text);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_CID_INVALID', `invalid CID ${quoteUntrusted(text, 64)}`, { cause: err });
  }
}

/** Parses a CID from its binary form (as found in CAR frames and dag-pb links). */
export function decodeCid(bytes: Uint8Array): CID {
  try {
    return CID.decode(bytes);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_CID_INVALID', 'invalid binary CID', { cause: err });
  }
}

/** The canonical string used as a key: CIDv1 base32 (CIDv0 `Qm…` and its `bafy…` form share one key). */
export function cidKey(cid: CID): string {
  return cid.toV1().toString();
}

/** True when the block's bytes are carried inside the CID itself (identity multihash). */
export function isIdentityCid(cid: CID): boolean {
  return cid.multihash.code === MULTIHASH.identity;
}

/**
 * Throws VEIL_CONTENT_BLOCK_MISMATCH unless `bytes` hash to `cid`'s multihash; VEIL_CONTENT_HASH_UNSUPPORTED for
 * a hash function we cannot compute.
 */
export function verifyBlock(cid: CID, bytes: Uint8Array): void {
  const mh = cid.multihash;
  let ok: boolean;
  switch (mh.code) {
    case MULTIHASH.sha2_256: {
      const digest = createHash('sha256').update(bytes).digest();
      ok = mh.digest.length === 32 && digest.equals(mh.digest);
      break;
    }
    case MULTIHASH.identity:
      ok = Buffer.from(mh.digest).equals(bytes);
      break;
    default:
      throw new VeilError('VEIL_CONTENT_HASH_UNSUPPORTED', `cannot verify block: multihash 0x${mh.code.toString(16)} is not supported`);
  }
  if (!ok) {
    throw new VeilError('VEIL_CONTENT_BLOCK_MISMATCH', `block bytes (${bytes.length} bytes) do not match their CID`);
  }
}

/** Computes the sha2-256 CID of `bytes` for `codec` (CIDv0 only for dag-pb). */
export function cidFor(bytes: Uint8Array, codec: number, version: 0 | 1 = 1): CID {
  const digest = createDigest(MULTIHASH.sha2_256, createHash('sha256').update(bytes).digest());
  const cid = CID.createV1(codec, digest);
  return version === 0 ? cid.toV0() : cid;
}
