import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, isVeilError } from '../core/index.js';
import { withFileLock } from './file-lock.js';
import { addOnionClient, addOnionService, listOnionClients, rotateOnionService } from './onion-manager.js';
import { readSavedService, registryDir } from './onion-registry.js';

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-lock-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('withFileLock runs holders one at a time and removes the lock file after each (also on failure)', async () => {
  await withDir(async (dir) => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withFileLock(lock, 'the test lock', async () => {
          inside++;
          most = Math.max(most, inside);
          await delay(20);
          order.push(i);
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.equal(order.length, 6);
    await assert.rejects(withFileLock(lock, 'the test lock', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('withFileLock takes over a lock whose owner process is gone, and refuses a live owner with VEIL_NODE_BUSY', async () => {
  await withDir(async (dir) => {
    const lock = join(dir, 'x.lock');
    // A PID that certainly existed and is gone: a child that has exited.
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const deadPid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    await writeFile(lock, `${deadPid}\n`);
    assert.equal(await withFileLock(lock, 'the test lock', async () => 'ran'), 'ran');

    await writeFile(lock, `${process.pid}\n`); // a live owner that never lets go
    await assert.rejects(
      withFileLock(lock, 'the test lock', async () => 'ran', { waitMs: 300 }),
      (err: unknown) => isVeilError(err, 'VEIL_NODE_BUSY') && err.message.includes(String(process.pid)),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(withFileLock(lock, 'the test lock', async () => 'ran', { signal: controller.signal }), (err: unknown) => isVeilError(err, 'VEIL_ABORTED'));
  });
});

test('concurrent `veil onion auth add` and rotate on one service lose no update (registry lock)', async () => {
  await withDir(async (dir) => {
    await addOnionService(dir, { name: 'web', target: '8080', clientAuth: true, clientName: 'first' });
    const names = Array.from({ length: 8 }, (_, i) => `c${i}`);
    await Promise.all([...names.map((n) => addOnionClient(dir, 'web', n)), rotateOnionService(dir, 'web', 60_000), rotateOnionService(dir, 'web', 60_000)]);
    const { clients } = await listOnionClients(dir, 'web');
    assert.deepEqual(clients.map((c) => c.name).sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'first']);
    const service = await readSavedService(dir, 'web');
    assert.equal(service.retiring.length, 2, 'both rotations kept their retiring key');
    assert.ok(!(await readdir(registryDir(dir))).includes('.lock'));
  });
});
