/**
 * launchTor against the REAL tor binary. Every tor here runs with DisableNetwork 1 in a temp dir; each test
 * stops what it started (by PID) and removes its dir, also on failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isVeilError, raceAbort } from '../../src/core/index.js';
import { connectLocal } from '../../src/net/local-daemon.js';
import { launchTor, type LaunchedTor, type TorDial } from '../../src/tor/index.js';

/** A documentation address (RFC 5737): only used to prove that launchTor refuses it before any tor starts. */
const NOT_LOOPBACK = '192.0.2.1';

const dial: TorDial = (endpoint, options) => connectLocal(endpoint, options);
const hasCode = (code: string) => (e: unknown): boolean => isVeilError(e) && e.code === code;

/** True while `pid` is a live (non-zombie) process. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Waits until `pid` is gone, checking every 50 ms, for at most `deadlineMs`; returns whether it went. */
async function waitGone(pid: number, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !(await isAlive(pid));
}

/** Kills a leftover tor of a failed test (only PIDs this test learned from its own launches). */
async function killIfAlive(pid: number | undefined): Promise<void> {
  if (pid !== undefined && pid > 0 && (await isAlive(pid))) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5000);
  }
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-tor-launch-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('launch with DisableNetwork: ready control port, owned tor, close() stops the process', async () => {
  await withTempDir(async (dir) => {
    const phases: string[] = [];
    let tor: LaunchedTor | undefined;
    try {
      tor = await launchTor({ dial, dataDir: join(dir, 'tor'), disableNetwork: true, onProgress: (e) => phases.push(String(e.detail['phase'])) });
      assert.deepEqual(phases, ['spawned', 'control-port-ready', 'ready']);
      assert.equal(await isAlive(tor.pid), true);
      assert.equal(tor.controlEndpoint.kind, 'tcp');
      assert.equal(tor.socksEndpoint, undefined, 'DisableNetwork opens no SOCKS listener');
      const conf = await tor.control.getConf(['DisableNetwork', '__OwningControllerProcess']);
      assert.deepEqual(conf.get('DisableNetwork'), ['1']);
      assert.deepEqual(conf.get('__OwningControllerProcess'), [String(process.pid)]);
      await access(tor.cookiePath);
      const torrc = await readFile(join(dir, 'tor', 'veil-torrc'), 'utf8');
      assert.match(torrc, /^DisableNetwork 1$/m);
      await Promise.all([tor.close(), tor.close()]);
      assert.equal(await isAlive(tor.pid), false);
      assert.equal(tor.control.isClosed, true);
      const exit = await tor.exited;
      assert.ok(exit.code !== null || exit.signal !== null);
    } finally {
      await tor?.close();
    }
  });
});

test('closing the owning control connection makes tor exit (TAKEOWNERSHIP)', async () => {
  await withTempDir(async (dir) => {
    const tor = await launchTor({ dial, dataDir: join(dir, 'tor'), disableNetwork: true });
    try {
      await tor.control.close();
      await raceAbort(tor.exited, AbortSignal.timeout(5000), 'waiting for tor to exit');
      assert.equal(await waitGone(tor.pid, 1000), true);
    } finally {
      await tor.close();
    }
  });
});

test('refuses to start without an explicit network choice, with public directory lines, or reserved keys', async () => {
  await withTempDir(async (dir) => {
    const dataDir = join(dir, 'tor');
    await assert.rejects(launchTor({ dial, dataDir }), hasCode('VEIL_TOR_LAUNCH_UNSAFE'));
    await assert.rejects(launchTor({ dial, dataDir, torrcLines: ['TestingTorNetwork 1'] }), hasCode('VEIL_TOR_LAUNCH_UNSAFE'));
    await assert.rejects(
      launchTor({ dial, dataDir, torrcLines: ['TestingTorNetwork 1', `DirAuthority a orport=5000 no-v2 v3ident=AB ${NOT_LOOPBACK}:9131 0000`] }),
      hasCode('VEIL_TOR_LAUNCH_UNSAFE'),
    );
    await assert.rejects(launchTor({ dial, dataDir, disableNetwork: true, torrcLines: ['DisableNetwork 0'] }), hasCode('VEIL_TOR_LAUNCH_UNSAFE'));
    await assert.rejects(launchTor({ dial, dataDir, disableNetwork: true, torrcLines: ['%include /etc/tor/torrc'] }), hasCode('VEIL_TOR_LAUNCH_UNSAFE'));
    // Nothing was written or started.
    await assert.rejects(access(dataDir));
  });
});

