/**
 * The storage server behind the peer stream server (HTTPS with a pinned key) and the storage client, over
 * loopback TCP opened by this test: put/get, trustless gateway, refusals (pin, swissnum, CID mismatch, reserved
 * space, size) that store nothing, and upload/download with replication and a tampered block.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { get as httpGet } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { isVeilError } from '../core/index.js';
import { createPeerStreamServer, createPinnedAgent, startPinnedTls, type HttpListener, type PeerStreamServer, type StreamOpener } from '../net/index.js';
import { FsBlockstore, MemoryBlockstore, cidFor, CODEC, importFile, type CID } from '../content/index.js';
import { generateTlsIdentity } from './tls-identity.js';
import { newSwissnum, type ServiceAddress } from './service-address.js';
import { createStorageHandler } from './storage-server.js';
import { StorageClient } from './storage-client.js';
import { downloadCapability, uploadFile } from './transfer.js';
import { parseCapability } from './convergent.js';
import { LeaseStore } from './lease-store.js';
import { leaseSecretsFor } from './lease-secrets.js';
import { capabilityBlocks, walkLeases } from './lease-walk.js';
import { gridBlockGetter } from './transfer.js';
import { LEASE_CANCEL_HEADER, LEASE_RENEW_HEADER, STORAGE_PATH_PREFIX } from './storage-server.js';
import { base32Encode } from '../core/index.js';
import { loopbackOpener } from '../net/test-helpers.js';

interface TestServer {
  leases: LeaseStore;
  server: PeerStreamServer;
  listener: HttpListener;
  store: FsBlockstore;
  address: ServiceAddress;
  port: number;
  free: { bytes: number };
  /** "METHOD path" of every request the server answered over TLS, swissnum removed. */
  requests: string[];
}

let root: string;
const servers: TestServer[] = [];
const clients: StorageClient[] = [];

async function startServer(name: string, connectionMaxBytes?: number): Promise<TestServer> {
  const id = generateTlsIdentity();
  const store = await FsBlockstore.open(join(root, name));
  const leases = await LeaseStore.open(join(root, `${name}-leases`));
  const swissnum = newSwissnum();
  const free = { bytes: 1e12 };
  const requests: string[] = [];
  const storage = createStorageHandler({ blockstore: store, leases, connectionMaxBytes, swissnum, version: 'test', reservedSpaceBytes: 1_000_000, freeBytes: async () => free.bytes, maxRequestBytes: 300_000 });
  const server = createPeerStreamServer({
    keyPem: id.keyPem,
    certPem: id.certPem,
    tlsHandler: (req, res) => {
      requests.push(`${req.method} ${(req.url ?? '').replace(swissnum, 'SWISSNUM')}`);
      if (!storage(req, res)) res.writeHead(404).end();
    },
    plainHandler: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"nickname":"plain"}'),
  });
  const listener = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0 });
  const port = listener.target.kind === 'tcp' ? listener.target.port : 0;
  const t = { leases, server, listener, store, free, port, requests, address: { keyHash: id.keyHash, hints: [{ kind: 'tcp' as const, host: '127.0.0.1', port }], swissnum } };
  servers.push(t);
  return t;
}

const loopback = loopbackOpener;

function clientFor(t: TestServer, address: Partial<ServiceAddress> = {}): StorageClient {
  const c = new StorageClient({ ...t.address, ...address }, { open: loopback(t.port), requestTimeoutMs: 10_000 });
  clients.push(c);
  return c;
}

async function count(store: FsBlockstore): Promise<number> {
  let n = 0;
  for await (const _ of store.list()) n++;
  return n;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'veil-storage-'));
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of servers) await s.listener.close();
  await Promise.all(servers.map((s) => s.server.close()));
  rmSync(root, { recursive: true, force: true });
});

