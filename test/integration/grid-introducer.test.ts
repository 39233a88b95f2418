/**
 * The grid with an introducer over the private Tor network (issue #4 §1, §2, §5): one introducer and three storage
 * servers, each reachable only through its onion service (`--listen=tor --hide-ip`), and `--hide-ip` clients that
 * learn the servers from the introducer. A 20 MB file is put by one client and got back byte-identical by another;
 * a running client node lists the three servers and how each is reached; a tampered copy on one server and a stopped
 * server do not stop the download; an announcement signed by the wrong key is refused with its code and
 * nothing is stored. All nodes are real `veil` processes; servers start in parallel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { veil, VeilRun, waitForStatus } from './cli-helpers.js';
import { blockFiles, created, useGridWorkspace } from './grid-kit.js';
import { allocatePort, createTorDialer, dialRetryingOnions } from '../../src/net/index.js';
import { ANNOUNCEMENT_CONTEXT, IntroducerClient, generateTlsIdentity, newSwissnum, parseServiceAddress, signAnnouncement, formatServiceAddress } from '../../src/grid/index.js';
import { isVeilError } from '../../src/core/index.js';

const tor = getTorTestnet();
const [torA, torB] = tor.clients;
assert.ok(torA && torB, 'the private network needs two clients');

const grid = useGridWorkspace('veil-grid-intro-');
const start = (dir: string): VeilRun => grid.start(dir);

test('introducer + three onion-only storage servers + hide-ip clients: 20 MB put/get, tampered copy, stopped server, forged announcement', async (t) => {
  const t0 = Date.now();
  const phase = (name: string): void => t.diagnostic(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const controlA = `--tor-control-port=tcp:127.0.0.1:${torA!.controlPort}`;
  const controlB = `--tor-control-port=tcp:127.0.0.1:${torB!.controlPort}`;
  const introDir = join(grid.root, 'introducer');
  const introWeb = await allocatePort();
  await created(['create-introducer', introDir, '--listen=tor', '--hide-ip', controlA, `--webport=tcp:${introWeb}:interface=127.0.0.1`, '--nickname=intro', '--allow-loopback-exit']);
  const introFurl = readFileSync(join(introDir, 'private/introducer.furl'), 'utf8').trim();
  const introAddress = parseServiceAddress(introFurl);
  assert.deepEqual(introAddress.hints.map((h) => h.kind), ['tor']);
  assert.match(readFileSync(join(introDir, 'veil.cfg'), 'utf8'), /^\[introducer\]\n(?:##.*\n)*enabled = true$/m);

  // Three storage servers and two clients, created side by side.
  const serverDirs = [1, 2, 3].map((i) => join(grid.root, `server-${i}`));
  const clientDirs = [join(grid.root, 'client-1'), join(grid.root, 'client-2')];
  const clientWeb = await allocatePort();
  await Promise.all([
    ...serverDirs.map((dir, i) => created(['create-node', dir, '--listen=tor', '--hide-ip', controlA, '--webport=disabled', `--nickname=storage-${i + 1}`, `--introducer=${introFurl}`, '--allow-loopback-exit'])),
    created(['create-client', clientDirs[0]!, '--hide-ip', controlB, '--webport=disabled', `--introducer=${introFurl}`, '--allow-loopback-exit']),
    created(['create-client', clientDirs[1]!, '--hide-ip', controlB, `--webport=tcp:${clientWeb}:interface=127.0.0.1`, `--introducer=${introFurl}`, '--allow-loopback-exit']),
  ]);
  for (const dir of clientDirs) {
    const cfgPath = join(dir, 'veil.cfg');
    // Three full copies (replication): any one server can serve the file.
    writeFileSync(cfgPath, readFileSync(cfgPath, 'utf8').replace(/^\[client\]$/m, '[client]\nshares.needed = 1\nshares.happy = 3\nshares.total = 3'));
  }

  phase('created');
  const intro = start(introDir);
  await intro.ready();
  assert.match(intro.stdout, new RegExp(`introducer fURL: ${introFurl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  const servers = serverDirs.map(start);
  await Promise.all(servers.map((s) => s.ready()));
  const furls = serverDirs.map((dir) => readFileSync(join(dir, 'private/storage.furl'), 'utf8').trim());
  const keyHashes = furls.map((f) => parseServiceAddress(f).keyHash);
  for (const f of furls) assert.deepEqual(parseServiceAddress(f).hints.map((h) => h.kind), ['tor']);

  phase('servers ready');
  // The servers' announcements reach the introducer through its onion service.
  const introStatus = await waitForStatus(introDir, (s) => s['grid']?.introducer?.announcements === 3, 300_000);
  assert.equal(introStatus['grid'].introducer.furl, introFurl);

  phase('announced');
  // A running client node learns the three servers and reaches each through Tor, each with its own circuit.
  const client2 = start(clientDirs[1]!);
  await client2.ready();
  const st = await waitForStatus(
    clientDirs[1]!,
    (s) => s['grid']?.servers?.length === 3 && (s['connections'] as { peer: string; status: string }[]).filter((c) => c.peer.startsWith('storage server') && c.status.startsWith('Connected to tor:')).length === 3,
    300_000,
  );
  assert.deepEqual((st['grid'].servers as { keyHash: string }[]).map((s) => s.keyHash).sort(), [...keyHashes].sort());
  assert.deepEqual((st['grid'].servers as { nickname: string }[]).map((s) => s.nickname).sort(), ['storage-1', 'storage-2', 'storage-3']);
  const introConn = (st['connections'] as { peer: string; status: string }[]).find((c) => c.peer === 'introducer');
  assert.match(introConn?.status ?? '', /^Connected to tor:[a-z2-7]{56}\.onion:3457 via tor$/);
  const text = await veil(['status', clientDirs[1]!]);
  assert.match(text.stdout, /introducer subscription: connected; 3 storage server\(s\) known/);
  assert.match(text.stdout, /storage server "storage-1" \([a-z2-7]{8}\): Connected to tor:[a-z2-7]{56}\.onion:3457 via tor/);

  phase('client status');
  // 20 MB from the first client, without --server: the servers come from the introducer.
  const plain = randomBytes(20 * 1024 * 1024);
  const file = join(grid.root, 'file.bin');
  writeFileSync(file, plain);
  const put = await veil(['put', file, '-d', clientDirs[0]!, '--json'], { timeoutMs: 900_000 });
  assert.equal(put.code, 0, `${put.stdout}\n${put.stderr}`);
  const result = JSON.parse(put.stdout) as { capability: string; blocks: number; servers: number };
  assert.equal(result.servers, 3);
  for (const dir of serverDirs) assert.equal(blockFiles(join(dir, 'storage')).length, result.blocks, `${dir} holds a full copy`);

  phase('put 20 MB');
  const out = join(grid.root, 'back.bin');
  const get1 = await veil(['get', result.capability, '-o', out, '-d', clientDirs[1]!], { timeoutMs: 900_000 });
  assert.equal(get1.code, 0, `${get1.stdout}\n${get1.stderr}`);
  assert.ok(readFileSync(out).equals(plain), 'byte-identical from the second client');

  phase('get 1');
  // Downloads ask servers in the introducer's order: tamper with every block of the first one.
  const order = (st['grid'].servers as { keyHash: string }[]).map((s) => keyHashes.indexOf(s.keyHash));
  const first = order[0]!;
  for (const f of blockFiles(join(serverDirs[first]!, 'storage'))) {
    const bytes = readFileSync(f);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(f, bytes);
  }
  // Stop the second server in that order: the first serves only tampered copies, the third still has good ones.
  const second = order[1]!;
  assert.equal(await servers[second]!.stop(), 0, servers[second]!.stderr);
  rmSync(out);
  const get2 = await veil(['get', result.capability, '-o', out, '-d', clientDirs[1]!], { timeoutMs: 900_000 });
  assert.equal(get2.code, 0, `${get2.stdout}\n${get2.stderr}`);
  assert.ok(readFileSync(out).equals(plain), 'tampered copies are not used, and a stopped server does not stop the download');

  phase('get 2 (tampered + stopped)');
  // An announcement signed by the wrong key, sent to the introducer through Tor: refused, nothing stored.
  const dialer = createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: torB!.socksPort } });
  const introHint = introAddress.hints[0]!;
  assert.ok(introHint.kind === 'tor');
  const token = randomBytes(8).toString('hex');
  const client = new IntroducerClient(introAddress, { open: (_h, _p, o) => dialRetryingOnions(dialer, introHint.host, introHint.port, { isolationToken: token, signal: o.signal }) });
  try {
    const victim = parseServiceAddress(furls[order[2]!]!);
    const thief = generateTlsIdentity();
    // The thief claims the victim's server (key and fURL) with its own signature.
    const genuine = JSON.parse(signAnnouncement({ nickname: 'thief', storageFurl: formatServiceAddress({ ...victim, keyHash: thief.keyHash, swissnum: newSwissnum() }), availableBytes: 1, version: 'x', seq: Date.now() * 2, issuedAt: Date.now() }, thief.keyPem).payload) as Record<string, unknown>;
    const victimKey = (await client.list()).announcements.find((a) => a.keyHash === victim.keyHash)!.serverKey;
    const payload = JSON.stringify({ ...genuine, serverKey: victimKey, storageFurl: formatServiceAddress(victim) });
    const forged = { payload, signature: sign(null, Buffer.from(ANNOUNCEMENT_CONTEXT + payload), createPrivateKey(thief.keyPem)).toString('base64') };
    await assert.rejects(client.announce(forged), (e: unknown) => isVeilError(e, 'VEIL_GRID_ANNOUNCEMENT_SIGNATURE') && /not signed by the key it names; it was refused/.test(e.message));
    // Its own key with the victim's fURL: the KEYHASH does not match.
    const mismatch = JSON.stringify({ ...genuine, storageFurl: formatServiceAddress(victim) });
    const signedMismatch = { payload: mismatch, signature: sign(null, Buffer.from(ANNOUNCEMENT_CONTEXT + mismatch), createPrivateKey(thief.keyPem)).toString('base64') };
    await assert.rejects(client.announce(signedMismatch), (e: unknown) => isVeilError(e, 'VEIL_GRID_ANNOUNCEMENT_KEY_MISMATCH'));
    const after = await client.list();
    assert.equal(after.announcements.length, 3);
    assert.equal(after.announcements.find((a) => a.keyHash === victim.keyHash)?.nickname, `storage-${order[2]! + 1}`);
    assert.ok(!after.announcements.some((a) => a.nickname === 'thief'));
    const kept = JSON.parse(readFileSync(join(introDir, 'private/introducer-announcements.json'), 'utf8')) as { announcements: unknown[] };
    assert.equal(kept.announcements.length, 3);
  } finally {
    await client.close();
  }
});
