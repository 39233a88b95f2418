/**
 * The grid over the private Tor network (issue #4): an onion-only storage server (`--listen=tor --hide-ip`) and a
 * `--hide-ip` client, both real `veil` processes. The client puts a few-MB file (private, convergent) and gets it
 * back byte-identical through the server's onion service over pinned HTTPS; a pinned-key mismatch and a wrong
 * swissnum are refused and store nothing; a public upload gives Kubo's CID. Then a private directory: put,
 * `veil ls`, `veil get -o` of the tree, and its leases renewed and cancelled (cancel deletes its blocks); the put
 * and the renewal run under strace and reach nothing but the client's tor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { veil } from './cli-helpers.js';
import { storedBlocks, useGridWorkspace } from './grid-kit.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { generateTlsIdentity, newSwissnum, parseServiceAddress, formatServiceAddress } from '../../src/grid/index.js';
import { MemoryBlockstore, importFile } from '../../src/content/index.js';

const tor = getTorTestnet();
const [clientA, clientB] = tor.clients;
assert.ok(clientA && clientB, 'the private network needs two clients');

/** Set by the first test, used by the second. */
let shared: { furl: string; clientDir: string; storageDir: string } | undefined;
const grid = useGridWorkspace('veil-grid-tor-');

test('onion-only storage server and a hide-ip client: put and get a file; wrong key and swissnum refused', async () => {
  const serverDir = join(grid.root, 'server');
  const created = await veil(['create-node', serverDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientA!.controlPort}`, '--webport=disabled', '--nickname=storage-1', '--allow-loopback-exit']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(readFileSync(join(serverDir, 'veil.cfg'), 'utf8'), /^\[storage\]\n(?:##.*\n)*enabled = true$/m);

  const clientDir = join(grid.root, 'client');
  const c = await veil(['create-client', clientDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientB!.controlPort}`, '--webport=disabled', '--allow-loopback-exit']);
  assert.equal(c.code, 0, c.stderr);
  const cfgPath = join(clientDir, 'veil.cfg');
  const cfg = readFileSync(cfgPath, 'utf8');
  assert.doesNotMatch(cfg, /^\[client\]$/m);
  writeFileSync(cfgPath, `${cfg}\n[client]\nshares.needed = 1\nshares.happy = 1\nshares.total = 1\n`);

  const server = grid.start(serverDir);
  await server.ready();
  const furl = readFileSync(join(serverDir, 'private/storage.furl'), 'utf8').trim();
  const address = parseServiceAddress(furl);
  assert.equal(address.hints.length, 1);
  assert.equal(address.hints[0]!.kind, 'tor');
  const storageDir = join(serverDir, 'storage');

  const plain = randomBytes(3 * 1024 * 1024 + 12345);
  const file = join(grid.root, 'file.bin');
  writeFileSync(file, plain);

  // Refusals first: nothing may be stored by them.
  const wrongKey = formatServiceAddress({ ...address, keyHash: generateTlsIdentity().keyHash });
  const r1 = await veil(['put', file, '--server', wrongKey, '-d', clientDir], { timeoutMs: 180_000 });
  assert.equal(r1.code, 5, `${r1.stdout}\n${r1.stderr}`); // VEIL_GRID_NOT_HAPPY (network)
  assert.match(r1.stderr, /VEIL_GRID_NOT_HAPPY/);
  assert.match(r1.stderr, /VEIL_PEER_KEY_MISMATCH/);
  const wrongSwiss = formatServiceAddress({ ...address, swissnum: newSwissnum() });
  const r2 = await veil(['put', file, '--server', wrongSwiss, '-d', clientDir], { timeoutMs: 180_000 });
  assert.equal(r2.code, 5, `${r2.stdout}\n${r2.stderr}`);
  assert.match(r2.stderr, /VEIL_GRID_UNAUTHORIZED/);
  assert.equal(storedBlocks(storageDir), 0);

  // Private upload: a capability; the server holds only ciphertext.
  const put = await veil(['put', file, '--server', furl, '-d', clientDir, '--json'], { timeoutMs: 300_000 });
  assert.equal(put.code, 0, `${put.stdout}\n${put.stderr}`);
  const result = JSON.parse(put.stdout) as { capability: string; blocks: number; servers: number };
  assert.match(result.capability, /^veil:chk:[a-z2-7]{52}:b[a-z2-7]+$/);
  assert.equal(result.servers, 1);
  assert.equal(storedBlocks(storageDir), result.blocks);

  const out = join(grid.root, 'back.bin');
  const get = await veil(['get', result.capability, '--server', furl, '-o', out, '-d', clientDir], { timeoutMs: 300_000 });
  assert.equal(get.code, 0, `${get.stdout}\n${get.stderr}`);
  assert.ok(readFileSync(out).equals(plain), 'byte-identical after the round trip');

  // A capability with the wrong key decrypts to garbage — but a wrong swissnum cannot even read.
  const badGet = await veil(['get', result.capability, '--server', wrongSwiss, '-o', join(grid.root, 'nope.bin'), '-d', clientDir], { timeoutMs: 180_000 });
  assert.equal(badGet.code, 5, badGet.stderr);
  assert.match(badGet.stderr, /VEIL_GRID_BLOCK_UNAVAILABLE/);

  // Public upload: Kubo's default CID.
  const small = join(grid.root, 'small.txt');
  writeFileSync(small, 'hello grid\n');
  const expected = await importFile(small, new MemoryBlockstore());
  const pub = await veil(['put', small, '--public', '--server', furl, '-d', clientDir], { timeoutMs: 180_000 });
  assert.equal(pub.code, 0, pub.stderr);
  assert.equal(pub.stdout.trim(), expected.cid.toString());
  shared = { furl, clientDir, storageDir };
});