describe('storage server over pinned HTTPS', () => {
  it('stores a verified block and serves it raw, by HEAD, and as a trustless gateway (raw and CAR)', async () => {
    const t = await startServer('a');
    const c = clientFor(t);
    const bytes = randomBytes(1000);
    const cid = cidFor(bytes, CODEC.raw);
    assert.equal(await c.has(cid), false);
    await c.put(cid, bytes);
    await c.put(cid, bytes); // idempotent
    assert.equal(await c.has(cid), true);
    assert.deepEqual(Buffer.from((await c.get(cid))!), bytes);
    assert.equal(await c.get(cidFor(randomBytes(10), CODEC.raw)), undefined);

    // The trustless gateway paths, with a plain pinned-TLS undici agent.
    const agent = new Agent({ connect: (_o, cb) => void loopback(t.port)('', 0, {}).then((s) => startPinnedTls(s, t.address.keyHash)).then((s) => cb(null, s as never), (e: Error) => cb(e, null)) });
    try {
      const base = `https://veil-peer/veil/v1/storage/${t.address.swissnum}/ipfs/${cid}`;
      const raw = await request(`${base}?format=raw`, { dispatcher: agent });
      assert.equal(raw.statusCode, 200);
      assert.equal(raw.headers['content-type'], 'application/vnd.ipld.raw');
      assert.deepEqual(Buffer.from(await raw.body.arrayBuffer()), bytes);
      const car = await request(`${base}?format=car`, { dispatcher: agent });
      assert.equal(car.statusCode, 200);
      assert.match(String(car.headers['content-type']), /^application\/vnd\.ipld\.car/);
      const carBytes = Buffer.from(await car.body.arrayBuffer());
      assert.ok(carBytes.includes(bytes), 'the CAR holds the block');
      const none = await request(base, { dispatcher: agent });
      assert.equal(none.statusCode, 406);
      await none.body.dump();
    } finally {
      await agent.close();
    }
  });

  it('answers plain HTTP on the same port (identity only)', async () => {
    const t = servers[0]!;
    const body = await new Promise<string>((resolve, reject) =>
      httpGet({ host: '127.0.0.1', port: t.port, path: '/veil/v1/node' }, (res) => {
        let s = '';
        res.setEncoding('utf8').on('data', (c: string) => (s += c)).on('end', () => resolve(s));
      }).on('error', reject),
    );
    assert.equal(JSON.parse(body).nickname, 'plain');
  });

  it('refuses a pinned-key mismatch before sending anything, and a wrong swissnum; nothing is stored', async () => {
    const t = await startServer('refusals');
    const bytes = randomBytes(500);
    const cid = cidFor(bytes, CODEC.raw);
    const wrongKey = clientFor(t, { keyHash: generateTlsIdentity().keyHash });
    await assert.rejects(wrongKey.put(cid, bytes), (e) => isVeilError(e, 'VEIL_PEER_KEY_MISMATCH'));
    const wrongSwiss = clientFor(t, { swissnum: newSwissnum() });
    await assert.rejects(wrongSwiss.put(cid, bytes), (e) => isVeilError(e, 'VEIL_GRID_UNAUTHORIZED'));
    await assert.rejects(wrongSwiss.get(cid), (e) => isVeilError(e, 'VEIL_GRID_UNAUTHORIZED'));
    assert.equal(await count(t.store), 0);
  });

  it('refuses a block that does not match its CID, an oversized block and writes into the reserved space', async () => {
    const t = servers.find((s) => s.store.directory.endsWith('refusals'))!;
    const c = clientFor(t);
    const bytes = randomBytes(500);
    const lie = cidFor(randomBytes(500), CODEC.raw);
    await assert.rejects(c.put(lie, bytes), (e) => isVeilError(e, 'VEIL_GRID_SERVER_REFUSED') && e.details['status'] === 422 && e.details['serverCode'] === 'VEIL_CONTENT_BLOCK_MISMATCH');
    const big = randomBytes(400_000);
    await assert.rejects(c.put(cidFor(big, CODEC.raw), big), (e) => isVeilError(e, 'VEIL_GRID_SERVER_REFUSED') && e.details['status'] === 413);
    t.free.bytes = 1_000_100; // reserved_space is 1 000 000
    await assert.rejects(c.put(cidFor(bytes, CODEC.raw), bytes), (e) => isVeilError(e, 'VEIL_GRID_SERVER_REFUSED') && e.details['status'] === 507);
    t.free.bytes = 1e12;
    assert.equal(await count(t.store), 0);
    await c.put(cidFor(bytes, CODEC.raw), bytes);
    assert.equal(await count(t.store), 1);
  });
});

