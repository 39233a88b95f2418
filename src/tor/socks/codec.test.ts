import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VeilError } from '../../core/index.js';
import {
  addressForHost,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  decodeUserPassReply,
  decodeUserPassRequest,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  encodeUserPassReply,
  encodeUserPassRequest,
  type Decoded,
  type SocksAddress,
} from './codec.js';
import { COMMAND } from './constants.js';
import { formatIPv6, parseIPv4, parseIPv6 } from './ip-address.js';

type Decoder<T> = (bytes: Uint8Array) => Decoded<T>;

/** Feeds `bytes` in the given chunks the way a stream client does: append, try to decode. */
function decodeChunked<T>(decode: Decoder<T>, bytes: Uint8Array, cuts: number[]): { value: T; consumed: number } {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let seen = 0;
  for (const p of [...points, bytes.length]) {
    const r = decode(bytes.subarray(0, p));
    if (r.done) {
      assert.ok(p >= r.consumed, 'decoder consumed bytes it had not seen');
      return { value: r.value, consumed: r.consumed };
    }
    seen = p;
  }
  throw new Error(`decoder still needs more after all ${seen} bytes`);
}

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b): SocksAddress => ({ type: 'ipv4', host: [...b].join('.') }));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b): SocksAddress => ({ type: 'ipv6', host: formatIPv6(b) }));
const domainChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const domain = fc.array(domainChar, { minLength: 1, maxLength: 255 }).map((cs): SocksAddress => ({ type: 'domain', host: cs.join('') }));
const address = fc.oneof(ipv4, ipv6, domain);
const octet = fc.integer({ min: 0, max: 255 });
const cuts = fc.array(fc.nat(600), { maxLength: 8 });

test('request: encode → decode round-trips under any chunking', () => {
  fc.assert(
    fc.property(octet, address, fc.integer({ min: 1, max: 65535 }), cuts, (command, addr, port, cs) => {
      const bytes = encodeRequest({ command, address: addr, port });
      const { value, consumed } = decodeChunked(decodeRequest, bytes, cs);
      assert.equal(consumed, bytes.length);
      assert.deepEqual(value, { command, address: addr, port });
    }),
  );
});

test('reply: encode → decode round-trips under any chunking, trailing bytes are not consumed', () => {
  fc.assert(
    fc.property(octet, address, fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ maxLength: 20 }), cuts, (reply, addr, port, trailer, cs) => {
      const frame = encodeReply({ reply, address: addr, port });
      const bytes = Buffer.concat([frame, trailer]);
      const { value, consumed } = decodeChunked(decodeReply, bytes, cs);
      assert.equal(consumed, frame.length);
      assert.deepEqual(value, { reply, address: addr, port });
    }),
  );
});

test('greeting, method selection and username/password messages round-trip', () => {
  fc.assert(
    fc.property(
      fc.array(octet, { minLength: 1, maxLength: 255 }),
      octet,
      fc.uint8Array({ minLength: 1, maxLength: 255 }),
      fc.uint8Array({ maxLength: 255 }),
      octet,
      cuts,
      (methods, method, user, pass, status, cs) => {
        assert.deepEqual(decodeChunked(decodeGreeting, encodeGreeting({ methods }), cs).value, { methods });
        assert.deepEqual(decodeChunked(decodeMethodSelection, encodeMethodSelection({ method }), cs).value, { method });
        const up = decodeChunked(decodeUserPassRequest, encodeUserPassRequest(user, pass), cs).value;
        assert.deepEqual([Buffer.from(up.username), Buffer.from(up.password)], [Buffer.from(user), Buffer.from(pass)]);
        assert.deepEqual(decodeChunked(decodeUserPassReply, encodeUserPassReply({ status }), cs).value, { status });
      },
    ),
  );
});

test('random bytes give need-more, a value, or only VEIL_SOCKS_PROTOCOL', () => {
  const decoders: Decoder<unknown>[] = [decodeGreeting, decodeMethodSelection, decodeUserPassRequest, decodeUserPassReply, decodeRequest, decodeReply];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const decode of decoders) {
        try {
          const r = decode(bytes);
          if (r.done) assert.ok(r.consumed > 0 && r.consumed <= bytes.length);
        } catch (err) {
          assert.ok(err instanceof VeilError, `not a VeilError: ${String(err)}`);
          assert.equal(err.code, 'VEIL_SOCKS_PROTOCOL');
        }
      }
    }),
    { numRuns: 2000 },
  );
});

