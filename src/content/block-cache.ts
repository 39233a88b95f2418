/**
 * An in-memory LRU cache of blocks in front of a block getter (the gateway serves the same popular blocks over and
 * over: reading, and re-hashing, the block file on every request cost most of a request's time). Only blocks the
 * inner store returned — already verified — are cached; the cache is bounded in bytes.
 */
import type { CID } from 'multiformats/cid';
import type { AbortOptions } from '../core/index.js';
import type { BlockGetter } from './blockstore.js';
import { cidKey } from './cid.js';

export class BlockCache implements BlockGetter {
  readonly #inner: BlockGetter;
  readonly #maxBytes: number;
  readonly #maxBlockBytes: number;
  /** Map keeps insertion order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  /** `maxBytes`: total cache size; blocks larger than maxBytes / 8 are never cached. */
  constructor(inner: BlockGetter, maxBytes: number) {
    this.#inner = inner;
    this.#maxBytes = maxBytes;
    this.#maxBlockBytes = Math.floor(maxBytes / 8);
  }

  get sizeBytes(): number {
    return this.#bytes;
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    const key = cidKey(cid);
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const bytes = await this.#inner.get(cid, options);
    if (bytes.byteLength <= this.#maxBlockBytes) {
      this.#entries.set(key, bytes);
      this.#bytes += bytes.byteLength;
      for (const [k, v] of this.#entries) {
        if (this.#bytes <= this.#maxBytes) break;
        this.#entries.delete(k);
        this.#bytes -= v.byteLength;
      }
    }
    return bytes;
  }
}
