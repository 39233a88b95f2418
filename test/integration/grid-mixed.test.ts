/**
 * A mixed grid over the private Tor network (issue #4 §2, §5): a `tcp:`-only introducer and storage server (they
 * reveal their IP) beside an onion-only storage server, and a `--hide-ip` client (`[connections] tcp = tor`). The
 * client learns both servers from the introducer, reaches the tcp: ones through a Tor exit and the onion-only one
 * through its onion service; under the leak audit (strace) its put and get only ever talk to its tor's SOCKS and
 * control ports (and Unix sockets), never to a tcp: hint directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { created, storedBlocks, useGridWorkspace } from './grid-kit.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { allocatePort } from '../../src/net/index.js';
import { parseServiceAddress } from '../../src/grid/index.js';

const tor = getTorTestnet();
const [torA, torB] = tor.clients;
assert.ok(torA && torB, 'the private network needs two clients');

const grid = useGridWorkspace('veil-grid-mixed-');
const start = (dir: string): VeilRun => grid.start(dir);

function describe(a: readonly AuditedAddress[]): string {
  return a.map((x) => x.line).join('\n');
}

test('tcp:-only and onion-only servers, a tcp = tor client: both reached through Tor, and the leak audit finds only Tor', async () => {
  const introDir = join(grid.root, 'introducer');
  const introWeb = await allocatePort();
  await created(['create-introducer', introDir, '--listen=tcp', '--hostname=127.0.0.1', `--webport=tcp:${introWeb}:interface=127.0.0.1`]);
  const introFurl = readFileSync(join(introDir, 'private/introducer.furl'), 'utf8').trim();
  assert.deepEqual(parseServiceAddress(introFurl).hints.map((h) => h.kind), ['tcp']);

  const tcpDir = join(grid.root, 'tcp-server');
  const onionDir = join(grid.root, 'onion-server');
  const clientDir = join(grid.root, 'client');
  await Promise.all([
    created(['create-node', tcpDir, '--listen=tcp', '--hostname=127.0.0.1', '--webport=disabled', '--nickname=tcp-server', `--introducer=${introFurl}`]),
    created(['create-node', onionDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${torA!.controlPort}`, '--webport=disabled', '--nickname=onion-server', `--introducer=${introFurl}`, '--allow-loopback-exit']),
    created(['create-client', clientDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${torB!.controlPort}`, '--webport=disabled', `--introducer=${introFurl}`, '--allow-loopback-exit']),
  ]);
  // The nodes that reveal their IP use no Tor at all (nothing to look for on 9050).
  for (const dir of [introDir, tcpDir]) appendFileSync(join(dir, 'veil.cfg'), '\n[tor]\nenabled = false\n');
  const clientCfg = join(clientDir, 'veil.cfg');
  const cfg = readFileSync(clientCfg, 'utf8');
  assert.match(cfg, /^tcp = tor$/m);
  writeFileSync(clientCfg, cfg.replace(/^\[client\]$/m, '[client]\nshares.needed = 1\nshares.happy = 2\nshares.total = 2'));

  const intro = start(introDir);
  await intro.ready();
  await Promise.all([tcpDir, onionDir].map((d) => start(d).ready()));
  const tcpFurl = readFileSync(join(tcpDir, 'private/storage.furl'), 'utf8').trim();
  const tcpHint = parseServiceAddress(tcpFurl).hints[0]!;
  assert.equal(tcpHint.kind, 'tcp');
  const introHint = parseServiceAddress(introFurl).hints[0]!;
  assert.equal(introHint.kind, 'tcp');
  // The onion-only server reaches the tcp: introducer through a Tor exit; the tcp: server directly.
  await waitForStatus(introDir, (s) => s['grid']?.introducer?.announcements === 2, 300_000);

  const plain = randomBytes(1024 * 1024 + 777);
  const file = join(grid.root, 'file.bin');
  writeFileSync(file, plain);
  const put = await veil(['put', file, '-d', clientDir, '--json'], { strace: true, timeoutMs: 600_000 });
  assert.equal(put.code, 0, `${put.stdout}\n${put.stderr}`);
  const result = JSON.parse(put.stdout) as { capability: string; blocks: number; servers: number };
  assert.equal(result.servers, 2);
  assert.equal(storedBlocks(join(tcpDir, 'storage')), result.blocks);
  assert.equal(storedBlocks(join(onionDir, 'storage')), result.blocks);

  const out = join(grid.root, 'back.bin');
  const get = await veil(['get', result.capability, '-o', out, '-d', clientDir], { strace: true, timeoutMs: 600_000 });
  assert.equal(get.code, 0, `${get.stdout}\n${get.stderr}`);
  assert.ok(readFileSync(out).equals(plain), 'byte-identical');

  // The leak audit: only the client's tor (SOCKS and control) and Unix sockets.
  const ports = new Set([torB!.socksPort, torB!.controlPort]);
  const allowed = (a: AuditedAddress): boolean => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && ports.has(a.port));
  const all = [...put.addresses, ...get.addresses];
  const leaks = findLeaks(all, allowed);
  assert.deepEqual(leaks, [], `connections outside Tor:\n${describe(leaks)}`);
  assert.ok(all.some((a) => a.family === 'inet' && a.port === torB!.socksPort), 'the client dialed through the SOCKS port');
  for (const port of [tcpHint.port, introHint.port]) assert.ok(!all.some((a) => a.family === 'inet' && a.port === port), `no direct connection to tcp:127.0.0.1:${port}`);
});
