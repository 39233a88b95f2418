/**
 * Public gateway fetches: the configured gateways in order, then those a delegated router names; a gateway that
 * answers wrong bytes or fails is skipped; every block returned matches its CID. The HTTP transport is a fake
 * here (the router-based one is exercised by the integration tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBlockstore, importFile } from '../content/index.js';
import { createPublicBlockFetcher, type HttpGet } from './public-fetch.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('gateways are tried in order; lying and failing gateways are skipped; routing adds gateways', async () => {
  const store = new MemoryBlockstore();
  const { cid } = await importFile(text('hello public gateways\n'), store);
  const block = await store.get(cid);
  const asked: string[] = [];
  const get: HttpGet = async (url, options) => {
    asked.push(`${options.accept} ${url}`);
    if (url.startsWith('https://liar.example/')) return { status: 200, body: text('not the block') };
    if (url.startsWith('https://down.example/')) throw new Error('connection refused');
    if (url === `https://routing.example/routing/v1/providers/${cid.toString()}`) {
      const body = { Providers: [{ Schema: 'peer', Protocols: ['transport-ipfs-gateway-http'], Addrs: ['/dns4/liar.example/tcp/443/https', '/dns4/good.example/tcp/443/https'] }] };
      return { status: 200, body: text(JSON.stringify(body)) };
    }
    if (url.startsWith('https://good.example/ipfs/')) return { status: 200, body: block };
    return { status: 404, body: new Uint8Array() };
  };
  const fetcher = createPublicBlockFetcher({ gateways: ['https://liar.example', 'https://down.example/', 'https://empty.example'], routingUrl: 'https://routing.example', get });
  const bytes = await fetcher(cid, {});
  assert.deepEqual(bytes, block);
  assert.deepEqual(asked, [
    `application/vnd.ipld.raw https://liar.example/ipfs/${cid.toString()}?format=raw`,
    `application/vnd.ipld.raw https://down.example/ipfs/${cid.toString()}?format=raw`,
    `application/vnd.ipld.raw https://empty.example/ipfs/${cid.toString()}?format=raw`,
    `application/json https://routing.example/routing/v1/providers/${cid.toString()}`,
    // liar.example was tried already; only the new gateway is asked.
    `application/vnd.ipld.raw https://good.example/ipfs/${cid.toString()}?format=raw`,
  ]);
});

test('nobody has it: undefined (the gateway answers 404); an aborted signal rejects', async () => {
  const { cid } = await importFile(text('absent\n'), new MemoryBlockstore());
  const fetcher = createPublicBlockFetcher({ gateways: ['https://a.example'], get: async () => ({ status: 404, body: new Uint8Array() }) });
  assert.equal(await fetcher(cid, {}), undefined);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(fetcher(cid, { signal: controller.signal }), (err: Error & { code?: string }) => err.code === 'VEIL_ABORTED');
});
