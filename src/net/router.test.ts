import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, type Duplex } from 'node:stream';
import { VeilError, isVeilError } from '../core/index.js';
import { parseConnectionHint, parseNodeConfig, type ConnectionHint } from '../config/index.js';
import { Router, decideRoute, type RouterPolicy } from './router.js';
import type { Dialer, DialOptions } from './dialer.js';

function policyFor(cfgText: string): RouterPolicy {
  const cfg = parseNodeConfig(cfgText, { nodeDir: '/n' });
  return { revealIpAddress: cfg.node.revealIpAddress, handlers: cfg.connectionHandlers, allowLoopbackExit: cfg.testnet.allowLoopbackExit };
}

const HIDDEN = policyFor('[node]\nreveal-IP-address = false\ntub.port = disabled\ntub.location = disabled\nweb.port = disabled\n[connections]\ntcp = tor\n');
const OPEN = policyFor('[node]\ntub.port = disabled\ntub.location = disabled\n');
const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
const h = (text: string): ConnectionHint => parseConnectionHint(text, { allowOther: true });

class RecordingDialer implements Dialer {
  readonly calls: { host: string; port: number; token: string | undefined }[] = [];
  constructor(readonly name: string, readonly fail?: VeilError) {}
  async dial(host: string, port: number, options?: DialOptions): Promise<Duplex> {
    this.calls.push({ host, port, token: options?.isolationToken });
    if (this.fail) throw this.fail;
    return new PassThrough();
  }
  describe(): string {
    return this.name;
  }
}

test('decideRoute: a hidden node sends tcp: and tor: hints through Tor and never directly', () => {
  assert.deepEqual(decideRoute(h('tcp:example.org:443'), HIDDEN), { ok: true, transport: 'tor', host: 'example.org', port: 443 });
  assert.deepEqual(decideRoute(h(`tor:${ONION}:3457`), HIDDEN), { ok: true, transport: 'tor', host: ONION, port: 3457 });
  const loop = decideRoute(h('tcp:127.0.0.1:80'), HIDDEN);
  assert.equal(loop.ok, false, 'loopback is not sent to a Tor exit (C8)');
  const v6 = decideRoute(h('tcp:[2001:db8::1]:80'), HIDDEN);
  assert.equal(v6.ok, false);
  const other = decideRoute(h('meow:whatever'), HIDDEN);
  assert.deepEqual(other, { ok: false, reason: "no handler for hint type 'meow'" });
});

test('decideRoute: a revealing node dials tcp: hints directly and tor: hints through Tor', () => {
  assert.deepEqual(decideRoute(h('tcp:example.org:443'), OPEN), { ok: true, transport: 'direct', host: 'example.org', port: 443 });
  assert.equal(decideRoute(h(`tor:${ONION}:1`), OPEN).ok, true);
  const i2p = decideRoute(h('i2p:' + 'a'.repeat(52) + '.b32.i2p'), OPEN);
  assert.deepEqual(i2p.ok && i2p.transport, 'i2p');
});

test('decideRoute: [connections] tcp = disabled skips tcp: hints with the reason', () => {
  const p = policyFor('[node]\nreveal-IP-address = false\ntub.port = disabled\ntub.location = disabled\nweb.port = disabled\n[connections]\ntcp = disabled\n');
  const d = decideRoute(h('tcp:example.org:443'), p);
  assert.equal(d.ok, false);
  assert.match(!d.ok ? d.reason : '', /tcp = disabled/);
});

test('a hidden node refuses a direct dialer outright', () => {
  assert.throws(() => new Router(HIDDEN, { direct: new RecordingDialer('direct') }), (e: unknown) => isVeilError(e, 'VEIL_BUG'));
});

test('Router: one isolation token per peer, never shared between peers', async () => {
  const tor = new RecordingDialer('tor');
  const router = new Router(HIDDEN, { tor });
  await router.dial(h(`tor:${ONION}:1`), { peerId: 'server-a' });
  await router.dial(h('tcp:example.org:2'), { peerId: 'server-a' });
  await router.dial(h(`tor:${ONION}:3`), { peerId: 'server-b' });
  const [a1, a2, b1] = tor.calls.map((c) => c.token);
  assert.ok(a1 && a1.length >= 16);
  assert.equal(a1, a2);
  assert.notEqual(a1, b1);
});

test('Router.dialFirst: skips what policy forbids, records failures, returns the first connection', async () => {
  const tor = new RecordingDialer('tor');
  const router = new Router(HIDDEN, { tor });
  const got = await router.dialFirst([h('tcp:10.0.0.1:80'), h('meow:x'), h(`tor:${ONION}:3457`)], { peerId: 'p' });
  assert.equal(got.transport, 'tor');
  assert.deepEqual(
    got.attempts.map((a) => a.outcome.split(':')[0]),
    ['skipped', 'skipped', 'connected'],
  );
  assert.equal(tor.calls.length, 1, 'only the allowed hint was dialed');
});

test('Router.dialFirst: every hint failing gives VEIL_ROUTE_ALL_FAILED with each attempt', async () => {
  const tor = new RecordingDialer('tor', new VeilError('VEIL_DIAL_REFUSED', 'refused'));
  const router = new Router(HIDDEN, { tor });
  await assert.rejects(router.dialFirst([h(`tor:${ONION}:1`), h('tcp:example.org:2')], { peerId: 'p' }), (e: unknown) => {
    assert.ok(isVeilError(e, 'VEIL_ROUTE_ALL_FAILED'));
    assert.equal((e.details['attempts'] as unknown[]).length, 2);
    return true;
  });
});

test('Router.dial: a hint without a usable transport is refused with VEIL_ROUTE_NO_HANDLER, nothing dialed', async () => {
  const router = new Router(OPEN, {});
  await assert.rejects(router.dial(h(`tor:${ONION}:1`), { peerId: 'p' }), (e: unknown) => isVeilError(e, 'VEIL_ROUTE_NO_HANDLER'));
});

test('Router.dial retries a transient onion failure (descriptor not found) and then connects', async () => {
  let calls = 0;
  const tor: Dialer = {
    async dial() {
      calls += 1;
      if (calls < 3) throw new VeilError('VEIL_TOR_ONION_NOT_FOUND', 'not found');
      return new PassThrough();
    },
    describe: () => 'tor',
  };
  const router = new Router(HIDDEN, { tor });
  const got = await router.dial(h(`tor:${ONION}:1`), { peerId: 'p' });
  assert.equal(got.transport, 'tor');
  assert.equal(calls, 3);
  // a non-transient failure is not retried
  const refusing = new RecordingDialer('tor', new VeilError('VEIL_TOR_ONION_CLIENT_AUTH_MISSING', 'needs auth'));
  await assert.rejects(new Router(HIDDEN, { tor: refusing }).dial(h(`tor:${ONION}:1`), { peerId: 'p' }), (e: unknown) => isVeilError(e, 'VEIL_TOR_ONION_CLIENT_AUTH_MISSING'));
  assert.equal(refusing.calls.length, 1);
});
