/**
 * Directories on the grid (issue #4 §4): the private manifest codec (round trip, untrusted input only ever gives
 * VEIL_GRID_DIRECTORY_INVALID, unsafe names refused), private directory upload → ls → get of the tree
 * byte-identical, public directories with Kubo's CIDs, and the lease walk reaching every block of a tree.
 * Storage is an in-memory stand-in for servers here (storage.test.ts covers the HTTPS path).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { MemoryBlockstore, importDirectory, type CID } from '../content/index.js';
import { encodeManifest, isSafeEntryName, parseManifest, type ManifestEntry } from './directory-manifest.js';
import { downloadTree, listCapability } from './directory-transfer.js';
import { capabilityBlocks } from './lease-walk.js';
import { parseCapability } from './convergent.js';
import { uploadFile } from './transfer.js';
import type { StorageClient } from './storage-client.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-dir-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A StorageClient stand-in over a MemoryBlockstore (the upload path only calls has/put and reads name/address). */
function memoryServer(name: string): { client: StorageClient; store: MemoryBlockstore } {
  const store = new MemoryBlockstore();
  const client = {
    name,
    address: { keyHash: name.padEnd(52, 'a'), hints: [], swissnum: 'x' },
    has: (cid: CID) => store.has(cid),
    put: (cid: CID, bytes: Uint8Array) => store.put(cid, bytes),
  } as unknown as StorageClient;
  return { client, store };
}

function makeTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>([
    ['a.txt', Buffer.from('hello\n')],
    ['big.bin', randomBytes(600_000)],
    ['sub/b.txt', Buffer.from('inside\n')],
    ['sub/deeper/c.bin', randomBytes(3000)],
    ['empty.txt', Buffer.alloc(0)],
  ]);
  for (const [rel, bytes] of files) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  mkdirSync(join(dir, 'emptydir'));
  writeFileSync(join(dir, '.hidden'), 'skipped');
  symlinkSync('a.txt', join(dir, 'link'));
  return files;
}

describe('directory manifest codec', () => {
  const entries: ManifestEntry[] = [
    { name: 'z', type: 'file', size: 3, cap: `veil:chk:${'a'.repeat(52)}:bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy` },
    { name: 'é dir', type: 'directory', size: 0, cap: `veil:dir:${'q'.repeat(51)}a:bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy` },
    { name: 'l', type: 'symlink', size: 0, target: '../x' },
  ];

  it('round-trips, sorted by name bytes, so the same tree gives the same bytes', () => {
    const bytes = encodeManifest(entries);
    assert.deepEqual(Buffer.from(encodeManifest([...entries].reverse())), Buffer.from(bytes));
    assert.deepEqual(parseManifest(bytes).map((e) => e.name), ['l', 'z', 'é dir']);
  });

  it('refuses unsafe names, plaintext caps, repeated names', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\\b', 'nul\0', 'x'.repeat(256)]) assert.equal(isSafeEntryName(name), false, JSON.stringify(name));
    const bad = (e: unknown): boolean => isVeilError(e, 'VEIL_GRID_DIRECTORY_INVALID');
    assert.throws(() => encodeManifest([{ ...entries[0]!, name: '..' } as ManifestEntry]), bad);
    const json = (list: unknown[]): Uint8Array => Buffer.from(JSON.stringify({ veil: 'dir-v1', entries: list }));
    assert.throws(() => parseManifest(json([{ name: '../x', type: 'file', size: 1, cap: entries[0]!.type === 'file' ? entries[0]!.cap : '' }])), bad);
    assert.throws(() => parseManifest(json([{ name: 'x', type: 'file', size: 1, cap: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }])), bad);
    assert.throws(() => parseManifest(json([entries[0], entries[0]])), bad);
    assert.throws(() => parseManifest(Buffer.from('{"veil":"dir-v2","entries":[]}')), bad);
  });

  it('random bytes and random JSON only ever give VEIL_GRID_DIRECTORY_INVALID', () => {
    const check = (bytes: Uint8Array): void => {
      try {
        parseManifest(bytes);
      } catch (err) {
        assert.ok(isVeilError(err, 'VEIL_GRID_DIRECTORY_INVALID'), String(err));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check));
    fc.assert(fc.property(fc.json(), (j) => check(Buffer.from(j))));
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string(), type: fc.constantFrom('file', 'directory', 'symlink', 'x'), size: fc.integer(), cap: fc.string(), target: fc.string() })), (list) =>
        check(Buffer.from(JSON.stringify({ veil: 'dir-v1', entries: list }))),
      ),
    );
  });
});

