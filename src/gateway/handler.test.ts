import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { CarBlockIterator } from '@ipld/car/iterator';
import { isVeilError } from '../core/index.js';
import { MemoryBlockstore, importDirectory, importFile, importCar, type CID } from '../content/index.js';
import { startGateway, type Gateway } from './server.js';
import { fetchRaw } from './gateway-test-client.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const store = new MemoryBlockstore();
let gw: Gateway;
let site: CID;
let docs: CID;
let hello: CID;
const big = Buffer.alloc(700_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;

before(async () => {
  hello = (await importFile(text('hello world\n'), store)).cid;
  site = (
    await importDirectory(
      [
        { path: 'index.html', content: text('<!doctype html><h1>home</h1>') },
        { path: 'about.html', content: text('<p>about</p>') },
      ],
      store,
    )
  ).cid;
  docs = (
    await importDirectory(
      [
        { path: 'big.bin', content: big },
        { path: 'hello.txt', content: text('hello world\n') },
        { path: 'odd <name>&"x".txt', content: text('escaped') },
        { path: 'sub' },
        { path: 'sub/inner.json', content: text('{"a":1}') },
      ],
      store,
    )
  ).cid;
  gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, blockstore: store });
});

after(async () => {
  await gw.close();
  await gw.close(); // idempotent
});

const url = (path: string): string => gw.url + path;

test('serves a file with Kubo-style headers; HEAD has the same headers and no body', async () => {
  const res = await fetchRaw(url(`/ipfs/${hello}`));
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'hello world\n');
  assert.equal(res.headers['etag'], `"${hello}"`);
  assert.equal(res.headers['cache-control'], 'public, max-age=29030400, immutable');
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['content-length'], '12');
  assert.equal(res.headers['accept-ranges'], 'bytes');
  assert.equal(res.headers['x-ipfs-path'], `/ipfs/${hello}`);
  const head = await fetchRaw(url(`/ipfs/${hello}`), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], '12');
  assert.equal(head.headers['etag'], res.headers['etag']);
});

test('If-None-Match gives 304 without a body', async () => {
  const res = await fetchRaw(url(`/ipfs/${hello}`), { headers: { 'If-None-Match': `W/"x", "${hello}"` } });
  assert.equal(res.status, 304);
  assert.equal(res.body.length, 0);
  assert.equal(res.headers['etag'], `"${hello}"`);
});

