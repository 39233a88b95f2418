/**
 * Names over the private Tor network (issue #5 §4): a DNSLink name is resolved through a local DNS-over-HTTPS
 * server (RFC 8484 wire format) that is reached ONLY through the Tor exit of the private network, and
 * `/ipns/<k51…>` published with `veil name publish` is served by the node's gateway. The full-node test runs
 * `veil run` under strace: the node never connects to the DoH server itself, only to Tor.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTorTestnet } from './testnet-env.js';
import { veil, VeilRun } from './cli-helpers.js';
import { findLeaks, type AuditedAddress } from './leak-audit.js';
import { isVeilError } from '../../src/core/index.js';
import { MemoryBlockstore, importFile } from '../../src/content/index.js';
import { startGateway } from '../../src/gateway/index.js';
import { fetchRaw } from '../../src/gateway/gateway-test-client.js';
import { Router, allocatePort, connectLocal, createTorDialer } from '../../src/net/index.js';
import { DNS_CLASS_IN, DNS_RCODE, DNS_TYPE, createNameResolver, decodeDnsMessage, encodeDnsMessage } from '../../src/names/index.js';

const HELLO = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
const tor = getTorTestnet();
const client = tor.clients[0];
assert.ok(client, 'the private network needs a client');

let root: string;
let doh: Server;
let dohPort: number;
/** TXT records served by the DoH server, by query name. */
const zone = new Map<string, string[]>();
const dohRequests: string[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'veil-names-'));
  // RFC 8484 §4.1 GET ?dns=<base64url> and POST application/dns-message; answers TXT from `zone`.
  doh = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://doh');
      const query = req.method === 'POST' ? await body(req) : Buffer.from(url.searchParams.get('dns') ?? '', 'base64url');
      const q = decodeDnsMessage(query).questions[0]!;
      dohRequests.push(`${req.method} ${q.name}`);
      const txt = zone.get(q.name);
      const reply = encodeDnsMessage({
        id: decodeDnsMessage(query).id,
        isResponse: true,
        isRecursionAvailable: true,
        rcode: txt ? DNS_RCODE.NOERROR : DNS_RCODE.NXDOMAIN,
        questions: [q],
        answers: (txt ?? []).map((t) => ({ name: q.name, type: DNS_TYPE.TXT, class: DNS_CLASS_IN, ttl: 300, txt: [t] })),
      });
      res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': reply.length });
      res.end(reply);
    })().catch((err: unknown) => {
      res.writeHead(400);
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => doh.listen(0, '127.0.0.1', r));
  dohPort = (doh.address() as { port: number }).port;
});

