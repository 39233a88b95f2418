import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CID } from 'multiformats/cid';
import { BlockCache } from './block-cache.js';
import { MemoryBlockstore } from './blockstore.js';
import { CODEC, cidFor } from './cid.js';

async function storeOf(count: number, size: number): Promise<{ store: MemoryBlockstore; cids: CID[] }> {
  const store = new MemoryBlockstore();
  const cids: CID[] = [];
  for (let n = 0; n < count; n++) {
    const bytes = new Uint8Array(size).fill(n + 1);
    const cid = cidFor(bytes, CODEC.raw);
    await store.put(cid, bytes);
    cids.push(cid);
  }
  return { store, cids };
}

test('BlockCache: repeated reads come from memory; the least recently used block is evicted first', async () => {
  const { store, cids } = await storeOf(9, 100);
  const inner: string[] = [];
  const cache = new BlockCache({ get: (cid, o) => (inner.push(cid.toString()), store.get(cid, o)) }, 800); // 8 blocks of 100 bytes
  for (const cid of cids.slice(0, 8)) await cache.get(cid);
  assert.equal(cache.sizeBytes, 800);
  await cache.get(cids[0]!); // block 0 becomes the most recently used
  assert.equal(inner.length, 8, 'served from memory');
  await cache.get(cids[8]!); // over the limit: block 1, the least recently used, goes
  assert.equal(cache.sizeBytes, 800);
  inner.length = 0;
  await cache.get(cids[0]!);
  assert.deepEqual(inner, [], 'block 0 was kept');
  await cache.get(cids[1]!);
  assert.deepEqual(inner, [cids[1]!.toString()], 'block 1 was evicted and read again');
});

test('BlockCache never caches a block larger than an eighth of its size', async () => {
  const { store, cids } = await storeOf(1, 300);
  const cache = new BlockCache(store, 800);
  assert.equal((await cache.get(cids[0]!)).byteLength, 300);
  assert.equal(cache.sizeBytes, 0);
});