test('reply decoding: exact bytes of a Tor RESOLVE answer and of failures', () => {
  // VER REP RSV ATYP=1 127.0.0.1 PORT=0
  const ok = decodeReply(Buffer.from('050000017f0000010000', 'hex'));
  assert.deepEqual(ok, { done: true, value: { reply: 0, address: { type: 'ipv4', host: '127.0.0.1' }, port: 0 }, consumed: 10 });
  const f0 = decodeReply(Buffer.from('05f00001000000000000', 'hex'));
  assert.ok(f0.done && f0.value.reply === 0xf0);
  assert.deepEqual(decodeReply(Buffer.from('0500', 'hex')), { done: false });
  assert.deepEqual(decodeReply(Buffer.from('05000003', 'hex')), { done: false });
  assert.deepEqual(decodeReply(Buffer.from('0500000305616263', 'hex')), { done: false });
});

test('malformed frames are rejected with VEIL_SOCKS_PROTOCOL', () => {
  const bad = ['04000001', '05000101', '0500000500', '01', '0500000900000000000000'];
  for (const hex of bad) {
    assert.throws(() => decodeReply(Buffer.from(hex, 'hex')), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_SOCKS_PROTOCOL', hex);
  }
  assert.throws(() => decodeGreeting(Buffer.from('0500', 'hex')), { code: 'VEIL_SOCKS_PROTOCOL' });
  assert.throws(() => decodeUserPassReply(Buffer.from('0500', 'hex')), { code: 'VEIL_SOCKS_PROTOCOL' });
  // An HTTP answer (Tor's "HTTP-resistance" page if a SocksPort were an HTTP port).
  assert.throws(() => decodeMethodSelection(Buffer.from('HTTP/1.0 501')), { code: 'VEIL_SOCKS_PROTOCOL' });
});

test('limits: domain names 1-255 printable ASCII, ports, credentials, methods', () => {
  const req = (host: string, port = 80, command: number = COMMAND.CONNECT): Buffer => encodeRequest({ command, address: { type: 'domain', host }, port });
  assert.equal(req('a'.repeat(255)).length, 4 + 1 + 255 + 2);
  for (const thunk of [
    () => req('a'.repeat(256)),
    () => req(''),
    () => req('bad host'),
    () => req('nul\u0000'),
    () => req('é.example'),
    () => req('a', 0),
    () => req('a', 65536),
    () => req('a', 1.5),
    () => encodeUserPassRequest('', 'x'),
    () => encodeUserPassRequest('u'.repeat(256), 'x'),
    () => encodeUserPassRequest('u', 'p'.repeat(256)),
    () => encodeGreeting({ methods: [] }),
    () => encodeGreeting({ methods: new Array<number>(256).fill(0) }),
    () => encodeRequest({ command: 1, address: { type: 'ipv4', host: '256.0.0.1' }, port: 1 }),
    () => encodeRequest({ command: 1, address: { type: 'ipv6', host: '1:2:3' }, port: 1 }),
  ]) {
    assert.throws(thunk, { code: 'VEIL_SOCKS_REQUEST_INVALID' });
  }
  // RESOLVE may carry port 0 (Tor ignores it); CONNECT may not.
  assert.equal(req('example.test', 0, COMMAND.RESOLVE)[1], 0xf0);
});

test('addressForHost keeps names as names (never resolved here) and recognises IP literals', () => {
  assert.deepEqual(addressForHost('peer.example'), { type: 'domain', host: 'peer.example' });
  assert.deepEqual(addressForHost('127.0.0.1'), { type: 'ipv4', host: '127.0.0.1' });
  assert.deepEqual(addressForHost('[::1]'), { type: 'ipv6', host: '::1' });
  assert.deepEqual(addressForHost('127.000.0.1'), { type: 'domain', host: '127.000.0.1' });
  assert.deepEqual(addressForHost('1.2.3'), { type: 'domain', host: '1.2.3' });
});

test('IP literal parsing', () => {
  assert.deepEqual([...parseIPv4('10.0.255.1')!], [10, 0, 255, 1]);
  for (const s of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '', 'a.b.c.d']) assert.equal(parseIPv4(s), undefined, s);
  assert.equal(formatIPv6(parseIPv6('::1')!), '0:0:0:0:0:0:0:1');
  assert.equal(formatIPv6(parseIPv6('2001:db8::ff00:42:8329')!), '2001:db8:0:0:0:ff00:42:8329');
  assert.equal(formatIPv6(parseIPv6('::ffff:127.0.0.1')!), '0:0:0:0:0:ffff:7f00:1');
  assert.equal(formatIPv6(parseIPv6('1:2:3:4:5:6:7:8')!), '1:2:3:4:5:6:7:8');
  for (const s of ['1:2:3:4:5:6:7', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '12345::', '::1.2.3', '1.2.3.4::', 'g::1', '1:2:3:4:5:6:7::8']) {
    assert.equal(parseIPv6(s), undefined, s);
  }
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => assert.deepEqual(parseIPv6(formatIPv6(b)), Uint8Array.from(b))));
});