describe('upload and download', () => {
  let file: string;
  let plain: Buffer;
  before(() => {
    plain = randomBytes(1_500_000);
    file = join(root, 'file.bin');
    writeFileSync(file, plain);
  });

  it('private: convergent, replicated to every server, read back byte-identical; a tampered copy is skipped', async () => {
    const a = await startServer('up-a');
    const b = await startServer('up-b');
    const secret = randomBytes(32);
    const cs = [clientFor(a), clientFor(b)];
    const r = await uploadFile(file, cs, { sharesHappy: 2, sharesTotal: 10, isPublic: false, convergenceSecret: secret });
    assert.equal(r.servers, 2);
    assert.match(r.capability, /^veil:chk:/);
    assert.equal(await count(a.store), r.blocks);
    assert.equal(await count(b.store), r.blocks);
    // Servers see only ciphertext.
    for await (const cid of a.store.list()) assert.ok(!plain.includes(Buffer.from(await a.store.get(cid)).subarray(0, 64)));
    // Same file, same secret: the same capability (convergence).
    const again = await uploadFile(file, cs, { sharesHappy: 2, sharesTotal: 10, isPublic: false, convergenceSecret: secret });
    assert.equal(again.capability, r.capability);

    // Tamper with a block on server a (behind FsBlockstore's back): the download takes b's copy.
    const victim: CID = (await (async () => { for await (const cid of a.store.list()) if (cid.code === CODEC.raw) return cid; throw new Error('no leaf'); })());
    const key = victim.toString();
    writeFileSync(join(a.store.directory, key.slice(-3, -1), `${key}.data`), randomBytes(10));
    const back = await collect(downloadCapability(parseCapability(r.capability), cs));
    assert.ok(back.equals(plain), 'byte-identical');
  });

  it('a download is one stream of the file\'s blocks (one CAR response), not a request per block', async () => {
    const t = await startServer('one-stream');
    const c = clientFor(t);
    const r = await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32) });
    assert.ok(r.blocks >= 6, `the file should span several blocks (${r.blocks})`);
    t.requests.length = 0;
    assert.ok((await collect(downloadCapability(parseCapability(r.capability), [c]))).equals(plain), 'byte-identical');
    assert.deepEqual(t.requests, [`GET ${STORAGE_PATH_PREFIX}SWISSNUM/ipfs/${parseCapability(r.capability).cid.toString()}?format=car`]);
  });

  it('an upload and a download reuse kept-alive connections: a few streams, not one per block (each is a Tor or I2P stream)', async () => {
    const t = await startServer('reuse');
    let opens = 0;
    const open = loopback(t.port);
    const counting: StreamOpener = async (host, port, options) => {
      opens++;
      return open(host, port, options);
    };
    const c = new StorageClient(t.address, { open: counting, requestTimeoutMs: 10_000 });
    clients.push(c);
    const r = await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32) });
    assert.ok(r.blocks >= 6, `the file should span several blocks (${r.blocks})`);
    // One connection for the first HEAD (undici closes after a HEAD), then at most the client's pool.
    assert.ok(opens <= 1 + 4, `${opens} streams opened for ${r.blocks} blocks`);
    const before = opens;
    assert.ok((await collect(downloadCapability(parseCapability(r.capability), [c]))).equals(plain));
    assert.ok(opens - before <= 4, `${opens - before} more streams for the download`);
  });

  for (const [what, peer] of [
    ['closes', (s: Socket) => void s.end()], // like the SAM bridge's stream to a destination not ready yet (RESULT=OK, then EOF)
    ['answers something other than TLS', (s: Socket) => void s.end('HTTP/1.1 400 Bad Request\r\n\r\n')],
  ] as const) {
    it(`a stream that ${what} before the TLS handshake is retried on a new one`, async () => {
      const t = await startServer(`early-${what.split(' ')[0]}`);
      const broken = new Set<Socket>();
      const bad = createServer((s) => {
        broken.add(s);
        s.on('error', () => undefined);
        peer(s);
      });
      await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
      let opens = 0;
      const flaky: StreamOpener = async (host, port, options) => {
        opens++;
        return loopback(opens === 1 ? (bad.address() as AddressInfo).port : t.port)(host, port, options);
      };
      const c = new StorageClient(t.address, { open: flaky, requestTimeoutMs: 10_000 });
      clients.push(c);
      try {
        assert.equal(await c.has(cidFor(new Uint8Array([1]), CODEC.raw)), false);
        assert.equal(opens, 2);
      } finally {
        for (const s of broken) s.destroy();
        await new Promise<void>((resolve) => bad.close(() => resolve()));
      }
    });
  }

  it('a stream whose TLS handshake stalls is given up after handshakeTimeoutMs and retried on a new one', async () => {
    const t = await startServer('stalled');
    const silent = new Set<Socket>();
    const mute = createServer((s) => void silent.add(s)); // accepts, never answers
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    let opens = 0;
    const agent = createPinnedAgent({
      keyHash: t.address.keyHash,
      handshakeTimeoutMs: 300,
      open: async (host, port, options) => {
        opens++;
        return loopback(opens === 1 ? (mute.address() as AddressInfo).port : t.port)(host, port, options);
      },
    });
    try {
      const res = await request('https://veil-peer/nothing-here', { dispatcher: agent });
      assert.equal(res.statusCode, 404, 'the real server answered, over the second stream');
      await res.body.text();
      assert.equal(opens, 2);
    } finally {
      await agent.close();
      for (const s of silent) s.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('a connection that goes silent mid-response is given up after stallTimeoutMs (VEIL_HTTP_STALLED); the next request gets a new one', async () => {
    const t = await startServer('goes-silent');
    const bytes = randomBytes(200_000);
    const cid = cidFor(bytes, CODEC.raw);
    await clientFor(t).put(cid, bytes);
    // A relay that stops delivering the server's bytes after the first 60 kB of the first connection, like a Tor
    // circuit that stops delivering cells while the stream stays open.
    let connections = 0;
    const pairs = new Set<Socket>();
    const relay = createServer((inbound) => {
      const isFirst = ++connections === 1;
      let delivered = 0;
      const outbound = connect(t.port, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        pairs.add(s);
        s.on('error', () => undefined);
        s.on('close', () => (inbound.destroy(), outbound.destroy()));
      }
      inbound.pipe(outbound);
      outbound.on('data', (chunk: Buffer) => {
        const room = isFirst ? Math.max(0, 60_000 - delivered) : chunk.length;
        delivered += Math.min(room, chunk.length);
        if (room > 0) inbound.write(chunk.subarray(0, room));
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const c = new StorageClient(t.address, { open: loopback((relay.address() as AddressInfo).port), requestTimeoutMs: 60_000, stallTimeoutMs: 300 });
    clients.push(c);
    try {
      // Without the stall timeout this would wait for the 60 s request deadline and fail with VEIL_TIMEOUT.
      await assert.rejects(c.get(cid), (e) => isVeilError(e, 'VEIL_HTTP_STALLED') && e.category === 'network' && /response stopped/.test(e.message));
      assert.deepEqual(Buffer.from((await c.get(cid))!), bytes, 'the block comes over a new connection');
      assert.equal(connections, 2, 'the silent connection was dropped, not reused');
    } finally {
      for (const s of pairs) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('public: Kubo default CIDs; fails with VEIL_GRID_NOT_HAPPY when fewer servers than happy hold a copy', async () => {
    const a = servers.find((s) => s.store.directory.endsWith('up-a'))!;
    const expected = await importFile(file, new MemoryBlockstore());
    const pinnedWrong = clientFor(a, { keyHash: generateTlsIdentity().keyHash });
    const ok = clientFor(a);
    await assert.rejects(uploadFile(file, [ok, pinnedWrong], { sharesHappy: 2, sharesTotal: 2, isPublic: true }), (e) => isVeilError(e, 'VEIL_GRID_NOT_HAPPY'));
    await assert.rejects(uploadFile(file, [ok], { sharesHappy: 2, sharesTotal: 2, isPublic: true }), (e) => isVeilError(e, 'VEIL_GRID_NO_SERVERS'));
    const r = await uploadFile(file, [ok], { sharesHappy: 1, sharesTotal: 1, isPublic: true });
    assert.ok(r.cid.equals(expected.cid));
    assert.equal(r.capability, expected.cid.toString());
    assert.ok((await collect(downloadCapability(parseCapability(r.capability), [pinnedWrong, ok]))).equals(plain));
  });
});

/** A pinned-TLS undici agent with ONE connection, to see per-connection behaviour. */
function singleConnectionAgent(t: TestServer): Agent {
  return new Agent({ connections: 1, connect: (_o, cb) => void loopback(t.port)('', 0, {}).then((s) => startPinnedTls(s, t.address.keyHash)).then((s) => cb(null, s as never), (e: Error) => cb(e, null)) });
}

describe('leases over pinned HTTPS', () => {
  it('an upload stores a lease per block; renew, cancel and the block deleted with its last lease', async () => {
    const t = await startServer('lease-a');
    const c = clientFor(t);
    const leaseSecret = randomBytes(32);
    const file = join(root, 'lease-file.bin');
    writeFileSync(file, randomBytes(700_000));
    const r = await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32), leaseSecret });
    // The same file again: the server holds it, so every block gets its lease by POST and no block is re-sent.
    let puts = 0;
    const realPut = c.put.bind(c);
    c.put = async (...args) => {
      puts++;
      return realPut(...args);
    };
    const again = await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: randomBytes(32), leaseSecret });
    assert.notEqual(again.capability, r.capability, 'another convergence secret: other blocks');
    const puts1 = puts;
    await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: Buffer.alloc(32, 7), leaseSecret });
    const puts2 = puts;
    await uploadFile(file, [c], { sharesHappy: 1, sharesTotal: 1, isPublic: false, convergenceSecret: Buffer.alloc(32, 7), leaseSecret });
    assert.equal(puts1, again.blocks);
    assert.equal(puts2 - puts1, again.blocks, 'a new file: every block sent');
    assert.equal(puts - puts2, 0, 'a file the server holds: leases only');
    c.put = realPut;
    const cids = await capabilityBlocks(parseCapability(r.capability), gridBlockGetter([c]));
    assert.equal(cids.length, r.blocks);
    for (const cid of cids) assert.equal((await t.leases.read(cid)).length, 1, 'one lease per stored block');

    const secretsFor = leaseSecretsFor(leaseSecret, t.address.keyHash, r.cid);
    const first = cids.find((cid) => cid.code === CODEC.raw); // a leaf: the walks below still find it
    await c.renewLease(first!, secretsFor(first!).renew);
    await assert.rejects(c.renewLease(first!, randomBytes(32)), (e) => isVeilError(e, 'VEIL_GRID_LEASE_NOT_FOUND'));
    await assert.rejects(c.cancelLease(first!, randomBytes(32)), (e) => isVeilError(e, 'VEIL_GRID_LEASE_NOT_FOUND'));
    // Another client's lease on the same block keeps it alive after ours is cancelled.
    const other = { renew: randomBytes(32), cancel: randomBytes(32) };
    const expires = await c.addLease(first!, other);
    assert.ok(expires.getTime() > Date.now() + 30 * 86_400_000);
    await c.cancelLease(first!, secretsFor(first!).cancel);
    assert.equal(await c.has(first!), true);
    await c.cancelLease(first!, other.cancel);
    assert.equal(await c.has(first!), false, 'no lease left: the block is deleted');
    await assert.rejects(c.addLease(first!, other), (e) => isVeilError(e, 'VEIL_GRID_LEASE_NOT_FOUND'), 'no lease on a block the server lacks');

    // walkLeases: renew re-adds where missing (block present), cancel removes every block.
    const renewed = await walkLeases('renew', parseCapability(r.capability), [c], gridBlockGetter([c]), leaseSecret);
    assert.deepEqual(renewed.servers[c.name], { done: cids.length - 1, missing: 1 });
    const cancelled = await walkLeases('cancel', parseCapability(r.capability), [c], gridBlockGetter([c]), leaseSecret);
    assert.deepEqual(cancelled.servers[c.name], { done: cids.length - 1, missing: 1 });
    for (const cid of cids) assert.equal(await t.store.has(cid), false, 'every block went with its last lease');
    assert.equal(await count(t.store), 2 * again.blocks, 'the other uploads\' blocks stay');
  });

  it('refuses malformed or half lease headers with 400 and stores nothing', async () => {
    const t = await startServer('lease-bad');
    const agent = singleConnectionAgent(t);
    try {
      const bytes = randomBytes(100);
      const url = `https://veil-peer/veil/v1/storage/${t.address.swissnum}/blocks/${cidFor(bytes, CODEC.raw)}`;
      for (const headers of [{ [LEASE_RENEW_HEADER]: base32Encode(randomBytes(32)) }, { [LEASE_RENEW_HEADER]: 'x', [LEASE_CANCEL_HEADER]: 'y' }]) {
        const res = await request(url, { dispatcher: agent, method: 'PUT', body: bytes, headers });
        assert.equal(res.statusCode, 400);
        assert.equal(((await res.body.json()) as { code: string }).code, 'VEIL_INPUT_INVALID');
      }
      assert.equal(await count(t.store), 0);
    } finally {
      await agent.close();
    }
  });
});

describe('per-connection byte budget', () => {
  it('past connection.max_bytes a PUT gets 429 VEIL_GRID_CONNECTION_BUDGET, nothing stored, the connection closed', async () => {
    const t = await startServer('budget', 250_000);
    const agent = singleConnectionAgent(t);
    const blocks = [randomBytes(100_000), randomBytes(100_000), randomBytes(100_000)];
    const put = (bytes: Buffer) => request(`https://veil-peer/veil/v1/storage/${t.address.swissnum}/blocks/${cidFor(bytes, CODEC.raw)}`, { dispatcher: agent, method: 'PUT', body: bytes });
    try {
      for (const bytes of blocks.slice(0, 2)) {
        const ok = await put(bytes);
        await ok.body.dump();
        assert.equal(ok.statusCode, 201);
      }
      const refused = await put(blocks[2]!);
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['connection'], 'close');
      assert.equal(((await refused.body.json()) as { code: string }).code, 'VEIL_GRID_CONNECTION_BUDGET');
      assert.equal(await count(t.store), 2, 'the refused block is not stored');
      // The storage client, one request at a time on one connection, hits the budget on the third block and
      // retries once on a new connection (a new budget).
      const c = clientFor(t);
      for (const bytes of blocks) await c.put(cidFor(bytes, CODEC.raw), bytes);
      assert.equal(await count(t.store), 3);
    } finally {
      await agent.close();
    }
  });
});

