/**
 * Nodes over the private I2P network (issue #7): a node listening only on I2P (--listen=i2p, its destination saved
 * under NODEDIR/private/), reached by a client that hides its IP and dials only I2P ([connections] tcp =
 * disabled); the client's only connections go to its SAM bridge; the destination is the same after a restart.
 * And a node on Tor and I2P at once, reached by one client over each.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getI2pTestnet, getTorTestnet } from './testnet-env.js';
import { veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { findLeaks } from './leak-audit.js';
import { allocatePort } from '../../src/net/index.js';

const i2p = getI2pTestnet();
const tor = getTorTestnet();
const [samA, samB] = i2p.routers.filter((r) => r.samPort !== undefined);
assert.ok(samA?.samPort && samB?.samPort, 'the private I2P network needs two SAM routers');
const join_ = process.env['VEIL_TESTNET']!;
let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-node-i2p-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('--listen=i2p server, I2P-only hiding client: reachable by its i2p: hint, SAM is the only connection, same destination after restart', async () => {
  const server = join(root, 'server');
  const webPort = await allocatePort();
  const created = await veil(['create-node', server, '--listen=i2p', '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samA.samPort}`, `--testnet-join=${join_}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=i2p-server']);
  assert.equal(created.code, 0, created.stderr);
  const b32 = /I2P destination: ([a-z2-7]{52}\.b32\.i2p)/.exec(created.stdout)?.[1];
  assert.ok(b32, created.stdout);
  const cfg = readFileSync(join(server, 'veil.cfg'), 'utf8');
  assert.match(cfg, new RegExp(`^tub.location = i2p:${b32}:3457$`, 'm'));
  assert.match(cfg, /^tub.port = listen:i2p$/m);
  assert.match(cfg, /^tcp = disabled$/m);

  const client = join(root, 'client');
  const c = await veil(['create-client', client, '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samB.samPort}`, `--testnet-join=${join_}`, '--webport=disabled']);
  assert.equal(c.code, 0, c.stderr);

  for (const round of ['first run', 'after restart']) {
    const node = new VeilRun(server);
    try {
      await node.ready(180_000);
      const status = JSON.parse((await veil(['status', server, '--json'])).stdout) as { i2p: { state: string; address: string } };
      assert.deepEqual([status.i2p.state, status.i2p.address], ['ready', b32], `${round}: the saved destination is used`);
      // i2pd 2.45 keeps a closed session's destination for a while and hands it to the next SESSION CREATE with
      // the same key, which then never becomes reachable (see docs/i2p.md); so reachability is checked once.
      if (round === 'after restart') continue;
      const ping = await veil(['ping', `i2p:${b32}:3457`, '-d', client, '--json'], { strace: true, timeoutMs: 240_000 });
      assert.equal(ping.code, 0, `${round}: ${ping.stderr}`);
      const result = JSON.parse(ping.stdout) as { transport: string; peer: { nickname: string } };
      assert.deepEqual([result.transport, result.peer.nickname], ['i2p', 'i2p-server'], round);
      const leaks = findLeaks(ping.addresses, (a) => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && a.port === samB.samPort));
      assert.deepEqual(leaks.map((l) => l.line), [], `${round}: the client connected elsewhere than its SAM bridge`);
    } finally {
      assert.equal(await node.stop(), 0, node.stderr);
      node.dispose();
    }
  }
});

test('--listen=tor,i2p: one client reaches the node over Tor, another over I2P, and each says which', async () => {
  const server = join(root, 'both');
  const webPort = await allocatePort();
  const created = await veil([
    'create-node', server, '--listen=tor,i2p', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${tor.clients[0]!.controlPort}`,
    `--i2p-sam-port=tcp:127.0.0.1:${samA.samPort}`, `--testnet-join=${join_}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=both',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const onion = /onion service: (\S+\.onion)/.exec(created.stdout)![1]!;
  const b32 = /I2P destination: (\S+\.b32\.i2p)/.exec(created.stdout)![1]!;
  assert.match(readFileSync(join(server, 'veil.cfg'), 'utf8'), new RegExp(`^tub.location = tor:${onion}:3457,i2p:${b32}:3457$`, 'm'));

  const viaTor = join(root, 'via-tor');
  const viaI2p = join(root, 'via-i2p');
  assert.equal((await veil(['create-client', viaTor, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${tor.clients[1]!.controlPort}`, '--webport=disabled'])).code, 0);
  assert.equal((await veil(['create-client', viaI2p, '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samB.samPort}`, `--testnet-join=${join_}`, '--webport=disabled'])).code, 0);

  // The leak audit of a running node, extended to I2P: it only connects to its tor's control and SOCKS ports and
  // its SAM bridge (and Unix sockets).
  const node = new VeilRun(server, { strace: true });
  try {
    await node.ready(180_000);
    const status = JSON.parse((await veil(['status', server, '--json'])).stdout) as { i2p: { state: string; address: string }; onionService: { address: string } };
    assert.equal(status.i2p.state, 'ready');
    assert.equal(status.i2p.address, b32);
    assert.equal(status.onionService.address, onion);
    await waitForStatus(server, (st) => st['onionService']?.state === 'published');
    const hints = `tor:${onion}:3457,i2p:${b32}:3457`;
    const t = await veil(['ping', hints, '-d', viaTor], { timeoutMs: 240_000 });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`^Connected to tor:${onion}:3457 via tor`, 'm'));
    const i = await veil(['ping', hints, '-d', viaI2p], { timeoutMs: 240_000 });
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, new RegExp(`^Connected to i2p:${b32}:3457 via i2p`, 'm'));
    assert.match(i.stdout, /tor:\S+: skipped: tor: hints are not dialed|tor:\S+: skipped/, 'the I2P-only client says why it skipped the tor: hint');
    // The server says how each client came in: its onion service, and an I2P stream from the client's destination.
    const after = await waitForStatus(server, (st) => {
      const c = st['connections'] as { transport: string }[];
      return c.some((x) => x.transport === 'tor') && c.some((x) => x.transport === 'i2p');
    });
    const lines = (after['connections'] as { peer: string; direction: string; status: string }[]).map((c) => `${c.direction} ${c.peer}: ${c.status}`);
    assert.ok(lines.some((l) => /^inbound an onion service client: .*via tor/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^inbound i2p:[a-z2-7]{52}\.b32\.i2p: .*from i2p:[a-z2-7]{52}\.b32\.i2p via i2p/.test(l)), lines.join('\n'));
  } finally {
    assert.equal(await node.stop(), 0, node.stderr);
    const torClient = tor.clients[0]!;
    const allowed = new Set([torClient.controlPort, torClient.socksPort, samA.samPort]);
    const leaks = findLeaks(node.addresses(), (a) => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && allowed.has(a.port)));
    node.dispose();
    assert.deepEqual(leaks.map((l) => l.line), [], 'the node connected elsewhere than its tor and its SAM bridge');
  }
});
