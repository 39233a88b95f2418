/**
 * The delegated routing answer parser (untrusted JSON from a routing server): spec-shaped examples, the filters
 * (gateway protocol only, https only except loopback http, bounded), and property tests: any bytes give a list or
 * VEIL_ROUTING_RESPONSE_INVALID, never another error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isVeilError } from '../core/index.js';
import { gatewayUrlOfMultiaddr, parseProvidersResponse } from './delegated-routing.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

test('providers announcing transport-ipfs-gateway-http give https base URLs, in order, deduplicated, bounded', () => {
  const body = enc({
    Providers: [
      { Schema: 'peer', ID: '12D3KooWA', Addrs: ['/ip4/203.0.113.5/tcp/4001', '/dns4/gw.example/tcp/443/https'], Protocols: ['transport-bitswap', 'transport-ipfs-gateway-http'] },
      { Schema: 'peer', ID: '12D3KooWB', Addrs: ['/dns/other.example/tcp/8443/tls/http'], Protocols: ['transport-ipfs-gateway-http'] },
      { Schema: 'peer', ID: '12D3KooWC', Addrs: ['/dns4/bitswap-only.example/tcp/443/https'], Protocols: ['transport-bitswap'] },
      { Schema: 'bitswap', Protocol: 'transport-ipfs-gateway-http', Addrs: ['/dns4/gw.example/tcp/443/https', '/ip6/2001:db8::1/tcp/443/https'] },
    ],
  });
  assert.deepEqual(parseProvidersResponse(body, 10), ['https://gw.example/', 'https://other.example:8443/', 'https://[2001:db8::1]/']);
  assert.deepEqual(parseProvidersResponse(body, 1), ['https://gw.example/']);
  assert.deepEqual(parseProvidersResponse(enc({ Providers: null }), 5), []);
});

test('multiaddrs: plain http only on loopback; other shapes are skipped', () => {
  assert.equal(gatewayUrlOfMultiaddr('/ip4/127.0.0.1/tcp/8080/http'), 'http://127.0.0.1:8080/');
  assert.equal(gatewayUrlOfMultiaddr('/ip4/198.51.100.7/tcp/80/http'), undefined);
  assert.equal(gatewayUrlOfMultiaddr('/dns4/gw.example/tcp/443/tls/sni/gw.example/http'), 'https://gw.example/');
  for (const bad of ['/dns4/gw.example/udp/443/quic', '/dns4/gw.example/tcp/0/https', '/dns4/gw.example/tcp/70000/https', '/dns4/a@b/tcp/443/https', 'dns4/x/tcp/443/https', '/p2p/12D3KooW']) {
    assert.equal(gatewayUrlOfMultiaddr(bad), undefined, bad);
  }
});

test('not JSON, not an object, Providers not an array: VEIL_ROUTING_RESPONSE_INVALID', () => {
  for (const body of [new Uint8Array([0xff, 0xfe]), enc([1]), enc('x'), enc({ Providers: 3 }), new TextEncoder().encode('{"Providers":[')]) {
    assert.throws(() => parseProvidersResponse(body, 5), (err: unknown) => isVeilError(err, 'VEIL_ROUTING_RESPONSE_INVALID'));
  }
});

test('property: random bytes and random JSON yield a bounded list of URLs or VEIL_ROUTING_RESPONSE_INVALID', () => {
  const check = (body: Uint8Array): void => {
    try {
      const urls = parseProvidersResponse(body, 5);
      assert.ok(urls.length <= 5);
      for (const u of urls) assert.match(u, /^https?:\/\//);
    } catch (err) {
      assert.ok(isVeilError(err, 'VEIL_ROUTING_RESPONSE_INVALID'), String(err));
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 300 });
  const addr = fc.oneof(fc.string(), fc.constantFrom('/dns4/a.example/tcp/443/https', '/ip4/127.0.0.1/tcp/1/http', '/ip6/::1/tcp/2/http'));
  const provider = fc.record({ Schema: fc.string(), Protocols: fc.array(fc.oneof(fc.constant('transport-ipfs-gateway-http'), fc.string())), Addrs: fc.array(fc.oneof(addr, fc.integer())) });
  fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.record({ Providers: fc.array(fc.oneof(provider, fc.jsonValue())) })), (v) => check(enc(v))), { numRuns: 300 });
});