test('Range: 206 with Content-Range across chunk boundaries, suffix ranges, 416 when unsatisfiable', async () => {
  const path = url(`/ipfs/${docs}/big.bin`);
  const res = await fetchRaw(path, { headers: { Range: 'bytes=262140-262150' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers['content-range'], `bytes 262140-262150/${big.length}`);
  assert.deepEqual(res.body, big.subarray(262140, 262151));
  const tail = await fetchRaw(path, { headers: { Range: 'bytes=-5' } });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, big.subarray(big.length - 5));
  const bad = await fetchRaw(path, { headers: { Range: `bytes=${big.length}-` } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers['content-range'], `bytes */${big.length}`);
  const full = await fetchRaw(path);
  assert.equal(full.status, 200);
  assert.deepEqual(full.body, big);
  assert.equal(full.headers['content-type'], 'application/octet-stream');
});

test('directories: 301 to the trailing slash, index.html served, otherwise an escaped listing', async () => {
  const redirect = await fetchRaw(url(`/ipfs/${site}?x=1`));
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers['location'], `/ipfs/${site}/?x=1`);
  const index = await fetchRaw(url(`/ipfs/${site}/`));
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(index.body.toString(), /<h1>home<\/h1>/);
  const listing = await fetchRaw(url(`/ipfs/${docs}/`));
  assert.equal(listing.status, 200);
  assert.equal(listing.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(String(listing.headers['etag']), /^"DirIndex-.+_CID-/);
  const html = listing.body.toString();
  assert.match(html, /href="\.\/hello\.txt"/);
  assert.match(html, /odd &#60;name&#62;&#38;&#34;x&#34;\.txt/);
  assert.ok(!html.includes('<name>'), 'names are escaped');
  const nested = await fetchRaw(url(`/ipfs/${docs}/sub/inner.json`));
  assert.equal(nested.status, 200);
  assert.equal(nested.headers['content-type'], 'application/json');
  assert.equal(String(nested.headers['x-ipfs-roots']).split(',').length, 3);
});

test('errors: 400 malformed CID, 404 missing path/block, 400 traversal, 405 method, 501 ipns/uri', async () => {
  const cases: Array<[string, number, string?]> = [
    ['/ipfs/not-a-cid', 400, 'VEIL_CONTENT_CID_INVALID'],
    [`/ipfs/${docs}/nope.txt`, 404, 'VEIL_CONTENT_PATH_NOT_FOUND'],
    ['/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e', 404, 'VEIL_CONTENT_BLOCK_NOT_FOUND'],
    [`/ipfs/${docs}/../${hello}`, 400, 'VEIL_GATEWAY_PATH_INVALID'],
    [`/ipfs/${docs}/%2e%2e/x`, 400, 'VEIL_GATEWAY_PATH_INVALID'],
    [`/ipfs/${docs}/sub%2Finner.json`, 400, 'VEIL_GATEWAY_PATH_INVALID'],
    [`/ipfs/${docs}/hello.txt/more`, 404, 'VEIL_CONTENT_PATH_NOT_FOUND'],
    ['/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8', 501, 'VEIL_GATEWAY_NOT_WIRED'],
    ['/uri/URI:CHK:abc', 501, 'VEIL_GATEWAY_NOT_WIRED'],
    ['/', 404],
    [`/ipfs/${hello}?format=bogus`, 400, 'VEIL_GATEWAY_PATH_INVALID'],
  ];
  for (const [path, status, code] of cases) {
    const res = await fetchRaw(url(path));
    assert.equal(res.status, status, path);
    if (code) assert.match(res.body.toString(), new RegExp(code), path);
  }
  const post = await fetchRaw(url(`/ipfs/${hello}`), { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers['allow'], 'GET, HEAD');
});

test('trustless: ?format=raw and Accept raw give the verifiable block; ?format=car a CAR that re-imports', async () => {
  const raw = await fetchRaw(url(`/ipfs/${hello}?format=raw`));
  assert.equal(raw.status, 200);
  assert.equal(raw.headers['content-type'], 'application/vnd.ipld.raw');
  assert.equal(raw.headers['etag'], `"${hello}.raw"`);
  assert.equal(raw.headers['x-content-type-options'], 'nosniff');
  assert.deepEqual(Buffer.from(await store.get(hello)), raw.body);
  const viaAccept = await fetchRaw(url(`/ipfs/${hello}`), { headers: { Accept: 'application/vnd.ipld.raw' } });
  assert.deepEqual(viaAccept.body, raw.body);
  assert.equal(viaAccept.headers['content-location'], `/ipfs/${hello}?format=raw`);
  const car = await fetchRaw(url(`/ipfs/${docs}/sub?format=car`));
  assert.equal(car.status, 200);
  assert.match(String(car.headers['content-type']), /^application\/vnd\.ipld\.car; version=1/);
  assert.match(String(car.headers['content-disposition']), /attachment; filename=".+\.car"/);
  const reader = await CarBlockIterator.fromBytes(car.body);
  assert.equal(reader.version, 1);
  const copy = new MemoryBlockstore();
  const imported = await importCar([car.body], copy);
  assert.ok(imported.blocks >= 3, 'path block + sub dir + inner.json');
  const block = await fetchRaw(url(`/ipfs/${docs}?format=car&dag-scope=block`), { headers: { Accept: 'application/vnd.ipld.car' } });
  let count = 0;
  for await (const _ of await CarBlockIterator.fromBytes(block.body)) count++;
  assert.equal(count, 1);
  const rawWithPath = await fetchRaw(url(`/ipfs/${docs}/hello.txt?format=raw`));
  assert.equal(rawWithPath.status, 400);
});

test('hooks: resolveName serves /ipns/ and fetchMissingBlock fills gaps (verified)', async () => {
  const local = new MemoryBlockstore();
  const fetched: string[] = [];
  const gw2 = await startGateway({
    listen: { host: '127.0.0.1', port: 0 },
    blockstore: local,
    hooks: {
      resolveName: async (ns, name) => {
        if (name !== 'good') throw new (await import('../core/index.js')).VeilError('VEIL_CONTENT_PATH_NOT_FOUND', 'no such name');
        return { cid: docs, ttlSeconds: 60 };
      },
      fetchMissingBlock: async (cid) => {
        fetched.push(cid.toString());
        return cid.equals(hello) ? text('tampered') : store.get(cid);
      },
    },
  });
  try {
    const res = await fetchRaw(`${gw2.url}/ipns/good/sub/inner.json`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), '{"a":1}');
    assert.equal(res.headers['cache-control'], 'public, max-age=60');
    assert.ok(fetched.length >= 3);
    assert.equal((await fetchRaw(`${gw2.url}/ipns/bad`)).status, 404);
    const lie = await fetchRaw(`${gw2.url}/ipfs/${hello}`);
    assert.equal(lie.status, 502, 'a block that fails verification is a bad gateway, not content');
    assert.equal(await local.has(hello), false);
  } finally {
    await gw2.close();
  }
});

test('startGateway: a busy port gives VEIL_GATEWAY_LISTEN_FAILED', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as import('node:net').AddressInfo).port;
  try {
    await assert.rejects(startGateway({ listen: { host: '127.0.0.1', port }, blockstore: store }), (e) => isVeilError(e, 'VEIL_GATEWAY_LISTEN_FAILED'));
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});
