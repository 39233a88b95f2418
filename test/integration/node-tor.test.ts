/**
 * The node over the private Tor network (issue #3): create-node --listen=tor --hide-ip, veil run, reachable
 * through another client, same onion address after a restart; the leak audit (strace) over run, status and
 * connections to peers given by tor: and tcp: hints; a broken config exits non-zero without opening a socket.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { curlViaTor, veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { allocatePort } from '../../src/net/index.js';

const tor = getTorTestnet();
const [clientA, clientB] = tor.clients;
assert.ok(clientA && clientB, 'the private network needs two clients');

let root: string;
let httpServer: Server;
let httpPort: number;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'veil-node-tor-'));
  // Stands in for a tcp:-only node: answers the node identity request.
  httpServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/veil/v1/node' ? JSON.stringify({ nickname: 'tcp-server', version: 'test' }) : '{}');
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  httpPort = (httpServer.address() as { port: number }).port;
});

after(async () => {
  await new Promise<void>((r) => httpServer.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

/** Only the Tor ports of the two clients, Unix sockets (tor's, and Node's own IPC) and the node's web port. */
function allowedFor(webPort: number) {
  const ports = new Set([clientA!.socksPort, clientA!.controlPort, clientB!.socksPort, clientB!.controlPort, webPort]);
  return (a: AuditedAddress): boolean => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && ports.has(a.port));
}

function describe(a: readonly AuditedAddress[]): string {
  return a.map((x) => x.line).join('\n');
}

test('create-node --listen=tor --hide-ip; run; reachable through another client; same address after restart; no leak', async () => {
  const nodeDir = join(root, 'server');
  const webPort = await allocatePort();
  const created = await veil([
    'create-node', nodeDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientA!.controlPort}`,
    `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=onion-server', '--allow-loopback-exit',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const onion = /onion service: ([a-z2-7]{56}\.onion)/.exec(created.stdout)?.[1];
  assert.ok(onion, created.stdout);
  const cfg = readFileSync(join(nodeDir, 'veil.cfg'), 'utf8');
  assert.match(cfg, /^reveal-IP-address = false$/m);
  assert.match(cfg, new RegExp(`^tub.location = tor:${onion}:3457$`, 'm'));
  assert.match(cfg, /^tub.port = tcp:\d+:interface=127\.0\.0\.1$/m);
  assert.match(cfg, /^tcp = tor$/m);
  assert.match(readFileSync(join(nodeDir, 'private/tor_onion.privkey'), 'utf8'), /^ED25519-V3:/);

  // A client that hides its IP, using the other tor.
  const clientDir = join(root, 'client');
  const c = await veil(['create-client', clientDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientB!.controlPort}`, '--webport=disabled', '--allow-loopback-exit']);
  assert.equal(c.code, 0, c.stderr);

  const node = new VeilRun(nodeDir, { strace: true });
  try {
    await node.ready();
    const status = await veil(['status', nodeDir, '--json'], { strace: true });
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { onionService: { address: string }; revealIpAddress: boolean; tor: { state: string } };
    assert.equal(s.onionService.address, onion);
    assert.equal(s.revealIpAddress, false);
    assert.equal(s.tor.state, 'ready');

    // Through the other client's SOCKS port with curl (not our code), once the descriptor is on the HSDirs.
    await waitForStatus(nodeDir, (st) => st['onionService']?.state === 'published');
    const stdout = await curlViaTor(clientB!.socksPort, `http://${onion}:3457/veil/v1/node`, { control: { port: clientB!.controlPort, cookiePath: clientB!.cookiePath } });
    assert.equal((JSON.parse(stdout) as { nickname: string }).nickname, 'onion-server');

    // The hiding client reaches the server by its tor: hint, and a loopback HTTP server by a tcp: hint through
    // the private network's exit; both under strace.
    const pingTor = await veil(['ping', `tor:${onion}:3457`, '-d', clientDir, '--json'], { strace: true });
    assert.equal(pingTor.code, 0, pingTor.stderr);
    assert.equal((JSON.parse(pingTor.stdout) as { transport: string }).transport, 'tor');
    const pingTcp = await veil(['ping', `tcp:127.0.0.1:${httpPort}`, '-d', clientDir, '--json'], { strace: true });
    assert.equal(pingTcp.code, 0, pingTcp.stderr);
    const tcpResult = JSON.parse(pingTcp.stdout) as { transport: string; peer: { nickname: string } };
    assert.deepEqual([tcpResult.transport, tcpResult.peer.nickname], ['tor', 'tcp-server']);
    const allowed = allowedFor(webPort);
    const leaks = [...status.addresses, ...pingTor.addresses, ...pingTcp.addresses].filter((a) => !allowed(a));
    assert.deepEqual(findLeaks(leaks, allowed), [], `connections outside Tor:\n${describe(leaks)}`);
    assert.ok(pingTcp.addresses.some((a) => a.family === 'inet' && a.port === clientB!.socksPort), 'the tcp: hint went through the SOCKS port');
    assert.ok(!pingTcp.addresses.some((a) => a.family === 'inet' && a.port === httpPort), 'no direct connection to the tcp: hint');
  } finally {
    assert.equal(await node.stop(), 0, node.stderr);
  }
  const runLeaks = findLeaks(node.addresses(), allowedFor(webPort));
  node.dispose();
  assert.deepEqual(runLeaks, [], `veil run connected outside Tor:\n${describe(runLeaks)}`);

  // Restart: the same onion address comes back.
  const again = new VeilRun(nodeDir);
  try {
    await again.ready();
    assert.match(again.stdout, new RegExp(`onion service: ${onion}`));
    await waitForStatus(nodeDir, (st) => st['onionService']?.state === 'published');
    const stdout = await curlViaTor(clientB!.socksPort, `http://${onion}:3457/veil/v1/node`, { control: { port: clientB!.controlPort, cookiePath: clientB!.cookiePath } });
    assert.equal((JSON.parse(stdout) as { nickname: string }).nickname, 'onion-server');
  } finally {
    assert.equal(await again.stop(), 0, again.stderr);
    again.dispose();
  }
});

test('veil run on a config that would leak the IP exits non-zero naming the keys, and opens no socket', async () => {
  const nodeDir = join(root, 'leaky');
  const created = await veil(['create-node', nodeDir, '--listen=none', '--webport=disabled']);
  assert.equal(created.code, 0, created.stderr);
  const cfgPath = join(nodeDir, 'veil.cfg');
  writeFileSync(cfgPath, readFileSync(cfgPath, 'utf8').replace('[node]\n', '[node]\nreveal-IP-address = false\nweb.port = tcp:8080\n').replace(/^web.port = disabled\n/m, ''));
  const res = await veil(['run', nodeDir], { strace: true });
  assert.equal(res.code, 3, `${res.stdout}\n${res.stderr}`);
  assert.match(res.stderr, /VEIL_CONFIG_IP_LEAK/);
  assert.match(res.stderr, /\[connections\] tcp/);
  assert.match(res.stderr, /\[node\] web\.port/);
  const inet = res.addresses.filter((a) => a.family !== 'unix');
  assert.deepEqual(inet, [], `sockets were opened:\n${describe(inet)}`);
});
