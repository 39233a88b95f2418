import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATOMIC_TEMP_PREFIX, removeShardTempFiles, writeFileAtomic } from './index.js';

test('writeFileAtomic replaces the file, with the mode asked for, and leaves no temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-atomic-'));
  try {
    const file = join(dir, 'state.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new', { syncDirectory: true });
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await writeFileAtomic(file, new Uint8Array([1, 2]), { mode: 0o640 });
    assert.deepEqual([...(await readFile(file))], [1, 2]);
    assert.deepEqual(await readdir(dir), ['state.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic: an abort before the rename keeps the old file and removes the temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-atomic-'));
  try {
    const file = join(dir, 'state');
    await writeFile(file, 'old');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(writeFileAtomic(file, 'new', { signal: controller.signal, what: 'test write' }));
    assert.equal(await readFile(file, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['state']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic uses the given temp path exclusively (an existing temp file is an error)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-atomic-'));
  try {
    const file = join(dir, 'f');
    const tempPath = `${file}.tmp-x`;
    await writeFile(tempPath, 'someone else');
    await assert.rejects(writeFileAtomic(file, 'data', { tempPath }), { code: 'EEXIST' });
    await rm(tempPath);
    await writeFileAtomic(file, 'data', { tempPath });
    assert.deepEqual(await readdir(dir), ['f']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('removeShardTempFiles removes temp files in shard directories only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-atomic-'));
  try {
    await mkdir(join(dir, 'ab'));
    await writeFile(join(dir, 'ab', `${ATOMIC_TEMP_PREFIX}0123`), 'x');
    await writeFile(join(dir, 'ab', 'key.data'), 'x');
    await writeFile(join(dir, `${ATOMIC_TEMP_PREFIX}top`), 'x');
    await removeShardTempFiles(dir);
    assert.deepEqual(await readdir(join(dir, 'ab')), ['key.data']);
    assert.deepEqual((await readdir(dir)).sort(), [`${ATOMIC_TEMP_PREFIX}top`, 'ab']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
