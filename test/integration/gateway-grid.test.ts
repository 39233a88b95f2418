/**
 * The gateway over the grid (issue #5 §2–§4), with real `veil` processes on the private Tor network:
 *   - a storage server reachable only through its onion service holds a public file, a private file and an IPNS
 *     record that node A put there (`veil put`, `veil name publish` with `[client] storage.servers`);
 *   - node B, which hides its IP and holds none of it, serves through its own gateway `/ipfs/<cid>` (blocks fetched
 *     from the onion-only server and verified), `/ipns/<name>` (record from the grid) and `/uri/<capability>`
 *     (decrypted on the fly, with a range);
 *   - a block the grid lacks comes from `[gateway] fetch.public` / `fetch.routing` servers reached through the Tor
 *     exit; B runs under strace and never connects anywhere but its Tor ports.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { veil, VeilRun } from './cli-helpers.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { fetchRaw } from '../../src/gateway/gateway-test-client.js';
import { MemoryBlockstore, importFile } from '../../src/content/index.js';
import { allocatePort } from '../../src/net/index.js';

const tor = getTorTestnet();
const [clientA, clientB] = tor.clients;
assert.ok(clientA && clientB, 'the private network needs two clients');

let root: string;
let server: VeilRun | undefined;
let publicGw: Server;
let publicPort: number;
const publicRequests: string[] = [];
/** Blocks the "public" gateway serves (not on the grid). */
const publicBlocks = new MemoryBlockstore();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'veil-gateway-grid-'));
  // A stand-in for a public trustless gateway and a delegated routing server (one HTTP server, two roles).
  publicGw = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://gw');
      publicRequests.push(`${req.method} ${url.pathname}`);
      const providers = /^\/routing\/v1\/providers\/(.+)$/.exec(url.pathname);
      if (providers) {
        const body = JSON.stringify({ Providers: [{ Schema: 'peer', ID: 'x', Protocols: ['transport-ipfs-gateway-http'], Addrs: [`/ip4/127.0.0.1/tcp/${publicPort}/http`] }] });
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(body);
      }
      const m = /^\/ipfs\/([^/]+)$/.exec(url.pathname);
      const { parseCid } = await import('../../src/content/index.js');
      const cid = m ? parseCid(m[1]!) : undefined;
      if (!cid || url.searchParams.get('format') !== 'raw' || !(await publicBlocks.has(cid))) {
        res.writeHead(404);
        return void res.end();
      }
      const bytes = await publicBlocks.get(cid);
      res.writeHead(200, { 'content-type': 'application/vnd.ipld.raw', 'content-length': bytes.length });
      res.end(bytes);
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => publicGw.listen(0, '127.0.0.1', r));
  publicPort = (publicGw.address() as { port: number }).port;
});

