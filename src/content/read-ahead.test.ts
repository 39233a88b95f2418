import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { importer } from 'ipfs-unixfs-importer';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import type { CID } from 'multiformats/cid';
import { VeilError, isVeilError, type AbortOptions } from '../core/index.js';
import { MemoryBlockstore, type BlockGetter } from './blockstore.js';
import { importerOptions } from './importer.js';
import { ReadAheadGetter } from './read-ahead.js';
import { readFile } from './unixfs-reader.js';
import { collect, deterministicBytes } from './test-helpers.js';

/** A three-level file DAG: 1000-byte raw leaves, at most 4 links per node (Kubo's layout, small numbers). */
async function deepFile(size: number): Promise<{ store: MemoryBlockstore; root: CID; bytes: Uint8Array }> {
  const store = new MemoryBlockstore();
  const bytes = await deterministicBytes(size, 'read-ahead');
  const blockstore = { put: async (cid: CID, b: Uint8Array) => (await store.put(cid, b), cid) };
  let root: CID | undefined;
  const options = { ...importerOptions('kubo-v1-raw'), chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 4 }) };
  for await (const entry of importer([{ content: [bytes] }], blockstore as never, options)) root = entry.cid;
  return { store, root: root!, bytes };
}

/** Counts fetches; each answers after a few turns of the event loop (no timers), so fetches overlap. */
class SlowGetter implements BlockGetter {
  inFlight = 0;
  maxInFlight = 0;
  readonly fetched: string[] = [];
  constructor(private readonly store: BlockGetter) {}
  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    this.fetched.push(cid.toString());
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return await this.store.get(cid, options);
    } finally {
      this.inFlight--;
    }
  }
}

test('ReadAheadGetter: a whole file is byte-identical, each block fetched once, up to windowBlocks in flight', async () => {
  const { store, root, bytes } = await deepFile(50_000); // 50 leaves under 13 + 4 + 1 dag-pb nodes
  const slow = new SlowGetter(store);
  const ahead = new ReadAheadGetter(slow, { windowBlocks: 6 });
  assert.ok((await collect(readFile(root, ahead))).equals(bytes));
  assert.equal(new Set(slow.fetched).size, slow.fetched.length, 'no block fetched twice');
  assert.equal(slow.fetched.length, 50 + 13 + 4 + 1);
  assert.equal(slow.maxInFlight, 6);
  assert.equal(ahead.inFlightBlocks, 0, 'nothing in flight at the end of the file');
  await ahead.close();

  const one = new SlowGetter(store);
  assert.ok((await collect(readFile(root, new ReadAheadGetter(one, { windowBlocks: 1 })))).equals(bytes));
  assert.equal(one.maxInFlight, 1, 'a window of one is the plain reader');
});

test('ReadAheadGetter (property): any range and window read the same bytes as the plain reader, ≤ window + 1 in flight', async () => {
  const { store, root, bytes } = await deepFile(30_000);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 12 }), async (offset, length, windowBlocks) => {
      const slow = new SlowGetter(store);
      const ahead = new ReadAheadGetter(slow, { windowBlocks });
      const got = await collect(readFile(root, ahead, { offset, length: Math.min(length, 30_000 - offset) }));
      assert.ok(got.equals(Buffer.from(bytes.subarray(offset, offset + length))));
      // One more than the window only when the reader skips predictions and asks for a block not yet started.
      assert.ok(slow.maxInFlight <= windowBlocks + 1, `${slow.maxInFlight} in flight`);
      await ahead.close();
      assert.equal(ahead.inFlightBlocks, 0);
    }),
    { numRuns: 60 },
  );
});

test('ReadAheadGetter: a block that fails reaches the reader with its code; an unneeded failing block does not', async () => {
  const { store, root, bytes } = await deepFile(20_000);
  const leaves: CID[] = [];
  for await (const cid of store.list()) if (cid.code === 0x55) leaves.push(cid);
  const broken = new Set(leaves.map((c) => c.toString()));
  const failing: BlockGetter = {
    get: async (cid, options) => {
      if (broken.has(cid.toString())) throw new VeilError('VEIL_CONTENT_BLOCK_NOT_FOUND', 'gone');
      return store.get(cid, options);
    },
  };
  await assert.rejects(collect(readFile(root, new ReadAheadGetter(failing, { windowBlocks: 4 }))), (err) => isVeilError(err, 'VEIL_CONTENT_BLOCK_NOT_FOUND'));

  // Only the first leaf is readable: a read of the first 1000 bytes succeeds although later leaves were prefetched and failed.
  broken.clear();
  const first = await firstLeaf(root, store);
  for (const c of leaves) if (!c.equals(first)) broken.add(c.toString());
  const ahead = new ReadAheadGetter(failing, { windowBlocks: 8 });
  assert.ok((await collect(readFile(root, ahead, { length: 1000 }))).equals(Buffer.from(bytes.subarray(0, 1000))));
  await ahead.close();
});

/** The CID of the leaf holding byte 0. */
async function firstLeaf(root: CID, store: BlockGetter): Promise<CID> {
  const seen: CID[] = [];
  await collect(readFile(root, { get: (cid, o) => (seen.push(cid), store.get(cid, o)) }, { length: 1 }));
  return seen.at(-1)!;
}

test('ReadAheadGetter.close() aborts the fetches in flight and resolves once they have settled', async () => {
  const { store, root } = await deepFile(20_000);
  const aborted: string[] = [];
  let started = 0;
  let rootServed = false;
  const hanging: BlockGetter = {
    get: (cid, options = {}) => {
      if (!rootServed) {
        rootServed = true;
        return store.get(cid, options);
      }
      started++;
      return new Promise((_, reject) =>
        options.signal?.addEventListener('abort', () => {
          aborted.push(cid.toString());
          reject(new VeilError('VEIL_ABORTED', 'aborted'));
        }),
      );
    },
  };
  const ahead = new ReadAheadGetter(hanging, { windowBlocks: 3 });
  const reading = collect(readFile(root, ahead));
  // The root has two children (20 leaves, 4 links per node): both are fetched ahead, and hang.
  while (started < 2) await new Promise((r) => setImmediate(r));
  await ahead.close();
  assert.equal(ahead.inFlightBlocks, 0);
  assert.equal(aborted.length, 2);
  await assert.rejects(reading, (err) => isVeilError(err, 'VEIL_ABORTED'));
});
