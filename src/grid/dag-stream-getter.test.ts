/**
 * DagStreamGetter with scripted streams and a counting fallback: blocks come from the stream when it brings them,
 * the stream waits while its buffer is full, and the fallback serves what the stream does not bring (it ends early,
 * fails, the reader leaves its order, a block asked for twice). The same path over a real storage server is in
 * storage.test.ts ("a download is one stream").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { VeilError } from '../core/index.js';
import { CODEC, cidFor, type BlockGetter, type CID } from '../content/index.js';
import { DagStreamGetter } from './dag-stream-getter.js';

const blocks = Array.from({ length: 10 }, () => {
  const bytes = new Uint8Array(randomBytes(100));
  return { cid: cidFor(bytes, CODEC.raw), bytes };
});

function countingFallback(): BlockGetter & { asked: CID[] } {
  const asked: CID[] = [];
  return {
    asked,
    async get(cid: CID): Promise<Uint8Array> {
      asked.push(cid);
      const b = blocks.find((x) => x.cid.equals(cid));
      if (!b) throw new VeilError('VEIL_GRID_BLOCK_UNAVAILABLE', 'no such block');
      return b.bytes;
    },
  };
}

async function* stream(list: typeof blocks, options: { failAfter?: number; produced?: number[] } = {}): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  for (let i = 0; i < list.length; i++) {
    if (options.failAfter !== undefined && i >= options.failAfter) throw new VeilError('VEIL_HTTP_STALLED', 'stream stalled');
    options.produced?.push(i);
    yield list[i]!;
    await new Promise((r) => setImmediate(r));
  }
}

describe('DagStreamGetter', () => {
  it('serves every block from the stream when the reader follows its order', async () => {
    const fallback = countingFallback();
    const g = new DagStreamGetter(fallback, () => stream(blocks), { maxBufferedBlocks: 4 });
    for (const b of blocks) assert.deepEqual(await g.get(b.cid), b.bytes);
    await g.close();
    assert.equal(g.streamedBlocks, blocks.length);
    assert.deepEqual(fallback.asked, []);
  });

  it('pauses the stream while its buffer is full, and resumes when the reader takes a block', async () => {
    const produced: number[] = [];
    const g = new DagStreamGetter(countingFallback(), () => stream(blocks, { produced }), { maxBufferedBlocks: 3 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(produced.length, 3, 'three blocks buffered, then the stream waits');
    assert.deepEqual(await g.get(blocks[0]!.cid), blocks[0]!.bytes);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(produced.length, 4);
    await g.close();
  });

  it('a stream that fails sends the rest to the fallback; what it brought is still served', async () => {
    const fallback = countingFallback();
    const g = new DagStreamGetter(fallback, () => stream(blocks, { failAfter: 4 }), { maxBufferedBlocks: 8 });
    for (const b of blocks) assert.deepEqual(await g.get(b.cid), b.bytes);
    await g.close();
    assert.equal(g.streamedBlocks, 4);
    assert.deepEqual(fallback.asked.map(String), blocks.slice(4).map((b) => b.cid.toString()));
  });

  it('a reader that leaves the stream order while the buffer is full gives the stream up', async () => {
    const fallback = countingFallback();
    const g = new DagStreamGetter(fallback, () => stream(blocks), { maxBufferedBlocks: 2 });
    await new Promise((r) => setTimeout(r, 20));
    // Blocks 0 and 1 are buffered; the reader asks for 9 first.
    assert.deepEqual(await g.get(blocks[9]!.cid), blocks[9]!.bytes);
    assert.deepEqual(await g.get(blocks[0]!.cid), blocks[0]!.bytes, 'a buffered block is still served');
    assert.deepEqual(await g.get(blocks[5]!.cid), blocks[5]!.bytes);
    await g.close();
    assert.deepEqual(fallback.asked.map(String), [blocks[9]!, blocks[5]!].map((b) => b.cid.toString()));
  });

  it('a block asked for twice comes from the fallback the second time; close() ends a stream mid-way', async () => {
    const fallback = countingFallback();
    const g = new DagStreamGetter(fallback, () => stream(blocks), { maxBufferedBlocks: 2 });
    assert.deepEqual(await g.get(blocks[0]!.cid), blocks[0]!.bytes);
    assert.deepEqual(await g.get(blocks[0]!.cid), blocks[0]!.bytes);
    assert.equal(fallback.asked.length, 1);
    await g.close();
    assert.ok(g.streamedBlocks < blocks.length, 'the stream stopped');
    assert.deepEqual(await g.get(blocks[7]!.cid), blocks[7]!.bytes, 'after close, the fallback serves');
  });

  it('honours the caller signal while waiting for the stream', async () => {
    const never = (async function* () {
      await new Promise(() => undefined);
      yield blocks[0]!;
    })();
    const g = new DagStreamGetter(countingFallback(), () => never, { maxBufferedBlocks: 2 });
    const cancel = new AbortController();
    const timer = setTimeout(() => cancel.abort(), 50);
    await assert.rejects(g.get(blocks[0]!.cid, { signal: cancel.signal }), (e) => e instanceof VeilError && e.code === 'VEIL_ABORTED');
    clearTimeout(timer);
    await g.close(); // a stream that never answers does not hold close()
  });
});
