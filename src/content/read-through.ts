/**
 * A read-through blockstore view: local first, then a caller-supplied fetcher (the grid, wired by src/node).
 * Fetched bytes are verified and stored by `put` before they are returned, so a lying peer is caught
 * (VEIL_CONTENT_BLOCK_MISMATCH) and never cached.
 */
import type { CID } from 'multiformats/cid';
import { isVeilError, type AbortOptions } from '../core/index.js';
import type { Blockstore, BlockGetter } from './blockstore.js';

/** Fetches a block the local store lacks; resolves to its bytes or undefined when no source has it. */
export type FetchMissingBlock = (cid: CID, options: AbortOptions) => Promise<Uint8Array | undefined>;

export function readThrough(store: Pick<Blockstore, 'get' | 'put'>, fetchMissingBlock: FetchMissingBlock | undefined): BlockGetter {
  if (!fetchMissingBlock) return store;
  return {
    async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
      try {
        return await store.get(cid, options);
      } catch (err) {
        if (!isVeilError(err, 'VEIL_CONTENT_BLOCK_NOT_FOUND')) throw err;
        const bytes = await fetchMissingBlock(cid, options);
        if (bytes === undefined) throw err;
        await store.put(cid, bytes, options);
        return bytes;
      }
    },
  };
}
