/**
 * The control-port client against a REAL tor: a lone tor launched with DisableNetwork 1 in a temp dir
 * (no network needed, nothing leaves the machine). Each test stops its tor and removes its dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isVeilError, raceAbort } from '../../src/core/index.js';
import { connectLocal } from '../../src/net/local-daemon.js';
import { launchTor, openTorControl, waitForBootstrap, type LaunchedTor, type TorDial } from '../../src/tor/index.js';

const dial: TorDial = (endpoint, options) => connectLocal(endpoint, options);
const hasCode = (code: string) => (e: unknown): boolean => isVeilError(e) && e.code === code;

/** Runs `body` with a lone offline tor; always stops tor and removes the temp dir. */
async function withLoneTor(torrcLines: readonly string[], body: (tor: LaunchedTor, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-tor-control-'));
  let tor: LaunchedTor | undefined;
  try {
    tor = await launchTor({ dial, dataDir: join(dir, 'tor'), disableNetwork: true, torrcLines, signal: AbortSignal.timeout(60_000) });
    await body(tor, dir);
  } finally {
    await tor?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('SAFECOOKIE and COOKIE authentication work against real tor', async () => {
  await withLoneTor([], async (tor) => {
    assert.match((await tor.control.getInfo(['version'])).get('version') ?? '', /^0\.4\./);
    for (const method of ['SAFECOOKIE', 'COOKIE'] as const) {
      const { control, auth } = await openTorControl(dial, tor.controlEndpoint, { methods: [method] });
      try {
        assert.equal(auth.method, method);
        assert.ok(auth.protocolInfo.methods.includes('SAFECOOKIE'));
        assert.equal(auth.protocolInfo.cookieFile, tor.cookiePath);
        assert.ok((await control.getInfo(['version'])).has('version'));
      } finally {
        await control.close();
      }
    }
  });
});

test('a wrong cookie gives VEIL_TOR_AUTH_COOKIE for SAFECOOKIE and COOKIE; a short file is unreadable', async () => {
  await withLoneTor([], async (tor, dir) => {
    const wrong = join(dir, 'wrong-cookie');
    await writeFile(wrong, randomBytes(32));
    for (const method of ['SAFECOOKIE', 'COOKIE'] as const) {
      await assert.rejects(openTorControl(dial, tor.controlEndpoint, { methods: [method], cookiePath: wrong }), hasCode('VEIL_TOR_AUTH_COOKIE'));
    }
    const short = join(dir, 'short-cookie');
    await writeFile(short, 'abc');
    await assert.rejects(openTorControl(dial, tor.controlEndpoint, { cookiePath: short }), hasCode('VEIL_TOR_AUTH_COOKIE_UNREADABLE'));
    // The owning connection is unaffected.
    assert.ok((await tor.control.getInfo(['version'])).has('version'));
  });
});

test('HASHEDPASSWORD authentication with `tor --hash-password`; a wrong password is VEIL_TOR_AUTH_PASSWORD', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veil-tor-hash-'));
  let hash: string;
  try {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    // Our own empty torrc and defaults, network off: this tor only hashes and exits.
    const { stdout } = await promisify(execFile)('tor', ['-f', empty, '--defaults-torrc', empty, '--DisableNetwork', '1', '--quiet', '--hash-password', 'correct horse'], {
      timeout: 30_000,
    });
    hash = stdout.trim().split('\n').pop() ?? '';
    assert.match(hash, /^16:[0-9A-F]+$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await withLoneTor([`HashedControlPassword ${hash}`], async (tor) => {
    const { control, auth } = await openTorControl(dial, tor.controlEndpoint, { methods: ['HASHEDPASSWORD'], password: 'correct horse' });
    try {
      assert.equal(auth.method, 'HASHEDPASSWORD');
      assert.ok((await control.getInfo(['version'])).has('version'));
    } finally {
      await control.close();
    }
    await assert.rejects(openTorControl(dial, tor.controlEndpoint, { methods: ['HASHEDPASSWORD'], password: 'wrong' }), hasCode('VEIL_TOR_AUTH_PASSWORD'));
    await assert.rejects(openTorControl(dial, tor.controlEndpoint, { methods: ['HASHEDPASSWORD'] }), hasCode('VEIL_TOR_AUTH_PASSWORD'));
  });
});

test('ADD_ONION with a new key, DEL_ONION, then the saved key gives the same service id (offline)', async () => {
  await withLoneTor([], async (tor) => {
    const created = await tor.control.addOnion({ ports: [{ virtualPort: 80, target: '127.0.0.1:9' }] });
    assert.match(created.serviceId, /^[a-z2-7]{56}$/);
    assert.match(created.privateKey ?? '', /^ED25519-V3:/);
    const listed = await tor.control.getInfo(['onions/current']);
    assert.equal(listed.get('onions/current'), created.serviceId);
    await tor.control.delOnion(created.serviceId);
    assert.equal((await tor.control.getInfo(['onions/current'])).get('onions/current'), '');
    const again = await tor.control.addOnion({ privateKey: created.privateKey!, ports: [{ virtualPort: 80, target: 9 }], detach: true });
    assert.deepEqual(again, { serviceId: created.serviceId });
    const discarded = await tor.control.addOnion({ ports: [{ virtualPort: 81 }], discardPrivateKey: true });
    assert.equal(discarded.privateKey, undefined);
    await tor.control.delOnion(again.serviceId);
    await tor.control.delOnion(discarded.serviceId);
    await assert.rejects(tor.control.delOnion(again.serviceId), hasCode('VEIL_TOR_CONTROL_REJECTED'));
  });
});

test('GETCONF / SETCONF / RESETCONF, SIGNAL with its event, and rejected commands on real tor', async () => {
  await withLoneTor([], async (tor) => {
    const { control } = tor;
    await control.setConf({ MaxCircuitDirtiness: '612' });
    assert.deepEqual((await control.getConf(['MaxCircuitDirtiness'])).get('MaxCircuitDirtiness'), ['612']);
    await control.resetConf(['MaxCircuitDirtiness']);
    assert.deepEqual((await control.getConf(['MaxCircuitDirtiness'])).get('MaxCircuitDirtiness'), ['600']);
    let onSignal: (name: string) => void = () => undefined;
    const received = new Promise<string>((resolve) => (onSignal = resolve));
    const sub = await control.subscribe('SIGNAL', (e) => onSignal(e.positional[0] ?? ''));
    await control.signal('NEWNYM');
    // Tor flushes queued events after the reply: wait for the event itself, with a deadline.
    assert.equal(await raceAbort(received, AbortSignal.timeout(5000), 'waiting for the SIGNAL event'), 'NEWNYM');
    await sub.close();
    await assert.rejects(control.getInfo(['no-such-key']), (e: unknown) => hasCode('VEIL_TOR_CONTROL_REJECTED')(e) && (e as { details: Record<string, unknown> }).details['status'] === 552);
    await assert.rejects(control.setConf({ NoSuchOption: '1' }), hasCode('VEIL_TOR_CONTROL_REJECTED'));
    await assert.rejects(control.signal('NOSUCHSIGNAL'), hasCode('VEIL_TOR_CONTROL_REJECTED'));
  });
});

test('waitForBootstrap reports progress and honours its deadline on an offline tor', async () => {
  await withLoneTor([], async (tor) => {
    const progress: number[] = [];
    await assert.rejects(
      waitForBootstrap(tor.control, { signal: AbortSignal.timeout(1500), onProgress: (e) => progress.push(Number(e.detail['progress'])) }),
      hasCode('VEIL_TIMEOUT'),
    );
    assert.ok(progress.length >= 1 && progress.every((p) => p >= 0 && p < 100), `progress ${progress.join(',')}`);
    // The subscription was removed: the connection still works and asks for no events.
    assert.ok((await tor.control.getInfo(['version'])).has('version'));
  });
});
