import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVeilError } from '../core/index.js';
import { MemoryBlockstore, importFile } from '../content/index.js';
import { startGateway } from '../gateway/index.js';
import { fetchRaw } from '../gateway/gateway-test-client.js';
import {
  DNS_CLASS_IN,
  DNS_RCODE,
  DNS_TYPE,
  FsRecordStore,
  Keystore,
  createNameResolver,
  decodeDnsMessage,
  encodeDnsMessage,
  publishName,
  type DohHttpResponse,
  type DohTransport,
} from './index.js';

const HELLO = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

/** A DoH "server" in memory: answers TXT queries from `zone` (one TXT record per string), counting requests. */
function fakeDoh(zone: Map<string, string[]>, tweak?: (res: DohHttpResponse) => DohHttpResponse): { transport: DohTransport; count: () => number } {
  let n = 0;
  const transport: DohTransport = async (req) => {
    n++;
    assert.equal(req.method, 'GET');
    assert.equal(req.headers['accept'], 'application/dns-message');
    const query = decodeDnsMessage(Buffer.from(new URL(req.url).searchParams.get('dns')!, 'base64url'));
    assert.equal(query.id, 0, 'RFC 8484 §4.1: ID 0');
    const q = query.questions[0]!;
    const txt = zone.get(q.name);
    const body = encodeDnsMessage({
      isResponse: true,
      rcode: txt ? DNS_RCODE.NOERROR : DNS_RCODE.NXDOMAIN,
      questions: [q],
      answers: (txt ?? []).map((t) => ({ name: q.name, type: DNS_TYPE.TXT, class: DNS_CLASS_IN, ttl: 120, txt: [t] })),
    });
    const res: DohHttpResponse = { status: 200, headers: new Map([['content-type', 'application/dns-message']]), body };
    return tweak ? tweak(res) : res;
  };
  return { transport, count: () => n };
}

async function setup(): Promise<{ dir: string; keys: Keystore; records: FsRecordStore; blocks: MemoryBlockstore; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'veil-resolver-'));
  const blocks = new MemoryBlockstore();
  return { dir, keys: new Keystore(dir), records: new FsRecordStore(dir), blocks, close: () => rm(dir, { recursive: true, force: true }) };
}

test('gateway: /ipns/<k51…> after publish serves the content with a TTL-based Cache-Control', async () => {
  const s = await setup();
  try {
    const { cid } = await importFile(Buffer.from('hello world\n'), s.blocks);
    assert.equal(cid.toString(), HELLO);
    const published = await publishName(s.keys, s.records, cid.toString(), { ttlMs: 90_000 });
    const resolver = createNameResolver({ nodeDir: s.dir });
    await using gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, blockstore: s.blocks, hooks: { resolveName: resolver.resolveName } });
    const res = await fetchRaw(`${gw.url}/ipns/${published.name}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello world\n');
    assert.equal(res.headers['cache-control'], 'public, max-age=90');
    const unknown = await fetchRaw(`${gw.url}/ipns/k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.toString(), /VEIL_IPNS_RECORD_NOT_FOUND/);
    const notName = await fetchRaw(`${gw.url}/ipns/not_a_name`);
    assert.match(notName.body.toString(), /VEIL_IPNS_NAME_INVALID/);
    await resolver.close();
  } finally {
    await s.close();
  }
});

test('chains of names are followed with their paths; loops and long chains stop with VEIL_NAME_RECURSION_LIMIT', async () => {
  const s = await setup();
  try {
    await s.keys.generate('a');
    await s.keys.generate('b');
    const b = await publishName(s.keys, s.records, `/ipfs/${HELLO}/docs`, { keyName: 'b', ttlMs: 50_000 });
    const a = await publishName(s.keys, s.records, `/ipns/${b.name}/guide`, { keyName: 'a', ttlMs: 70_000 });
    const resolver = createNameResolver({ nodeDir: s.dir });
    const r = await resolver.resolvePath(`/ipns/${a.name}/page.html`);
    assert.equal(r.cid.toString(), HELLO);
    assert.deepEqual(r.segments, ['docs', 'guide', 'page.html']);
    assert.equal(r.path, `/ipfs/${HELLO}/docs/guide/page.html`);
    assert.equal(r.ttlSeconds, 50, 'the smallest TTL of the chain');
    // b now points back at a: a loop
    await publishName(s.keys, s.records, `/ipns/${a.name}`, { keyName: 'b' });
    await assert.rejects(resolver.resolvePath(`/ipns/${a.name}`), (e: unknown) => isVeilError(e, 'VEIL_NAME_RECURSION_LIMIT'));
    await assert.rejects(resolver.resolveName('uri', 'URI:CHK:x', {}), (e: unknown) => isVeilError(e, 'VEIL_GATEWAY_NOT_WIRED'));
    await resolver.close();
  } finally {
    await s.close();
  }
});