test('a private directory over Tor: put, ls, get the tree; leases renewed, then cancelled (its blocks deleted)', async () => {
  assert.ok(shared, 'the first test set up the server');
  const { furl, clientDir, storageDir } = shared;
  const tree = join(grid.root, 'tree');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  const files = new Map([
    ['one.bin', randomBytes(400_000)],
    ['sub/two.txt', Buffer.from(`two ${randomBytes(8).toString('hex')}\n`)],
  ]);
  for (const [rel, bytes] of files) writeFileSync(join(tree, rel), bytes);
  const before = storedBlocks(storageDir);

  // Under strace: the hide-ip client only talks to its tor (control and SOCKS ports), never to anything else.
  const put = await veil(['put', tree, '--server', furl, '-d', clientDir, '--json'], { timeoutMs: 300_000, strace: true });
  assert.equal(put.code, 0, `${put.stdout}\n${put.stderr}`);
  const result = JSON.parse(put.stdout) as { capability: string; blocks: number; type: string };
  assert.match(result.capability, /^veil:dir:[a-z2-7]{52}:b[a-z2-7]+$/);
  assert.equal(result.type, 'directory');
  assert.equal(storedBlocks(storageDir), before + result.blocks);
  const leaseFiles = readdirSync(join(shared.storageDir, '..', 'leases'), { recursive: true }).map(String).filter((f) => f.endsWith('.leases'));
  assert.ok(leaseFiles.length >= result.blocks, 'every stored block has a lease file');

  const ls = await veil(['ls', result.capability, '--server', furl, '-d', clientDir, '--json'], { timeoutMs: 180_000 });
  assert.equal(ls.code, 0, ls.stderr);
  const listing = JSON.parse(ls.stdout) as { type: string; entries: { name: string; type: string; size: number; cap: string }[] };
  assert.deepEqual(listing.entries.map((e) => [e.name, e.type, e.size]), [['one.bin', 'file', 400_000], ['sub', 'directory', files.get('sub/two.txt')!.length]]);
  assert.match(listing.entries[0]!.cap, /^veil:chk:/);

  const out = join(grid.root, 'tree-back');
  const get = await veil(['get', result.capability, '--server', furl, '-o', out, '-d', clientDir], { timeoutMs: 300_000 });
  assert.equal(get.code, 0, get.stderr);
  for (const [rel, bytes] of files) assert.ok(readFileSync(join(out, rel)).equals(bytes), rel);
  assert.match(get.stderr, /downloading .*\(100%\)/, 'plain progress lines when stderr is not a terminal');

  const renew = await veil(['lease', 'renew', result.capability, '--server', furl, '-d', clientDir, '--json'], { timeoutMs: 300_000, strace: true });
  assert.equal(renew.code, 0, renew.stderr);
  const torPorts = new Set([clientB!.socksPort, clientB!.controlPort]);
  const allowed = (a: AuditedAddress): boolean => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && torPorts.has(a.port));
  const leaks = findLeaks([...put.addresses, ...renew.addresses], allowed);
  assert.deepEqual(leaks.map((a) => a.line), [], 'put and lease renew connect only to the client\'s tor');
  assert.ok(put.addresses.some((a) => a.family === 'inet' && a.port === clientB!.socksPort), 'the upload went through the SOCKS port');
  const renewed = JSON.parse(renew.stdout) as { blocks: number; servers: Record<string, { done: number; missing: number }> };
  assert.equal(renewed.blocks, result.blocks);
  assert.deepEqual(Object.values(renewed.servers), [{ done: result.blocks, missing: 0 }]);

  const cancel = await veil(['lease', 'cancel', result.capability, '--server', furl, '-d', clientDir], { timeoutMs: 300_000 });
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, new RegExp(`: ${result.blocks} cancelled, 0 missing`));
  assert.equal(storedBlocks(storageDir), before, 'the directory\'s blocks went with their last lease');
});