after(async () => {
  if (server) {
    await server.stop();
    server.dispose();
  }
  publicGw.closeAllConnections();
  await new Promise<void>((r) => publicGw.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

test('node B serves /ipfs/, /ipns/ and /uri/ for content held only by an onion-only storage server; public gateways over Tor', async () => {
  // The storage server: reachable only through its onion service.
  const serverDir = join(root, 'server');
  const created = await veil(['create-node', serverDir, '--listen=tor', '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientA!.controlPort}`, '--webport=disabled', '--nickname=storage-1', '--allow-loopback-exit']);
  assert.equal(created.code, 0, created.stderr);
  server = new VeilRun(serverDir);
  await server.ready();
  const furl = readFileSync(join(serverDir, 'private/storage.furl'), 'utf8').trim();
  assert.match(furl, /@tor:[a-z2-7]{56}\.onion:\d+\//);
  const grid = `\n[client]\nshares.needed = 1\nshares.happy = 1\nshares.total = 1\nstorage.servers = ${furl}\n`;

  // Node A puts a public and a private file and publishes a name, all on the server (from storage.servers).
  const aDir = join(root, 'a');
  const a = await veil(['create-client', aDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientB!.controlPort}`, '--webport=disabled', '--allow-loopback-exit']);
  assert.equal(a.code, 0, a.stderr);
  appendFileSync(join(aDir, 'veil.cfg'), grid);
  const publicFile = randomBytes(700_000); // three 256 KiB chunks and a root
  writeFileSync(join(root, 'public.bin'), publicFile);
  const pub = await veil(['put', join(root, 'public.bin'), '--public', '-d', aDir], { timeoutMs: 300_000 });
  assert.equal(pub.code, 0, `${pub.stdout}\n${pub.stderr}`);
  const cid = pub.stdout.trim();
  const privateFile = Buffer.concat([Buffer.from('<!doctype html><title>private</title>'), randomBytes(400_000)]);
  writeFileSync(join(root, 'private.html'), privateFile);
  const priv = await veil(['put', join(root, 'private.html'), '-d', aDir], { timeoutMs: 300_000 });
  assert.equal(priv.code, 0, `${priv.stdout}\n${priv.stderr}`);
  const cap = priv.stdout.trim();
  assert.match(cap, /^veil:chk:/);
  const published = await veil(['name', 'publish', cid, '-d', aDir, '--ttl', '1m'], { timeoutMs: 300_000 });
  assert.equal(published.code, 0, `${published.stdout}\n${published.stderr}`);
  const name = /^Published to (k51[a-z0-9]+): \/ipfs\//.exec(published.stdout)?.[1];
  assert.ok(name, published.stdout);
  assert.match(published.stderr, /stored on 1 storage server\(s\)/);

  // A block that is on no storage server: only the "public" gateway has it (found through delegated routing).
  const elsewhere = await importFile(new TextEncoder().encode('only on a public gateway\n'), publicBlocks);

  // Node B: hides its IP, knows the server from storage.servers, holds nothing.
  const bDir = join(root, 'b');
  const webPort = await allocatePort();
  const b = await veil(['create-client', bDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${clientB!.controlPort}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--allow-loopback-exit']);
  assert.equal(b.code, 0, b.stderr);
  appendFileSync(join(bDir, 'veil.cfg'), `${grid}\n[gateway]\nfetch.public = http://127.0.0.1:${publicPort}/nothing-here/\nfetch.routing = http://127.0.0.1:${publicPort}\n`);
  const node = new VeilRun(bDir, { strace: true });
  let addresses: AuditedAddress[] = [];
  try {
    await node.ready();
    const gw = `http://127.0.0.1:${webPort}`;
    const byCid = await fetchRaw(`${gw}/ipfs/${cid}`);
    assert.equal(byCid.status, 200, byCid.body.toString());
    assert.ok(byCid.body.equals(publicFile), '/ipfs/ bytes equal the file put by A');

    const byName = await fetchRaw(`${gw}/ipns/${name}`);
    assert.equal(byName.status, 200, byName.body.toString());
    assert.ok(byName.body.equals(publicFile), '/ipns/ published on A resolves on B');
    assert.equal(byName.headers['cache-control'], 'public, max-age=60');

    const byCap = await fetchRaw(`${gw}/uri/${cap}`);
    assert.equal(byCap.status, 200, byCap.body.toString());
    assert.ok(byCap.body.equals(privateFile), '/uri/ decrypts the private file');
    assert.equal(byCap.headers['content-type'], 'text/html; charset=utf-8');
    const range = await fetchRaw(`${gw}/uri/${cap}`, { headers: { Range: 'bytes=300000-300099' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(privateFile.subarray(300_000, 300_100)));

    const missing = await fetchRaw(`${gw}/ipfs/${elsewhere.cid.toString()}`);
    assert.equal(missing.status, 200, missing.body.toString());
    assert.equal(missing.body.toString(), 'only on a public gateway\n');
    assert.ok(publicRequests.includes(`GET /nothing-here/ipfs/${elsewhere.cid.toString()}`), publicRequests.join('\n'));
    assert.ok(publicRequests.includes(`GET /routing/v1/providers/${elsewhere.cid.toString()}`), publicRequests.join('\n'));
    assert.ok(publicRequests.includes(`GET /ipfs/${elsewhere.cid.toString()}`), publicRequests.join('\n'));
  } finally {
    assert.equal(await node.stop(), 0, node.stderr);
    addresses = node.addresses();
    node.dispose();
  }
  const allowedPorts = new Set([clientB!.socksPort, clientB!.controlPort, webPort]);
  const allowed = (x: AuditedAddress): boolean => x.family === 'unix' || (x.family === 'inet' && x.host === '127.0.0.1' && allowedPorts.has(x.port));
  const leaks = findLeaks(addresses, allowed);
  assert.deepEqual(leaks, [], `node B connected outside Tor:\n${leaks.map((x) => x.line).join('\n')}`);
  assert.ok(!addresses.some((x) => x.family === 'inet' && x.port === publicPort), 'node B never connected to the public gateway directly');
});
