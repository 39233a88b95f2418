import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identity } from 'multiformats/hashes/identity';
import { CID } from 'multiformats/cid';
import { isVeilError } from '../core/index.js';
import { FsBlockstore } from './fs-blockstore.js';
import { MemoryBlockstore, type Blockstore } from './blockstore.js';
import { CODEC, cidFor } from './cid.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'veil-blocks-'));
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(e.name);
  return out;
}

const bytes = new TextEncoder().encode('hello world\n');

for (const [name, make] of [
  ['FsBlockstore', async (dir: string): Promise<Blockstore> => FsBlockstore.open(join(dir, 'blocks'))],
  ['MemoryBlockstore', async (): Promise<Blockstore> => new MemoryBlockstore()],
] as const) {
  test(`${name}: put/get/has/list/delete round-trip, CIDv0 and v1 share a block`, async () => {
    const dir = await tempDir();
    try {
      const store = await make(dir);
      const v1 = cidFor(bytes, CODEC.raw);
      assert.equal(await store.has(v1), false);
      await assert.rejects(store.get(v1), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_NOT_FOUND'));
      await store.put(v1, bytes);
      await store.put(v1, bytes); // idempotent
      assert.deepEqual(Buffer.from(await store.get(v1)), Buffer.from(bytes));
      const pb = cidFor(bytes, CODEC.dagPb, 0);
      await store.put(pb, bytes);
      assert.equal(await store.has(pb.toV1()), true, 'v0 and v1 forms are one key');
      const listed: string[] = [];
      for await (const cid of store.list()) listed.push(cid.toString());
      assert.deepEqual(listed.sort(), [v1.toString(), pb.toV1().toString()].sort());
      await store.delete(v1);
      await store.delete(v1); // deleting a missing block is fine
      assert.equal(await store.has(v1), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: rejects mismatched bytes and oversize blocks, leaving nothing behind`, async () => {
    const dir = await tempDir();
    try {
      const store = await make(dir);
      const cid = cidFor(bytes, CODEC.raw);
      await assert.rejects(store.put(cid, new TextEncoder().encode('hello world!')), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_MISMATCH'));
      assert.equal(await store.has(cid), false);
      const big = new Uint8Array(3 * 1024 * 1024);
      await assert.rejects(store.put(cidFor(big, CODEC.raw), big), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_TOO_LARGE'));
      if (name === 'FsBlockstore') assert.deepEqual(await allFiles(dir), [], 'no file, not even a temp file');
      const listed: string[] = [];
      for await (const c of store.list()) listed.push(c.toString());
      assert.deepEqual(listed, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: identity CIDs verify inline and are never written`, async () => {
    const dir = await tempDir();
    try {
      const store = await make(dir);
      const cid = CID.createV1(CODEC.raw, identity.digest(bytes));
      await store.put(cid, bytes);
      assert.deepEqual(Buffer.from(await store.get(cid)), Buffer.from(bytes));
      await assert.rejects(store.put(cid, new Uint8Array([1])), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_MISMATCH'));
      if (name === 'FsBlockstore') assert.deepEqual(await allFiles(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('FsBlockstore: open() sweeps temp files a crash left; a corrupted block on disk is caught on read', async () => {
  const dir = await tempDir();
  try {
    const blocks = join(dir, 'blocks');
    let store = await FsBlockstore.open(blocks);
    const cid = cidFor(bytes, CODEC.raw);
    await store.put(cid, bytes);
    const [shard] = (await readdir(blocks)).filter((n) => !n.startsWith('.'));
    assert.ok(shard);
    await writeFile(join(blocks, shard, '.tmp-deadbeef'), 'partial');
    await mkdir(join(blocks, 'zz'), { recursive: true });
    await writeFile(join(blocks, 'zz', '.tmp-cafe'), 'partial');
    store = await FsBlockstore.open(blocks);
    assert.deepEqual((await allFiles(blocks)).filter((n) => n.startsWith('.tmp-')), []);
    const [file] = await readdir(join(blocks, shard));
    await writeFile(join(blocks, shard, file!), 'hello WORLD\n');
    await assert.rejects(store.get(cid), (e) => isVeilError(e, 'VEIL_CONTENT_BLOCK_MISMATCH'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('FsBlockstore: an aborted put stores nothing; unsupported hash is refused', async () => {
  const dir = await tempDir();
  try {
    const store = await FsBlockstore.open(join(dir, 'blocks'));
    const controller = new AbortController();
    controller.abort();
    const cid = cidFor(bytes, CODEC.raw);
    await assert.rejects(store.put(cid, bytes, { signal: controller.signal }), (e) => isVeilError(e, 'VEIL_ABORTED'));
    assert.equal(await store.has(cid), false);
    const sha512ish = CID.parse('bafkrgqhhyivzstcz3hhswshfjgy6ertgmnqeleynhwt4dlfsthi4hn7zgh4uvlsb5xncykzapi3ocd4lzogukir6ksdy6wzrnz6ohnv4aglcs');
    await assert.rejects(store.put(sha512ish, bytes), (e) => isVeilError(e, 'VEIL_CONTENT_HASH_UNSUPPORTED'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
