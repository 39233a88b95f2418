/**
 * Golden tests of the content and name commands (add, cat, car, name, key): arguments, stdout, stderr (with the
 * hint) and exit status, against a node directory on disk and no running node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CarReader } from '@ipld/car';
import { writeNodeFormat } from '../../config/index.js';
import { main } from '../main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

function sink(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

async function veil(cwd: string, ...argv: string[]): Promise<Run> {
  return veilWith({ isStderrTty: false }, cwd, ...argv);
}

async function veilWith(opts: { isStderrTty: boolean }, cwd: string, ...argv: string[]): Promise<Run> {
  const out = sink();
  const err = sink();
  if (opts.isStderrTty) Object.assign(err.stream, { isTTY: true });
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env: { VEIL_LOG: 'error' }, cwd }, new AbortController().signal);
  return { code, stdout: out.bytes().toString(), stderr: err.bytes().toString(), stdoutBytes: out.bytes() };
}

async function workspace(): Promise<{ dir: string; node: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-cli-content-'));
  const node = join(dir, 'node');
  await mkdir(node);
  await writeNodeFormat(node);
  return { dir, node, close: () => rm(dir, { recursive: true, force: true }) };
}

test('veil add prints Kubo\'s CIDs: "hello world\\n", the empty file, and the CIDv1 profile', async () => {
  const w = await workspace();
  try {
    await writeFile(join(w.dir, 'hello.txt'), 'hello world\n');
    await writeFile(join(w.dir, 'empty'), '');
    const r = await veil(w.dir, '-d', 'node', 'add', 'hello.txt', 'empty');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'added QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o hello.txt\nadded QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH empty\n');
    assert.equal(r.stderr, '');
    const v1 = await veil(w.dir, '-d', 'node', 'add', '--cid-version=1', '--quiet', 'hello.txt');
    assert.equal(v1.stdout, 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4\n');
    const cat = await veil(w.dir, '-d', 'node', 'cat', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
    assert.equal(cat.code, 0);
    assert.equal(cat.stdout, 'hello world\n');
  } finally {
    await w.close();
  }
});

test('veil add -r lists files first, then directories after their contents (Kubo\'s order)', async () => {
  const w = await workspace();
  try {
    await mkdir(join(w.dir, 'site/sub'), { recursive: true });
    await writeFile(join(w.dir, 'site/b.txt'), 'b\n');
    await writeFile(join(w.dir, 'site/sub/a.txt'), 'a\n');
    await writeFile(join(w.dir, 'site/.hidden'), 'h\n');
    const r = await veil(w.dir, '-d', 'node', 'add', '-r', 'site');
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.trim().split('\n').map((l) => l.split(' ').slice(2).join(' '));
    assert.deepEqual(names, ['site/b.txt', 'site/sub/a.txt', 'site/sub', 'site']);
    const root = r.stdout.trim().split('\n').at(-1)!.split(' ')[1]!;
    const sub = await veil(w.dir, '-d', 'node', 'cat', `/ipfs/${root}/sub/a.txt`);
    assert.equal(sub.stdout, 'a\n');
    const noR = await veil(w.dir, '-d', 'node', 'add', 'site');
    assert.equal(noR.code, 2);
    assert.equal(noR.stdout, '');
    assert.equal(noR.stderr, 'veil: error: site is a directory [VEIL_INPUT_INVALID]\n  hint: use -r to add directories\n');
    const dirCat = await veil(w.dir, '-d', 'node', 'cat', root);
    assert.equal(dirCat.code, 2);
    assert.match(dirCat.stderr, /is a directory/);
    const bad = await veil(w.dir, '-d', 'node', 'add', '--raw-leaves', 'site/b.txt');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /hint: add --cid-version=1/);
  } finally {
    await w.close();
  }
});

test('car export → car import into another node round-trips and @ipld/car reads the file', async () => {
  const w = await workspace();
  try {
    const other = join(w.dir, 'other');
    await mkdir(other);
    await writeNodeFormat(other);
    await mkdir(join(w.dir, 'd'));
    const bigBytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => i % 251)); // three different chunks
    await writeFile(join(w.dir, 'd/big'), bigBytes);
    await writeFile(join(w.dir, 'd/x.txt'), 'x\n');
    const root = (await veil(w.dir, '-d', 'node', 'add', '-r', '-Q', 'd')).stdout.trim();
    const exp = await veil(w.dir, '-d', 'node', 'car', 'export', root, '-o', 'd.car');
    assert.equal(exp.code, 0, exp.stderr);
    const car = await readFile(join(w.dir, 'd.car'));
    const reader = await CarReader.fromBytes(car);
    assert.deepEqual((await reader.getRoots()).map(String), [root]);
    let blocks = 0;
    for await (const _ of reader.blocks()) blocks++;
    assert.equal(blocks, 6, 'root dir, x.txt, big (1 node + 3 leaves)');
    const imp = await veil(w.dir, '-d', 'other', 'car', 'import', 'd.car');
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(imp.stdout, `root ${root}\n`);
    assert.equal(imp.stderr, 'imported 6 blocks from d.car\n');
    const big = await veil(w.dir, '-d', 'other', 'cat', `${root}/big`);
    assert.deepEqual(big.stdoutBytes, bigBytes);
    // stdout export equals the file export
    assert.deepEqual((await veil(w.dir, '-d', 'other', 'car', 'export', root)).stdoutBytes, car);
    // a corrupt CAR is refused
    const corrupt = Buffer.from(car);
    corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff;
    await writeFile(join(w.dir, 'bad.car'), corrupt);
    const bad = await veil(w.dir, '-d', 'other', 'car', 'import', 'bad.car');
    assert.equal(bad.code, 6);
    assert.match(bad.stderr, /VEIL_CONTENT_BLOCK_MISMATCH/);
  } finally {
    await w.close();
  }
});

test('veil name publish / resolve and veil key gen / list', async () => {
  const w = await workspace();
  try {
    await writeFile(join(w.dir, 'hello.txt'), 'hello world\n');
    await veil(w.dir, '-d', 'node', 'add', 'hello.txt');
    const pub = await veil(w.dir, '-d', 'node', 'name', 'publish', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', '--lifetime', '1h', '--ttl', '1m');
    assert.equal(pub.code, 0, pub.stderr);
    const m = /^Published to (k51qzi5uqu5[a-z0-9]+): \/ipfs\/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\n$/.exec(pub.stdout);
    assert.ok(m, pub.stdout);
    const resolved = await veil(w.dir, '-d', 'node', 'name', 'resolve', m[1]!);
    assert.equal(resolved.stdout, '/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\n');
    assert.equal((await veil(w.dir, '-d', 'node', 'cat', `/ipns/${m[1]!}`)).stdout, 'hello world\n');
    const gen = await veil(w.dir, '-d', 'node', 'key', 'gen', 'blog');
    assert.match(gen.stdout, /^k51qzi5uqu5[a-z0-9]+\n$/);
    const list = await veil(w.dir, '-d', 'node', 'key', 'list', '-l');
    assert.equal(list.stdout, `${gen.stdout.trim()} blog\n${m[1]!} self\n`);
    const dup = await veil(w.dir, '-d', 'node', 'key', 'gen', 'blog');
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /VEIL_KEY_EXISTS/);
    const badTtl = await veil(w.dir, '-d', 'node', 'name', 'publish', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', '--ttl', '1 day');
    assert.equal(badTtl.code, 2);
    assert.match(badTtl.stderr, /hint: write durations like 24h/);
    const missing = await veil(w.dir, '-d', 'node', 'name', 'resolve', gen.stdout.trim());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /VEIL_IPNS_RECORD_NOT_FOUND/);
  } finally {
    await w.close();
  }
});

test('veil add shows a progress line on a terminal for large files, and none otherwise', async () => {
  const w = await workspace();
  try {
    await writeFile(join(w.dir, 'big'), Buffer.from(Array.from({ length: 5 * 1024 * 1024 }, (_, i) => (i * 7) % 256)));
    const tty = await veilWith({ isStderrTty: true }, w.dir, '-d', 'node', 'add', 'big');
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stderr, /\r\x1b\[K1\.0 MiB \/ 5\.0 MiB {2}20%/);
    assert.ok(tty.stderr.endsWith('\r\x1b[K'), 'the progress line is cleared at the end');
    assert.match(tty.stdout, /^added Qm[1-9A-HJ-NP-Za-km-z]{44} big\n$/);
    const pipe = await veil(w.dir, '-d', 'node', 'add', 'big');
    assert.equal(pipe.stderr, '');
    assert.equal(pipe.stdout, tty.stdout);
  } finally {
    await w.close();
  }
});

test('content commands refuse a directory that is not a node directory', async () => {
  const w = await workspace();
  try {
    await writeFile(join(w.dir, 'f'), 'f');
    const r = await veil(w.dir, '-d', 'nowhere', 'add', 'f');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /VEIL_CONFIG_NODE_FORMAT/);
  } finally {
    await w.close();
  }
});
