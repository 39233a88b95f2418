/**
 * Failure paths of startTorTestnet without a running network: a "tor" that refuses to start must turn into
 * VEIL_TESTNET_TOR_EXITED quoting its output, and nothing may be left running. The stand-in runs the real tor
 * only for the offline `--list-fingerprint` step (DisableNetwork 1).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { startTorTestnet } from './index.js';

/** PIDs of live processes whose command line mentions `dir`. */
async function processesUsing(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(Number(name));
  }
  return found;
}

describe('startTorTestnet failures', () => {
  it('reports a tor that exits during start with VEIL_TESTNET_TOR_EXITED and leaves nothing running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-testnet-fail-'));
    try {
      const fakeTor = join(dir, 'fake-tor');
      await writeFile(
        fakeTor,
        '#!/bin/sh\ncase " $* " in *" --list-fingerprint "*) exec tor "$@";; esac\necho "Nov 24 00:00:00.000 [err] fake tor refuses to start"\nexit 1\n',
      );
      await chmod(fakeTor, 0o755);
      const progress: string[] = [];
      await assert.rejects(
        startTorTestnet({ dir: join(dir, 'net'), torBinary: fakeTor, readyTimeoutMs: 60_000, onProgress: (e) => progress.push(e.type) }),
        (err: unknown) => isVeilError(err, 'VEIL_TESTNET_TOR_EXITED') && /fake tor refuses to start/.test(err.message),
      );
      assert.ok(progress.includes('testnet:keys'));
      assert.ok(!progress.includes('testnet:ready'));
      assert.deepEqual(await processesUsing(join(dir, 'net')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing tor-gencert with VEIL_TESTNET_TOOL_FAILED, after stopping the key tools still running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-testnet-fail-'));
    try {
      // Relay keys take a while here (as on a loaded machine): a tool left running would still write into the
      // network's folder after the start failed, while the caller removes it.
      const slowTor = join(dir, 'slow-tor');
      await writeFile(slowTor, '#!/bin/sh\ncase " $* " in *" --list-fingerprint "*) sleep 1; touch "$(dirname "$3")/late-write";; esac\nexec tor "$@"\n');
      await chmod(slowTor, 0o755);
      await assert.rejects(
        startTorTestnet({ dir: join(dir, 'net'), torBinary: slowTor, torGencertBinary: join(dir, 'no-such-tor-gencert') }),
        (err: unknown) => isVeilError(err, 'VEIL_TESTNET_TOOL_FAILED') && /ENOENT/.test(err.message),
      );
      assert.deepEqual(await processesUsing(join(dir, 'net')), []);
      await new Promise((r) => setTimeout(r, 1500));
      const late = (await readdir(join(dir, 'net'), { recursive: true })).filter((f) => f.endsWith('late-write'));
      assert.deepEqual(late, [], 'a key tool kept running after the start failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
