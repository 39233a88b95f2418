/**
 * CID vectors: our import profiles must give Kubo's CIDs. Sources (cited per vector):
 *  [t0040]  kubo test/sharness/t0040-add-and-cat.sh
 *  [prof]   kubo test/cli/cid_profiles_test.go (IPIP-499 profile expectations; deterministic ChaCha20 inputs)
 *  [readme] go-ipfs README "Some things to try" (echo "hello world" > hello; ipfs add hello)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { MemoryBlockstore } from './blockstore.js';
import { importDirectory, importFile } from './importer.js';
import { readFile } from './unixfs-reader.js';
import { collect, deterministicBytes, deterministicStream } from './test-helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const FILE_VECTORS: Array<[string, string, 'kubo-v0' | 'kubo-v1-raw' | 'unixfs-v1-2025', string]> = [
  ['[t0040] empty file', '', 'kubo-v0', 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
  ['[readme] "hello world\\n"', 'hello world\n', 'kubo-v0', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'],
  ['[prof] "hello world"', 'hello world', 'kubo-v0', 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'],
  ['[t0040] "Hello Worlds!\\n"', 'Hello Worlds!\n', 'kubo-v0', 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH'],
  ['[t0040] "IPFS\\n"', 'IPFS\n', 'kubo-v0', 'QmdFyxZXsFiP4csgfM5uPu99AvFiKH62CSPDw5TP92nr7w'],
  ['[t0040] --raw-leaves empty file', '', 'kubo-v1-raw', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
  ['[t0040] --cid-version=1 "Hello Mars!\\n"', 'Hello Mars!\n', 'kubo-v1-raw', 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4'],
  ['[prof] unixfs-v1-2025 "hello world"', 'hello world', 'unixfs-v1-2025', 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'],
];

for (const [name, content, profile, expected] of FILE_VECTORS) {
  test(`CID vector ${name}`, async () => {
    const store = new MemoryBlockstore();
    const { cid } = await importFile(text(content), store, { profile });
    assert.equal(cid.toString(), expected);
    assert.equal((await collect(readFile(cid, store))).toString('utf8'), content);
  });
}

test('[prof] 262144 bytes (exactly one chunk) and 262145 bytes (two chunks), seed "chunk-v0-seed"', async () => {
  const store = new MemoryBlockstore();
  const one = await importFile(await deterministicBytes(262_144, 'chunk-v0-seed'), store);
  assert.equal(one.cid.toString(), 'QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE');
  const two = await importFile(deterministicStream(262_145, 'chunk-v0-seed'), store);
  assert.equal(two.cid.toString(), 'QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ');
  assert.equal(two.bytesDone, 262_145);
});

test('[prof] unixfs-v1-2025: 1048577 bytes (two 1 MiB chunks), seed "chunk-v1-seed"', async () => {
  const store = new MemoryBlockstore();
  const { cid } = await importFile(deterministicStream(1_048_577, 'chunk-v1-seed'), store, { profile: 'unixfs-v1-2025' });
  assert.equal(cid.toString(), 'bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64');
});

test('[prof] balanced layout: 174 x 256 KiB + 1 byte rebalances into two levels, seed "v0-seed"', async () => {
  const store = new MemoryBlockstore();
  const events: number[] = [];
  const { cid } = await importFile(deterministicStream(174 * 262_144 + 1, 'v0-seed'), store, {
    onProgress: (e) => {
      if (e.type === 'content:import-bytes') events.push(e.detail['bytesDone'] as number);
    },
  });
  assert.equal(cid.toString(), 'QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW');
  assert.ok(events.length >= 40, 'progress reported while importing');
  assert.deepEqual([...events].sort((a, b) => a - b), events, 'progress is monotonic');
  // ranged read across the chunk boundary agrees with the generator
  const all = await deterministicBytes(600_000, 'v0-seed');
  const part = await collect(readFile(cid, store, { offset: 262_000, length: 300_000 }));
  assert.deepEqual(part, Buffer.from(all.subarray(262_000, 562_000)));
});

test('[t0040] nested directory from disk: `ipfs add -r` of {hey, hello/world}', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-import-'));
  try {
    const root = join(dir, 'test_current_dir');
    await mkdir(join(root, 'hello'), { recursive: true });
    await writeFile(join(root, 'hey'), 'Hey\n');
    await writeFile(join(root, 'hello', 'world'), 'World\n');
    await writeFile(join(root, '.hidden'), 'skipped like Kubo without --hidden\n');
    const { cid } = await importDirectory(root, new MemoryBlockstore());
    assert.equal(cid.toString(), 'QmZQWnfcqJ6hNkkPvrY9Q5X39GP3jUnUbAV4AbmbbR3Cb1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('[t0040] planets directory with every profile; moons (nested) with the default', async () => {
  const planets = [
    { path: 'mars.txt', content: text('Hello Mars!\n') },
    { path: 'venus.txt', content: text('Hello Venus!\n') },
  ];
  const expected = { 'kubo-v0': 'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY', 'kubo-v1-raw': 'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi' } as const;
  for (const [profile, cid] of Object.entries(expected)) {
    const result = await importDirectory(planets, new MemoryBlockstore(), { profile: profile as keyof typeof expected });
    assert.equal(result.cid.toString(), cid, profile);
  }
  const moons = await importDirectory(
    [
      { path: 'jupiter' },
      { path: 'jupiter/europa.txt', content: text('Hello Europa!\n') },
      { path: 'mercury.txt', content: text('hey youre no moon!\n') },
      { path: 'saturn' },
      { path: 'saturn/titan.txt', content: text('Hello Titan!\n') },
    ],
    new MemoryBlockstore(),
  );
  assert.equal(moons.cid.toString(), 'QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ');
});

test('[prof] empty directory', async () => {
  const { cid } = await importDirectory([], new MemoryBlockstore());
  assert.equal(cid.toString(), 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn');
});

test('import honours an aborted signal and a missing path', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(importFile(text('x'), new MemoryBlockstore(), { signal: controller.signal }), (e) => isVeilError(e, 'VEIL_ABORTED'));
  const mid = new AbortController();
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(1000);
    mid.abort();
    yield new Uint8Array(1000);
  }
  await assert.rejects(importFile(slow(), new MemoryBlockstore(), { signal: mid.signal }), (e) => isVeilError(e, 'VEIL_ABORTED'));
  await assert.rejects(importFile('/nonexistent/veil/file', new MemoryBlockstore()), (e) => isVeilError(e, 'VEIL_CONTENT_IMPORT_FAILED'));
});
