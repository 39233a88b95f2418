import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CarBlockIterator } from '@ipld/car/iterator';
import { isVeilError, VeilError } from '../core/index.js';
import { MemoryBlockstore } from './blockstore.js';
import { exportCar, importCar, carHeader, carFrame } from './car.js';
import { CarFrameLimiter } from './car-limits.js';
import { CODEC, cidFor } from './cid.js';
import { importDirectory, importFile } from './importer.js';
import { readFile } from './unixfs-reader.js';
import { collect, deterministicStream } from './test-helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function sampleDag(): Promise<{ store: MemoryBlockstore; root: import('multiformats/cid').CID }> {
  const store = new MemoryBlockstore();
  const { cid } = await importDirectory(
    [
      { path: 'a.txt', content: text('alpha\n') },
      { path: 'sub' },
      { path: 'sub/big.bin', content: deterministicStream(600_000, 'car') },
      { path: 'sub/same.txt', content: text('alpha\n') }, // duplicate block
    ],
    store,
  );
  return { store, root: cid };
}

test('CAR round-trip: export → @ipld/car reader → re-import gives the same root and blocks', async () => {
  const { store, root } = await sampleDag();
  const car = await collect(exportCar(root, store));
  const reader = await CarBlockIterator.fromBytes(car);
  assert.equal(reader.version, 1);
  assert.deepEqual((await reader.getRoots()).map(String), [root.toString()]);
  const seen = new Set<string>();
  for await (const { cid } of reader) {
    assert.ok(!seen.has(cid.toString()), 'no duplicate blocks (dups=n)');
    seen.add(cid.toString());
  }
  assert.equal(seen.size, store.size, 'every block exactly once');
  const copy = new MemoryBlockstore();
  const result = await importCar([car.subarray(0, 10), car.subarray(10)], copy);
  assert.deepEqual(result.roots.map(String), [root.toString()]);
  assert.equal(result.blocks, store.size);
  const again = await collect(exportCar(root, copy));
  assert.deepEqual(again, car, 'byte-identical re-export');
});

test('exportCar: dag-scope block sends only the root; a missing child ends the stream with BLOCK_NOT_FOUND', async () => {
  const store = new MemoryBlockstore();
  const { cid } = await importFile(deterministicStream(600_000, 'x'), store);
  const blocks = [];
  for await (const b of await CarBlockIterator.fromBytes(await collect(exportCar(cid, store, { scope: 'block' })))) blocks.push(b);
  assert.equal(blocks.length, 1);
  const partial = new MemoryBlockstore();
  await partial.put(cid, await store.get(cid));
  await assert.rejects(collect(exportCar(cid, partial)), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_NOT_FOUND'));
});

test('importCar verifies each block: a forged block is refused', async () => {
  const good = text('good');
  const cid = cidFor(good, CODEC.raw);
  const car = Buffer.concat([carHeader([cid]), carFrame(cid, text('evil'))]);
  const store = new MemoryBlockstore();
  await assert.rejects(importCar([car], store), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_MISMATCH'));
  assert.equal(store.size, 0);
});

test('importCar: truncated, garbage and oversized frames give CAR codes', async () => {
  const { store, root } = await sampleDag();
  const car = await collect(exportCar(root, store));
  await assert.rejects(importCar([car.subarray(0, car.length - 5)], new MemoryBlockstore()), (e) => isVeilError(e, 'VEIL_CONTENT_CAR_INVALID'));
  await assert.rejects(importCar([Buffer.from('not a car at all')], new MemoryBlockstore()), (e) => isVeilError(e) && e.code.startsWith('VEIL_CONTENT_CAR_'));
  // a header claiming 2^40 bytes is refused as soon as its varint is read
  await assert.rejects(importCar([Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x20])], new MemoryBlockstore()), (e) => isVeilError(e, 'VEIL_CONTENT_CAR_LIMIT'));
  await assert.rejects(importCar([car], new MemoryBlockstore(), { limits: { maxFrameBytes: 1000 } }), (e) => isVeilError(e, 'VEIL_CONTENT_CAR_LIMIT'));
  await assert.rejects(importCar([car], new MemoryBlockstore(), { limits: { maxTotalBytes: 1000 } }), (e) => isVeilError(e, 'VEIL_CONTENT_CAR_LIMIT'));
});

test('CarFrameLimiter (property): any chunking gives the same frame count; random bytes only give VeilErrors', async () => {
  const { store, root } = await sampleDag();
  const car = await collect(exportCar(root, store));
  const limits = { maxHeaderBytes: 1 << 16, maxFrameBytes: 1 << 21, maxTotalBytes: 1 << 30 };
  const whole = new CarFrameLimiter(limits);
  whole.feed(car);
  whole.end();
  fc.assert(
    fc.property(fc.array(fc.nat(car.length), { maxLength: 20 }), (cuts) => {
      const limiter = new CarFrameLimiter(limits);
      const points = [0, ...cuts.sort((a, b) => a - b), car.length];
      for (let i = 1; i < points.length; i++) limiter.feed(car.subarray(points[i - 1], points[i]));
      limiter.end();
      return limiter.frames === whole.frames;
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const limiter = new CarFrameLimiter({ maxHeaderBytes: 64, maxFrameBytes: 64, maxTotalBytes: 150 });
      try {
        limiter.feed(bytes);
        limiter.end();
      } catch (err) {
        return err instanceof VeilError && (err.code === 'VEIL_CONTENT_CAR_INVALID' || err.code === 'VEIL_CONTENT_CAR_LIMIT');
      }
      return true;
    }),
  );
});

test('readFile: ranges at every boundary agree with the source', async () => {
  const store = new MemoryBlockstore();
  const source = await collect(deterministicStream(800_000, 'ranges'));
  const { cid } = await importFile(source, store);
  for (const [offset, length] of [[0, 1], [262_143, 2], [262_144, 262_144], [799_999, 1], [0, 800_000], [500_000, 0]] as const) {
    const got = await collect(readFile(cid, store, { offset, length }));
    assert.deepEqual(got, source.subarray(offset, offset + length), `${offset}+${length}`);
  }
});