test('a missing executable is VEIL_TOR_LAUNCH_NOT_FOUND; a bad torrc line is VEIL_TOR_LAUNCH_FAILED quoting tor', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(launchTor({ dial, dataDir: join(dir, 'a'), disableNetwork: true, executable: join(dir, 'no-such-tor') }), hasCode('VEIL_TOR_LAUNCH_NOT_FOUND'));
    await assert.rejects(launchTor({ dial, dataDir: join(dir, 'b'), disableNetwork: true, torrcLines: ['NoSuchTorOption 1'] }), (e: unknown) => {
      return hasCode('VEIL_TOR_LAUNCH_FAILED')(e) && /NoSuchTorOption/.test((e as Error).message);
    });
  });
});

test('abort during launch rejects with VEIL_ABORTED and stops the tor it started', async () => {
  await withTempDir(async (dir) => {
    const controller = new AbortController();
    let pid: number | undefined;
    try {
      await assert.rejects(
        launchTor({
          dial,
          dataDir: join(dir, 'tor'),
          disableNetwork: true,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.detail['phase'] === 'spawned') {
              pid = Number(e.detail['pid']);
              controller.abort();
            }
          },
        }),
        hasCode('VEIL_ABORTED'),
      );
      assert.ok(pid !== undefined);
      assert.equal(await isAlive(pid), false, 'tor must be gone when launchTor rejects');
    } finally {
      await killIfAlive(pid);
    }
  });
});

test('a tor launched by a process that is then SIGKILLed exits within 5 s', async () => {
  await withTempDir(async (dir) => {
    const distRoot = new URL('../../', import.meta.url);
    const script = join(dir, 'owner.mjs');
    await writeFile(
      script,
      [
        `import { launchTor } from ${JSON.stringify(new URL('src/tor/index.js', distRoot).href)};`,
        `import { connectLocal } from ${JSON.stringify(new URL('src/net/local-daemon.js', distRoot).href)};`,
        `const tor = await launchTor({ dial: (e, o) => connectLocal(e, o), dataDir: ${JSON.stringify(join(dir, 'tor'))}, disableNetwork: true });`,
        `process.stdout.write(JSON.stringify({ pid: tor.pid }) + '\\n');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [pathToFileURL(script).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let torPid: number | undefined;
    try {
      const line = await raceAbort(
        new Promise<string>((resolve, reject) => {
          let text = '';
          child.stdout.on('data', (c: Buffer) => {
            text += c.toString();
            if (text.includes('\n')) resolve(text.split('\n')[0]!);
          });
          child.once('exit', (code) => reject(new Error(`owner process exited early (${code})`)));
        }),
        AbortSignal.timeout(60_000),
        'waiting for the owner process to launch tor',
      );
      torPid = (JSON.parse(line) as { pid: number }).pid;
      assert.equal(await isAlive(torPid), true);
      child.kill('SIGKILL');
      await childExited;
      assert.equal(await waitGone(torPid, 5000), true, 'tor outlived its SIGKILLed owner');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await childExited;
      }
      await killIfAlive(torPid);
    }
  });
});

test('private-network mode (loopback DirAuthority + TestingTorNetwork) opens SOCKS on 127.0.0.1 and reports it', async () => {
  // The authority named here does not run: tor only ever tries 127.0.0.1:1 and never leaves the machine.
  const fingerprint = '0123456789ABCDEF0123456789ABCDEF01234567';
  const joinLines = ['TestingTorNetwork 1', `DirAuthority veiltest orport=1 no-v2 v3ident=${fingerprint} 127.0.0.1:1 ${fingerprint}`];
  await withTempDir(async (dir) => {
    const tor = await launchTor({ dial, dataDir: join(dir, 'tor'), torrcLines: joinLines });
    try {
      assert.equal(tor.socksEndpoint?.kind, 'tcp');
      assert.ok(tor.socksEndpoint?.kind === 'tcp' && tor.socksEndpoint.host === '127.0.0.1' && tor.socksEndpoint.port > 0);
      const conf = await tor.control.getConf(['TestingTorNetwork', 'UseDefaultFallbackDirs', 'DisableNetwork']);
      assert.deepEqual(conf.get('TestingTorNetwork'), ['1']);
      assert.deepEqual(conf.get('UseDefaultFallbackDirs'), ['0']);
      assert.deepEqual(conf.get('DisableNetwork'), ['0']);
    } finally {
      await tor.close();
    }
    assert.equal(await isAlive(tor.pid), false);
  });
});
