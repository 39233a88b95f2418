/**
 * IPNS names (IPNS spec §Names): the multihash of a public key, written as a CIDv1 with the libp2p-key codec
 * (0x72). Kubo prints them in base36 (`k51…`); base32 (`bafz…`) and legacy base58btc peer IDs (`12D3Koo…`,
 * `Qm…`) name the same key and are accepted. The routing key is `/ipns/` + multihash bytes (§Routing Record).
 */
import type { PublicKey } from './keystore.js';
import { multihashToIPNSRoutingKey } from 'ipns';
import { base36 } from 'multiformats/bases/base36';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import type { MultihashDigest } from 'multiformats/hashes/interface';
import { VeilError, quoteUntrusted } from '../core/index.js';
import { CODEC, MULTIHASH } from '../content/index.js';
import { NAMES_DEFAULTS } from './defaults.js';

export interface IpnsName {
  /** Canonical text: CIDv1 libp2p-key in base36, as Kubo prints it (k51…). */
  readonly name: string;
  readonly multihash: MultihashDigest;
  /** Binary routing key, `/ipns/` + multihash (what the record validator checks the signer against). */
  readonly routingKey: Uint8Array;
}

function fromMultihash(multihash: MultihashDigest): IpnsName {
  if (multihash.code !== MULTIHASH.identity && multihash.code !== MULTIHASH.sha2_256) {
    throw new VeilError('VEIL_IPNS_NAME_INVALID', 'IPNS name uses an unsupported multihash (identity or sha2-256 expected)');
  }
  const cid = CID.createV1(CODEC.libp2pKey, multihash);
  return { name: cid.toString(base36), multihash, routingKey: multihashToIPNSRoutingKey(multihash as MultihashDigest<0x00 | 0x12>) };
}

/** The IPNS name of a public key. */
export function ipnsNameOf(publicKey: PublicKey): IpnsName {
  return fromMultihash(publicKey.toMultihash());
}

/**
 * Parses an IPNS name (k51…, bafz…, 12D3Koo…, Qm…). Throws VEIL_IPNS_NAME_INVALID for anything else, including
 * CIDs of other codecs (a content CID after /ipns/ is a mistake the user should hear about).
 */
export function parseIpnsName(text: string): IpnsName {
  if (text.length === 0 || text.length > NAMES_DEFAULTS.maxNameChars) throw new VeilError('VEIL_IPNS_NAME_INVALID', 'IPNS name is empty or too long');
  try {
    if (text.startsWith('1') || text.startsWith('Q')) return fromMultihash(Digest.decode(base58btc.baseDecode(text)));
    const cid = text.startsWith('k') ? CID.parse(text, base36) : CID.parse(text);
    if (cid.version !== 1 || cid.code !== CODEC.libp2pKey) {
      throw new VeilError('VEIL_IPNS_NAME_INVALID', `${quoteUntrusted(text, 64)} is a CID but not of a libp2p-key (use /ipfs/ for content)`);
    }
    return fromMultihash(cid.multihash);
  } catch (err) {
    if (err instanceof VeilError) throw err;
    throw new VeilError('VEIL_IPNS_NAME_INVALID', `${quoteUntrusted(text, 64)} is not an IPNS name`, { cause: err });
  }
}
