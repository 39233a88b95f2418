/**
 * stopTestnetFromDir and testnet.json, without a real network: a stand-in process whose argv[0] is "tor" and
 * whose arguments point inside the directory is stopped; any other recorded PID is left alone.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { readInfo, stopTestnetFromDir, writeInfo, type TestnetInfo } from './index.js';
import { isTestnetProcess } from './process-check.js';

const KEEP_ALIVE = 'setInterval(() => {}, 1000)';
const children: ChildProcess[] = [];

/** A node process that looks like `tor -f <torrc>` in /proc/PID/cmdline. */
async function standIn(argv0: string, torrc: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', KEEP_ALIVE, '--', '-f', torrc], { argv0, stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function infoFor(dir: string, pids: number[]): TestnetInfo {
  return {
    dir,
    tor: {
      authorities: 1,
      relays: 0,
      clients: [],
      joinTorrcLines: [],
      nodes: pids.map((pid, i) => ({ name: `n${i}`, role: 'relay' as const, dataDir: join(dir, 'tor', `n${i}`), pid, controlPort: 0 })),
    },
  };
}

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
});

describe('stopTestnetFromDir', () => {
  it('stops a recorded tor of the directory and leaves other processes alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-stop-test-'));
    const other = await mkdtemp(join(tmpdir(), 'veil-stop-other-'));
    try {
      const ours = await standIn('tor', join(dir, 'tor', 'n0', 'torrc'));
      const notTor = await standIn('node', join(dir, 'tor', 'n1', 'torrc'));
      const elsewhere = await standIn('tor', join(other, 'tor', 'n2', 'torrc'));
      assert.equal(await isTestnetProcess(ours.pid!, dir), true);
      assert.equal(await isTestnetProcess(notTor.pid!, dir), false);
      assert.equal(await isTestnetProcess(elsewhere.pid!, dir), false);
      await writeInfo(dir, infoFor(dir, [ours.pid!, notTor.pid!, elsewhere.pid!]));

      const result = await stopTestnetFromDir(dir, { stopTimeoutMs: 5_000 });
      assert.deepEqual(result.stopped, [ours.pid]);
      assert.deepEqual([...result.skipped].sort(), [notTor.pid, elsewhere.pid].sort());
      await exited(ours);
      assert.equal(notTor.exitCode, null);
      assert.equal(elsewhere.exitCode, null);

      const again = await stopTestnetFromDir(dir);
      assert.deepEqual(again.stopped, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  });

  it('finds PIDs through the tor PidFiles when testnet.json was never written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-stop-test-'));
    try {
      const ours = await standIn('tor', join(dir, 'tor', 'auth1', 'torrc'));
      await mkdir(join(dir, 'tor', 'auth1'), { recursive: true });
      await writeFile(join(dir, 'tor', 'auth1', 'pid'), `${ours.pid}\n`);
      const result = await stopTestnetFromDir(dir);
      assert.deepEqual(result.stopped, [ours.pid]);
      await exited(ours);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a directory that records no network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-stop-test-'));
    try {
      await assert.rejects(stopTestnetFromDir(dir), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_INFO_INVALID'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('testnet.json', () => {
  it('round-trips and rejects a corrupt file with VEIL_TESTNET_INFO_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-info-test-'));
    try {
      const info = infoFor(dir, [12345]);
      await writeInfo(dir, info);
      assert.deepEqual(await readInfo(dir), info);
      await writeFile(join(dir, 'testnet.json'), '{"dir": ');
      await assert.rejects(readInfo(dir), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_INFO_INVALID'));
      await writeFile(join(dir, 'testnet.json'), '[]');
      await assert.rejects(readInfo(dir), (err: unknown) => isVeilError(err, 'VEIL_TESTNET_INFO_INVALID'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
