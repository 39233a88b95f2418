/**
 * The blockstore contract. Consumers ask for the narrowest slice they need (`Pick<Blockstore, 'get'>`).
 *
 * Every implementation verifies on put (bytes must hash to the CID) so a store never holds a block that lies
 * about its address. Identity CIDs carry their bytes inline and are never written.
 */
import type { CID } from 'multiformats/cid';
import { VeilError, throwIfAborted, type AbortOptions } from '../core/index.js';
import { cidKey, isIdentityCid, verifyBlock } from './cid.js';
import { CONTENT_DEFAULTS } from './defaults.js';

export interface Blockstore {
  /** Resolves to the block's bytes; throws VEIL_CONTENT_BLOCK_NOT_FOUND, VEIL_CONTENT_STORE_IO, VEIL_ABORTED. */
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>;
  /**
   * Verifies then stores a block (idempotent). Throws VEIL_CONTENT_BLOCK_MISMATCH, VEIL_CONTENT_BLOCK_TOO_LARGE,
   * VEIL_CONTENT_HASH_UNSUPPORTED, VEIL_CONTENT_STORE_IO, VEIL_ABORTED; on any throw nothing was stored.
   */
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>;
  has(cid: CID, options?: AbortOptions): Promise<boolean>;
  /** Removes a block; deleting a missing block is not an error. */
  delete(cid: CID, options?: AbortOptions): Promise<void>;
  /** Every stored block's CID (CIDv1; dag-pb blocks stored under CIDv0 are listed in their v1 form). */
  list(options?: AbortOptions): AsyncIterable<CID>;
}

export type BlockGetter = Pick<Blockstore, 'get'>;
export type BlockPutter = Pick<Blockstore, 'put'>;

export function blockNotFound(): VeilError {
  return new VeilError('VEIL_CONTENT_BLOCK_NOT_FOUND', 'block not found in the local blockstore');
}

/** The checks every put() runs before touching storage. */
export function checkBlock(cid: CID, bytes: Uint8Array, maxBlockBytes: number): void {
  if (bytes.length > maxBlockBytes) {
    throw new VeilError('VEIL_CONTENT_BLOCK_TOO_LARGE', `block of ${bytes.length} bytes exceeds the limit of ${maxBlockBytes} bytes`);
  }
  verifyBlock(cid, bytes);
}

/** An in-memory blockstore (tests, `--only-hash` style imports, caches). Verifies like the disk store. */
export class MemoryBlockstore implements Blockstore {
  readonly #blocks = new Map<string, { cid: CID; bytes: Uint8Array }>();
  readonly #maxBlockBytes: number;

  constructor(options: { maxBlockBytes?: number } = {}) {
    this.#maxBlockBytes = options.maxBlockBytes ?? CONTENT_DEFAULTS.maxBlockBytes;
  }

  get size(): number {
    return this.#blocks.size;
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal, 'blockstore get');
    if (isIdentityCid(cid)) return cid.multihash.digest;
    const entry = this.#blocks.get(cidKey(cid));
    if (!entry) throw blockNotFound();
    return entry.bytes;
  }

  async put(cid: CID, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'blockstore put');
    checkBlock(cid, bytes, this.#maxBlockBytes);
    if (isIdentityCid(cid)) return;
    this.#blocks.set(cidKey(cid), { cid: cid.toV1(), bytes: Uint8Array.from(bytes) });
  }

  async has(cid: CID): Promise<boolean> {
    return isIdentityCid(cid) || this.#blocks.has(cidKey(cid));
  }

  async delete(cid: CID): Promise<void> {
    this.#blocks.delete(cidKey(cid));
  }

  async *list(options: AbortOptions = {}): AsyncIterable<CID> {
    for (const { cid } of [...this.#blocks.values()]) {
      throwIfAborted(options.signal, 'blockstore list');
      yield cid;
    }
  }
}
