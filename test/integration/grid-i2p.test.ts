/**
 * The grid over the private I2P network (issue #7): a storage server that listens only on I2P (`--listen=i2p
 * --hide-ip --tcp=disabled`) and a `--hide-ip` client that reaches only I2P (`[connections] tcp = disabled`), both
 * real `veil` processes. The client puts a 5 MB file and gets it back byte-identical over pinned HTTPS on SAM
 * streams, and its only connections (strace) go to its SAM bridge. The server's status lists the connection
 * "via i2p".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { getI2pTestnet } from './testnet-env.js';
import { veil, waitForStatus } from './cli-helpers.js';
import { storedBlocks, useGridWorkspace } from './grid-kit.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { parseServiceAddress } from '../../src/grid/index.js';
import { allocatePort } from '../../src/net/index.js';

const i2p = getI2pTestnet();
const [samA, samB] = i2p.routers.filter((r) => r.samPort !== undefined);
assert.ok(samA?.samPort && samB?.samPort, 'the private I2P network needs two SAM routers');
const joinFile = process.env['VEIL_TESTNET']!;

const grid = useGridWorkspace('veil-grid-i2p-');

/** Only Unix sockets and the client's own SAM bridge on 127.0.0.1. */
const onlySam = (port: number) => (a: AuditedAddress): boolean => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && a.port === port);

test('I2P-only storage server and an I2P-only hiding client: put and get 5 MB byte-identical; SAM is the only connection', async () => {
  const serverDir = join(grid.root, 'server');
  const webPort = await allocatePort();
  const created = await veil([
    'create-node', serverDir, '--listen=i2p', '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samA.samPort}`,
    `--testnet-join=${joinFile}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--nickname=i2p-storage',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const b32 = /I2P destination: ([a-z2-7]{52}\.b32\.i2p)/.exec(created.stdout)?.[1];
  assert.ok(b32, created.stdout);

  const clientDir = join(grid.root, 'client');
  const c = await veil(['create-client', clientDir, '--hide-ip', '--tcp=disabled', `--i2p-sam-port=tcp:127.0.0.1:${samB.samPort}`, `--testnet-join=${joinFile}`, '--webport=disabled']);
  assert.equal(c.code, 0, c.stderr);
  const cfgPath = join(clientDir, 'veil.cfg');
  writeFileSync(cfgPath, `${readFileSync(cfgPath, 'utf8')}\n[client]\nshares.needed = 1\nshares.happy = 1\nshares.total = 1\n`);

  const server = grid.start(serverDir);
  await server.ready(180_000);
  const furl = readFileSync(join(serverDir, 'private/storage.furl'), 'utf8').trim();
  const address = parseServiceAddress(furl);
  assert.deepEqual(address.hints.map((h) => h.kind), ['i2p'], 'the service address has only the i2p: hint');

  const plain = randomBytes(5 * 1024 * 1024);
  const file = join(grid.root, 'file.bin');
  writeFileSync(file, plain);

  const put = await veil(['put', file, '--server', furl, '-d', clientDir, '--json'], { strace: true, timeoutMs: 400_000 });
  assert.equal(put.code, 0, `${put.stdout}\n${put.stderr}`);
  const result = JSON.parse(put.stdout) as { capability: string; blocks: number; servers: number };
  assert.match(result.capability, /^veil:chk:[a-z2-7]{52}:b[a-z2-7]+$/);
  assert.equal(result.servers, 1);
  assert.equal(storedBlocks(join(serverDir, 'storage')), result.blocks);
  assert.deepEqual(findLeaks(put.addresses, onlySam(samB.samPort!)).map((l) => l.line), [], 'put: the client connected elsewhere than its SAM bridge');
  assert.ok(put.addresses.some((a) => a.family === 'inet' && a.port === samB.samPort), 'put went through the SAM bridge');

  const out = join(grid.root, 'back.bin');
  const get = await veil(['get', result.capability, '--server', furl, '-o', out, '-d', clientDir], { strace: true, timeoutMs: 400_000 });
  assert.equal(get.code, 0, `${get.stdout}\n${get.stderr}`);
  assert.ok(readFileSync(out).equals(plain), 'byte-identical after the round trip');
  assert.deepEqual(findLeaks(get.addresses, onlySam(samB.samPort!)).map((l) => l.line), [], 'get: the client connected elsewhere than its SAM bridge');

  // The server says how its peers reached it.
  const status = await waitForStatus(serverDir, (s) => (s['connections'] as { status: string }[]).some((x) => /via i2p/.test(x.status)));
  const text = await veil(['status', serverDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {4}i2p:[a-z2-7]{52}\.b32\.i2p: .*via i2p/m, JSON.stringify(status));

  // veil doctor checks the SAM bridge, the node's session and its lease set.
  const doctor = await veil(['doctor', serverDir, '--json'], { timeoutMs: 120_000 });
  const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
  const i2pChecks = Object.fromEntries(checks.filter((x) => x.id.startsWith('i2p-')).map((x) => [x.id, x.status]));
  assert.deepEqual(i2pChecks, { 'i2p-sam': 'ok', 'i2p-session': 'ok', 'i2p-tunnels': 'ok' }, doctor.stdout);
  assert.match(checks.find((x) => x.id === 'i2p-session')!.message, new RegExp(b32));
});