after(async () => {
  doh.closeAllConnections();
  await new Promise<void>((r) => doh.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

test('the gateway resolves /ipns/<domain> by DNSLink through DoH over the Tor exit', async () => {
  zone.set('_dnslink.example.test', [`dnslink=/ipfs/${HELLO}`]);
  const blocks = new MemoryBlockstore();
  await importFile(Buffer.from('hello world\n'), blocks);
  let socksConnects = 0;
  const torDialer = createTorDialer({
    socks: { kind: 'tcp', host: '127.0.0.1', port: client.socksPort },
    connect: (endpoint, options) => {
      socksConnects++;
      return connectLocal(endpoint, options);
    },
  });
  const handlers = { tcp: { handler: 'tor', reason: '[connections] tcp = tor' }, tor: { handler: 'tor', reason: 'test' }, i2p: { handler: 'none', reason: 'test' } } as const;
  const router = new Router({ revealIpAddress: false, handlers, allowLoopbackExit: true }, { tor: torDialer });
  const resolver = createNameResolver({ nodeDir: root, dohResolver: `http://127.0.0.1:${dohPort}/dns-query`, router });
  try {
    await using gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, blockstore: blocks, hooks: { resolveName: resolver.resolveName } });
    const before = dohRequests.length;
    const res = await fetchRaw(`${gw.url}/ipns/example.test`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.body.toString(), 'hello world\n');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.deepEqual(dohRequests.slice(before), ['GET _dnslink.example.test']);
    assert.ok(socksConnects >= 1, 'the DoH connection was opened through the Tor SOCKS port');
    // cached by TTL: no second query
    assert.equal((await fetchRaw(`${gw.url}/ipns/example.test`)).status, 200);
    assert.equal(dohRequests.length, before + 1);
  } finally {
    await resolver.close();
  }

  // Without a Tor dialer the router refuses, and the resolver never falls back to a direct connection.
  const noTor = new Router({ revealIpAddress: false, handlers, allowLoopbackExit: true }, {});
  const refusing = createNameResolver({ nodeDir: root, dohResolver: `http://127.0.0.1:${dohPort}/dns-query`, router: noTor });
  const count = dohRequests.length;
  try {
    await assert.rejects(refusing.resolveName('ipns', 'other.example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_ROUTE_NO_HANDLER'));
    assert.equal(dohRequests.length, count);
  } finally {
    await refusing.close();
  }
});

test('veil run: /ipns/<k51…> after `veil name publish`, and /ipns/<domain> → DNSLink → IPNS, with no connection outside Tor', async () => {
  const nodeDir = join(root, 'node');
  const webPort = await allocatePort();
  const created = await veil(['create-client', nodeDir, '--hide-ip', `--tor-control-port=tcp:127.0.0.1:${client.controlPort}`, `--webport=tcp:${webPort}:interface=127.0.0.1`, '--allow-loopback-exit']);
  assert.equal(created.code, 0, created.stderr);
  appendFileSync(join(nodeDir, 'veil.cfg'), `\n[gateway]\ndnslink.resolver = http://127.0.0.1:${dohPort}/dns-query\n`);
  writeFileSync(join(root, 'hello.txt'), 'hello world\n');
  const added = await veil(['add', join(root, 'hello.txt'), '-d', nodeDir]);
  assert.equal(added.stdout, `added ${HELLO} hello.txt\n`, added.stderr);
  const published = await veil(['name', 'publish', HELLO, '-d', nodeDir, '--ttl', '2m']);
  const name = /^Published to (k51[a-z0-9]+): \/ipfs\/Qm/.exec(published.stdout)?.[1];
  assert.ok(name, `${published.stdout}\n${published.stderr}`);
  zone.set('_dnslink.blog.example.test', [`dnslink=/ipns/${name}`]);
  assert.match(readFileSync(join(nodeDir, 'veil.cfg'), 'utf8'), /^reveal-IP-address = false$/m);

  const node = new VeilRun(nodeDir, { strace: true });
  let addresses: AuditedAddress[] = [];
  try {
    await node.ready();
    const byKey = await fetchRaw(`http://127.0.0.1:${webPort}/ipns/${name}`);
    assert.equal(byKey.status, 200, byKey.body.toString());
    assert.equal(byKey.body.toString(), 'hello world\n');
    assert.equal(byKey.headers['cache-control'], 'public, max-age=120');
    const before = dohRequests.length;
    const byDomain = await fetchRaw(`http://127.0.0.1:${webPort}/ipns/blog.example.test`);
    assert.equal(byDomain.status, 200, byDomain.body.toString());
    assert.equal(byDomain.body.toString(), 'hello world\n');
    assert.deepEqual(dohRequests.slice(before), ['GET _dnslink.blog.example.test']);
  } finally {
    assert.equal(await node.stop(), 0, node.stderr);
    addresses = node.addresses();
    node.dispose();
  }
  const allowedPorts = new Set([client.socksPort, client.controlPort, webPort]);
  const allowed = (a: AuditedAddress): boolean => a.family === 'unix' || (a.family === 'inet' && a.host === '127.0.0.1' && allowedPorts.has(a.port));
  const leaks = findLeaks(addresses, allowed);
  assert.deepEqual(leaks, [], `veil run connected outside Tor:\n${leaks.map((a) => a.line).join('\n')}`);
  assert.ok(!addresses.some((a) => a.family === 'inet' && a.port === dohPort), 'the node never connected to the DoH server directly');
  assert.ok(addresses.some((a) => a.family === 'inet' && a.port === client.socksPort), 'the node used the Tor SOCKS port');
});