test('DNSLink: _dnslink TXT through DoH, followed into IPNS, cached by TTL', async () => {
  const s = await setup();
  try {
    const p = await publishName(s.keys, s.records, HELLO);
    const zone = new Map([
      ['_dnslink.example.test', ['not-dnslink', `dnslink=/ipns/${p.name}`]],
      ['_dnslink.direct.example.test', [`dnslink=/ipfs/${HELLO}/sub`]],
      ['_dnslink.junk.example.test', ['dnslink=ftp://x', 'dnslink=/ipfs/']],
    ]);
    const doh = fakeDoh(zone);
    const resolver = createNameResolver({ nodeDir: s.dir, dohResolver: 'https://doh.example.test/dns-query', dohTransport: doh.transport });
    const r = await resolver.resolveName('ipns', 'example.test', {});
    assert.equal(r.cid.toString(), HELLO);
    assert.equal(r.ttlSeconds, 120);
    await resolver.resolveName('ipns', 'example.test', {});
    assert.equal(doh.count(), 1, 'second lookup from the cache');
    const d = await resolver.resolveName('ipns', 'direct.example.test', {});
    assert.deepEqual(d.segments, ['sub']);
    await assert.rejects(resolver.resolveName('ipns', 'junk.example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DNSLINK_NOT_FOUND'));
    await assert.rejects(resolver.resolveName('ipns', 'missing.example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DNSLINK_NOT_FOUND'));
    await resolver.close();
    const off = createNameResolver({ nodeDir: s.dir });
    await assert.rejects(off.resolveName('ipns', 'example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DNSLINK_DISABLED'));
    const noRouter = createNameResolver({ nodeDir: s.dir, dohResolver: 'https://doh.example.test/dns-query' });
    await assert.rejects(noRouter.resolveName('ipns', 'example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DNSLINK_DISABLED'));
  } finally {
    await s.close();
  }
});

test('DoH replies that do not answer our question are refused with VEIL_DOH_FAILED', async () => {
  const s = await setup();
  try {
    const zone = new Map([['_dnslink.example.test', [`dnslink=/ipfs/${HELLO}`]]]);
    const cases: Array<[string, (r: DohHttpResponse) => DohHttpResponse]> = [
      ['HTTP 500', (r) => ({ ...r, status: 500 })],
      ['wrong media type', (r) => ({ ...r, headers: new Map([['content-type', 'text/html']]) })],
      ['other question', () => ({ status: 200, headers: new Map([['content-type', 'application/dns-message']]), body: encodeDnsMessage({ isResponse: true, questions: [{ name: 'evil.test', type: DNS_TYPE.TXT, class: DNS_CLASS_IN }], answers: [{ name: 'evil.test', type: DNS_TYPE.TXT, ttl: 5, txt: [`dnslink=/ipfs/${HELLO}`] }] }) })],
      ['not a response', (r) => ({ ...r, body: Uint8Array.from([...r.body.subarray(0, 2), r.body[2]! & 0x7f, ...r.body.subarray(3)]) })],
      ['other message ID', (r) => ({ ...r, body: Uint8Array.from([0x12, 0x34, ...r.body.subarray(2)]) })],
      ['SERVFAIL', (r) => ({ ...r, body: Uint8Array.from([...r.body.subarray(0, 3), (r.body[3]! & 0xf0) | 2, ...r.body.subarray(4)]) })],
    ];
    for (const [what, tweak] of cases) {
      const resolver = createNameResolver({ nodeDir: s.dir, dohResolver: 'https://doh.example.test/dns-query', dohTransport: fakeDoh(zone, tweak).transport });
      await assert.rejects(resolver.resolveName('ipns', 'example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DOH_FAILED'), what);
    }
    const truncated = createNameResolver({ nodeDir: s.dir, dohResolver: 'https://doh.example.test/dns-query', dohTransport: fakeDoh(zone, (r) => ({ ...r, body: r.body.subarray(0, r.body.length - 3) })).transport });
    await assert.rejects(truncated.resolveName('ipns', 'example.test', {}), (e: unknown) => isVeilError(e, 'VEIL_DNS_MESSAGE_INVALID'));
  } finally {
    await s.close();
  }
});
