/**
 * The private Tor network itself (src/testnet), against real tor. Unlike the other suites this one starts its
 * own network (not the shared one of the run), checks what the other suites rely on, and tears it down:
 * both clients bootstrapped; a server on 127.0.0.1 reached through each client's SOCKS port via an exit; an
 * onion service added on client 1 reached from client 2; every socket of every tor on 127.0.0.1; nothing
 * left running after close().
 *
 * curl does the SOCKS fetches on purpose: an independent client, and no Veil socket code under test here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectLocal } from '../../src/net/index.js';
import { startTorTestnet, type TorTestnetHandle, type TorTestnetClient } from '../../src/testnet/index.js';
import { openTorControl, type HsDescEvent, type TorControl } from '../../src/tor/index.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 180_000;
const FETCH_TIMEOUT_S = 60;

/** GET through a client's SOCKS port with curl (the hostname is resolved by tor: --socks5-hostname). */
async function curlViaSocks(client: TorTestnetClient, url: string): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--fail', '-m', String(FETCH_TIMEOUT_S), '--socks5-hostname', `127.0.0.1:${client.socksPort}`, url]);
  return stdout;
}

async function control(client: TorTestnetClient): Promise<TorControl> {
  const { control: ctl } = await openTorControl(connectLocal, { kind: 'tcp', host: '127.0.0.1', port: client.controlPort }, { cookiePath: client.cookiePath });
  return ctl;
}

/** True when `address` (from ss: `127.0.0.1:9050`, `0.0.0.0:*`, `[::1]:80`, `*:*`) is loopback or a listener's wildcard peer. */
function isLoopbackOrWildcardPeer(address: string, isPeer: boolean): boolean {
  if (/^127\.\d+\.\d+\.\d+:\d+$/.test(address)) return true;
  return isPeer && (address === '0.0.0.0:*' || address === '*:*' || address === '[::]:*');
}

describe('private Tor network (src/testnet)', { timeout: START_TIMEOUT_MS + 120_000 }, () => {
  let dir = '';
  let net: TorTestnetHandle | undefined;
  let server: http.Server | undefined;
  let serverPort = 0;
  const token = randomBytes(12).toString('hex');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'veil-testnet-test-'));
    server = http.createServer((_req, res) => res.end(token));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    serverPort = (server.address() as AddressInfo).port;
    net = await startTorTestnet({ dir, signal: AbortSignal.timeout(START_TIMEOUT_MS) });
  });

  after(async () => {
    await net?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('describes 3 authorities, 2 relays, 2 clients and the lines to join the network', () => {
    const info = net!.info;
    assert.equal(info.authorities, 3);
    assert.equal(info.relays, 2);
    assert.equal(info.clients.length, 2);
    assert.equal(info.nodes?.length, 7);
    assert.ok(info.joinTorrcLines.includes('TestingTorNetwork 1'));
    const dirAuthorities = info.joinTorrcLines.filter((l) => l.startsWith('DirAuthority '));
    assert.equal(dirAuthorities.length, 3);
    for (const line of dirAuthorities) assert.match(line, / orport=\d+ no-v2 v3ident=[0-9A-F]{40} 127\.0\.0\.1:\d+ [0-9A-F]{40}$/);
  });

  it('has both clients bootstrapped to 100%', async () => {
    for (const client of net!.info.clients) {
      const ctl = await control(client);
      try {
        const info = await ctl.getInfo(['status/bootstrap-phase', 'status/circuit-established']);
        assert.match(info.get('status/bootstrap-phase') ?? '', /PROGRESS=100 /, client.name);
        assert.equal(info.get('status/circuit-established'), '1', client.name);
      } finally {
        await ctl.close();
      }
    }
  });

  it('reaches an HTTP server on 127.0.0.1 through each client via an exit', async () => {
    for (const client of net!.info.clients) {
      assert.equal(await curlViaSocks(client, `http://127.0.0.1:${serverPort}/`), token, client.name);
    }
  });

  it('reaches an onion service added on client 1 from client 2', async () => {
    const [host, visitor] = net!.info.clients;
    assert.ok(host && visitor);
    const ctl = await control(host);
    try {
      // Subscribe before ADD_ONION; done when every upload launched so far has answered and one succeeded.
      const pending = new Map<string, number>();
      let isUploaded = false;
      let resolveUploaded: () => void = () => undefined;
      const uploaded = new Promise<void>((resolve) => (resolveUploaded = resolve));
      const sub = await ctl.subscribe('HS_DESC', (event: HsDescEvent) => {
        const key = event.hsDir;
        if (event.action === 'UPLOAD') pending.set(key, (pending.get(key) ?? 0) + 1);
        if (event.action === 'UPLOADED' || event.action === 'FAILED') pending.set(key, (pending.get(key) ?? 1) - 1);
        if (event.action === 'UPLOADED') isUploaded = true;
        if (isUploaded && [...pending.values()].every((n) => n <= 0)) resolveUploaded();
      });
      const { serviceId } = await ctl.addOnion({ ports: [{ virtualPort: 80, target: `127.0.0.1:${serverPort}` }], discardPrivateKey: true });
      try {
        await Promise.race([
          uploaded,
          new Promise<never>((_resolve, reject) => AbortSignal.timeout(60_000).addEventListener('abort', () => reject(new Error('descriptor not uploaded in 60 s')))),
        ]);
        assert.equal(await curlViaSocks(visitor, `http://${serviceId}.onion/`), token);
      } finally {
        await ctl.delOnion(serviceId);
        await sub.close();
      }
    } finally {
      await ctl.close();
    }
  });

  it('binds and connects every tor socket on 127.0.0.1 only', async () => {
    const pids = new Set((net!.info.nodes ?? []).map((n) => n.pid));
    assert.equal(pids.size, 7);
    const { stdout } = await run('ss', ['-tuanpH']);
    const ours = stdout.split('\n').filter((line) => [...line.matchAll(/pid=(\d+),/g)].some((m) => pids.has(Number(m[1]))));
    // 7 control ports + 5 ORPorts + 3 DirPorts + 2 SOCKS ports are listening, plus the circuits between them.
    assert.ok(ours.length >= 17, `expected at least 17 tor sockets, ss shows ${ours.length}`);
    for (const line of ours) {
      const cols = line.trim().split(/\s+/);
      const [local, peer] = [cols[4] ?? '', cols[5] ?? ''];
      assert.ok(isLoopbackOrWildcardPeer(local, false) && isLoopbackOrWildcardPeer(peer, true), `non-loopback tor socket: ${line}`);
    }
  });

  it('close() stops every tor, and a second close() is harmless', async () => {
    const pids = (net!.info.nodes ?? []).map((n) => n.pid);
    await net!.close();
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `tor pid ${pid} still exists after close()`);
    }
    await net!.close();
  });
});
