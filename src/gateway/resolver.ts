/**
 * Hooks the node wires into the gateway. The gateway itself never networks: names and missing blocks come from
 * these callbacks (the grid, IPNS, DNSLink live above or beside this layer).
 */
import type { AbortOptions } from '../core/index.js';
import type { CID, FetchMissingBlock } from '../content/index.js';

export interface ResolvedName {
  cid: CID;
  /** Path segments to continue with below `cid` (e.g. from a DNSLink value `/ipfs/<cid>/sub`). */
  segments?: string[];
  /** Remaining validity of the mutable pointer, for `Cache-Control: public, max-age=<ttl>` (spec §Cache-Control). */
  ttlSeconds?: number;
}

/** A capability opened for `/uri/<capability>`: the DAG to read and how its bytes become the plaintext. */
export interface OpenedCapability {
  /** Root of the stored (for private capabilities, encrypted) UnixFS file. */
  readonly cid: CID;
  /**
   * Turns the stored bytes that start at byte `offset` of the file into plaintext (a seekable stream cipher such
   * as AES-CTR, so ranges work). Absent: the stored bytes are the plaintext.
   */
  readonly decrypt?: ((offset: number, source: AsyncIterable<Uint8Array>, options: AbortOptions) => AsyncIterable<Uint8Array>) | undefined;
}

export interface GatewayHooks {
  /**
   * Resolves `/ipns/<name>` or `/uri/<capability>` to a CID. Throws a VeilError (its code picks the HTTP status:
   * *_NOT_FOUND → 404, VEIL_TIMEOUT → 504, input → 400, network/peer → 502). Unset: the namespace answers 501.
   */
  resolveName?: (namespace: 'ipns' | 'uri', name: string, options: AbortOptions) => Promise<ResolvedName>;
  /**
   * Opens `/uri/<capability>` (e.g. `veil:chk:KEY:CID`). Throws a VeilError (input codes → 400). Unset: /uri/
   * answers 501.
   */
  openCapability?: (text: string, options: AbortOptions) => Promise<OpenedCapability>;
  /** Fetches a block the local blockstore lacks (verified and stored before use). Unset: local blocks only. */
  fetchMissingBlock?: FetchMissingBlock;
}