describe('directories on the grid', () => {
  it('private: veil:dir: capability, ls lists entries, get writes the same tree; servers hold no plaintext name', async () => {
    const src = join(root, 'tree');
    const files = makeTree(src);
    const { client, store } = memoryServer('s1');
    const events: string[] = [];
    const opts = { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32), onProgress: (e: { type: string }) => events.push(e.type) };
    const r = await uploadFile(src, [client], opts);
    assert.match(r.capability, /^veil:dir:[a-z2-7]{52}:b/);
    assert.equal(r.isDirectory, true);
    assert.ok(events.includes('grid:import') && events.includes('grid:upload'));
    assert.equal((await uploadFile(src, [client], opts)).capability, r.capability, 'convergent: same tree, same capability');
    for await (const cid of store.list()) {
      const bytes = Buffer.from(await store.get(cid));
      assert.ok(!bytes.includes('a.txt') && !bytes.includes('hello'), 'no name or content in plaintext');
    }

    const cap = parseCapability(r.capability);
    const listing = await listCapability(cap, store);
    assert.equal(listing.type, 'directory');
    if (listing.type !== 'directory') return;
    assert.deepEqual(
      listing.entries.map((e) => [e.name, e.type, e.size]),
      [
        ['a.txt', 'file', 6],
        ['big.bin', 'file', 600_000],
        ['empty.txt', 'file', 0],
        ['emptydir', 'directory', 0],
        ['link', 'symlink', 0],
        ['sub', 'directory', 3007],
      ],
    );
    const sub = listing.entries.find((e) => e.name === 'sub')!;
    assert.match(sub.cap!, /^veil:dir:/);
    const subListing = await listCapability(parseCapability(sub.cap!), store);
    assert.deepEqual(subListing.type === 'directory' && subListing.entries.map((e) => e.name), ['b.txt', 'deeper']);

    const out = join(root, 'back');
    const written = await downloadTree(cap, store, out);
    assert.equal(written, 600_000 + 6 + 7 + 3000);
    for (const [rel, bytes] of files) assert.ok(readFileSync(join(out, rel)).equals(bytes), rel);
    assert.equal(readlinkSync(join(out, 'link')), 'a.txt');
    assert.ok(existsSync(join(out, 'emptydir')));
    assert.equal(existsSync(join(out, '.hidden')), false);
    await assert.rejects(downloadTree(cap, store, out), (e) => isVeilError(e, 'VEIL_INPUT_INVALID'), 'an existing path is never overwritten');

    // The lease walk finds every stored block of the tree (manifests and files).
    const blocks = await capabilityBlocks(cap, store);
    assert.equal(blocks.length, store.size);
  });

  it('public: Kubo\'s directory CID, listed with child CIDs, written back byte-identical', async () => {
    const src = join(root, 'pubtree');
    const files = makeTree(src);
    const { client, store } = memoryServer('s2');
    const r = await uploadFile(src, [client], { sharesHappy: 1, sharesTotal: 1, isPublic: true });
    const expected = await importDirectory(src, new MemoryBlockstore());
    assert.equal(r.capability, expected.cid.toString());
    const listing = await listCapability(parseCapability(r.capability), store);
    assert.ok(listing.type === 'directory' && listing.entries.some((e) => e.name === 'big.bin' && e.size === 600_000 && e.cap?.startsWith('Qm')));
    const out = join(root, 'pubback');
    await downloadTree(parseCapability(r.capability), store, out);
    for (const [rel, bytes] of files) assert.ok(readFileSync(join(out, rel)).equals(bytes), rel);
    assert.equal((await capabilityBlocks(parseCapability(r.capability), store)).length, store.size);
  });

  it('a failed tree download leaves nothing at PATH', async () => {
    const src = join(root, 'tree');
    const { client, store } = memoryServer('s3');
    const r = await uploadFile(src, [client], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32) });
    // Drop one leaf of big.bin: the download fails part-way.
    for await (const cid of store.list()) {
      if ((await store.get(cid)).length === 262144) {
        await store.delete(cid);
        break;
      }
    }
    const out = join(root, 'broken');
    await assert.rejects(downloadTree(parseCapability(r.capability), store, out));
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(`${out}.veil-partial`), false);
  });
});