describe('storage routes', () => {
  it('a route from another file gets its first path segment and the rest; unknown kinds get 404; a wrong swissnum never reaches it', async () => {
    const id = generateTlsIdentity();
    const swissnum = newSwissnum();
    const seen: string[] = [];
    const storage = createStorageHandler({
      blockstore: new MemoryBlockstore(),
      swissnum,
      version: 'test',
      reservedSpaceBytes: 0,
      freeBytes: async () => 1e12,
      routes: {
        ipns: async (req, res, rest) => {
          seen.push(`${req.method} ${rest}`);
          res.writeHead(200, { 'content-length': 2 }).end('ok');
        },
      },
    });
    const server = createPeerStreamServer({ keyPem: id.keyPem, certPem: id.certPem, tlsHandler: (req, res) => void (storage(req, res) || res.writeHead(404).end()), plainHandler: (_q, res) => res.writeHead(404).end() });
    const listener = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    const port = listener.target.kind === 'tcp' ? listener.target.port : 0;
    const t = { port, address: { keyHash: id.keyHash, hints: [], swissnum } } as unknown as TestServer;
    const agent = singleConnectionAgent(t);
    try {
      const get = async (path: string, swiss = swissnum): Promise<number> => {
        const res = await request(`https://veil-peer/veil/v1/storage/${swiss}/${path}`, { dispatcher: agent });
        await res.body.dump();
        return res.statusCode;
      };
      assert.equal(await get('ipns/k51abc/extra'), 200);
      assert.equal(await get('ipns/'), 200);
      assert.equal(await get('nothing/here'), 404);
      assert.equal(await get('ipns/k51abc', newSwissnum()), 403);
      assert.deepEqual(seen, ['GET k51abc/extra', 'GET ']);
    } finally {
      await agent.close();
      await listener.close();
      await server.close();
    }
  });
});
