import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VeilError, type VeilErrorCode } from '../../core/index.js';
import { SocksClientMachine, type SocksClientOptions } from './client-machine.js';
import { decodeGreeting, decodeRequest, decodeUserPassRequest, encodeReply } from './codec.js';
import { COMMAND, METHOD, REPLY, REPLY_ERRORS, TOR_ISOLATION_USERNAME } from './constants.js';

const connect: SocksClientOptions = {
  request: { command: COMMAND.CONNECT, address: { type: 'domain', host: 'peer.example' }, port: 443 },
  credentials: { username: TOR_ISOLATION_USERNAME, password: 'token-1' },
};

const SUCCESS = encodeReply({ reply: 0, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 });
const serverBytes = (reply: Buffer = SUCCESS, extra: Buffer = Buffer.alloc(0)): Buffer =>
  Buffer.concat([Buffer.from([5, METHOD.USERNAME_PASSWORD]), Buffer.from([1, 0]), reply, extra]);

/** Runs the machine, feeding server bytes in the given chunks; returns everything sent and the result. */
function run(options: SocksClientOptions, server: Buffer, cuts: number[] = []) {
  const m = new SocksClientMachine(options);
  const sent: Buffer[] = [m.start()];
  const points = [...new Set(cuts.map((c) => c % (server.length + 1))), server.length].sort((a, b) => a - b);
  let at = 0;
  for (const p of points) {
    const step = m.receive(server.subarray(at, p));
    at = p;
    sent.push(step.send);
    if (step.result) return { sent: Buffer.concat(sent), result: step.result, unread: server.subarray(at) };
  }
  return { sent: Buffer.concat(sent), result: undefined, unread: Buffer.alloc(0) };
}

test('sends greeting (username/password only), Tor isolation credentials, then a domain-name CONNECT', () => {
  const { sent, result } = run(connect, serverBytes());
  const g = decodeGreeting(sent);
  assert.ok(g.done);
  assert.deepEqual(g.value.methods, [METHOD.USERNAME_PASSWORD]);
  const a = decodeUserPassRequest(sent.subarray(g.consumed));
  assert.ok(a.done);
  assert.equal(Buffer.from(a.value.username).toString(), '<torS0X>0');
  assert.equal(Buffer.from(a.value.password).toString(), 'token-1');
  const r = decodeRequest(sent.subarray(g.consumed + a.consumed));
  assert.ok(r.done);
  assert.deepEqual(r.value, { command: 1, address: { type: 'domain', host: 'peer.example' }, port: 443 });
  assert.equal(g.consumed + a.consumed + r.consumed, sent.length);
  assert.equal(result?.reply.reply, 0);
});

test('without credentials only "no authentication" is offered', () => {
  const m = new SocksClientMachine({ request: connect.request });
  assert.deepEqual([...m.start()], [5, 1, METHOD.NO_AUTH]);
  const step = m.receive(Buffer.from([5, 0]));
  assert.ok(decodeRequest(step.send).done);
});

test('any chunking of the server bytes gives the same result and the same bytes sent; trailing bytes are kept', () => {
  const expected = run(connect, serverBytes(SUCCESS, Buffer.from('hello')));
  fc.assert(
    fc.property(fc.array(fc.nat(40), { maxLength: 10 }), (cuts) => {
      const got = run(connect, serverBytes(SUCCESS, Buffer.from('hello')), cuts);
      assert.deepEqual(got.sent, expected.sent);
      assert.deepEqual(got.result?.reply, expected.result?.reply);
      // Bytes after the reply belong to the stream: those in the last chunk come back as `rest`.
      assert.equal(Buffer.concat([got.result!.rest, got.unread]).toString(), 'hello');
    }),
  );
});

test('every failure reply maps to its typed code with the raw reply in details', () => {
  const expected: Array<[number, VeilErrorCode]> = [
    [0x01, 'VEIL_SOCKS_GENERAL_FAILURE'],
    [0x02, 'VEIL_SOCKS_NOT_ALLOWED'],
    [0x03, 'VEIL_DIAL_UNREACHABLE'],
    [0x04, 'VEIL_DIAL_UNREACHABLE'],
    [0x05, 'VEIL_DIAL_REFUSED'],
    [0x06, 'VEIL_SOCKS_TTL_EXPIRED'],
    [0x07, 'VEIL_SOCKS_COMMAND_UNSUPPORTED'],
    [0x08, 'VEIL_SOCKS_ADDRESS_UNSUPPORTED'],
    [0xf0, 'VEIL_TOR_ONION_NOT_FOUND'],
    [0xf1, 'VEIL_TOR_ONION_DESC_INVALID'],
    [0xf2, 'VEIL_TOR_ONION_INTRO_FAILED'],
    [0xf3, 'VEIL_TOR_ONION_REND_FAILED'],
    [0xf4, 'VEIL_TOR_ONION_CLIENT_AUTH_MISSING'],
    [0xf5, 'VEIL_TOR_ONION_CLIENT_AUTH_WRONG'],
    [0xf6, 'VEIL_TOR_ONION_ADDRESS_INVALID'],
    [0xf7, 'VEIL_TOR_ONION_INTRO_TIMEOUT'],
    [0x09, 'VEIL_SOCKS_REPLY_UNKNOWN'],
    [0xff, 'VEIL_SOCKS_REPLY_UNKNOWN'],
  ];
  assert.equal(REPLY_ERRORS.size, 16);
  for (const [code, veil] of expected) {
    const reply = encodeReply({ reply: code, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 });
    assert.throws(
      () => run(connect, serverBytes(reply)),
      (e: unknown) => e instanceof VeilError && e.code === veil && e.details['socksReply'] === code && e.hint.length > 0,
      `reply 0x${code.toString(16)}`,
    );
  }
  const notFound = (() => {
    try {
      run(connect, serverBytes(encodeReply({ reply: REPLY.ONION_DESC_NOT_FOUND, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 })));
    } catch (e) {
      return e as VeilError;
    }
    return undefined;
  })();
  assert.equal(notFound?.hint, 'the onion service is not published (yet) or offline; check the address');
  assert.doesNotMatch(notFound?.message ?? '', /peer\.example/, 'the target is redacted in the message');
});

test("Tor's failure replies to RESOLVE (ATYP 0, as tor sends them) map to the reply code", () => {
  const resolve: SocksClientOptions = { ...connect, request: { command: COMMAND.RESOLVE, address: { type: 'domain', host: 'x.example' }, port: 0 } };
  // Verbatim bytes from tor 0.4.9 for a name the exit could not resolve.
  const torReply = Buffer.from('05040000000000000000', 'hex');
  assert.throws(() => run(resolve, serverBytes(torReply)), (e: unknown) => e instanceof VeilError && e.code === 'VEIL_DIAL_UNREACHABLE');
  // A failure is known from two bytes; a truncated success is not.
  assert.throws(() => run(resolve, serverBytes(Buffer.from('0501', 'hex'))), { code: 'VEIL_SOCKS_GENERAL_FAILURE' });
  assert.equal(run(resolve, serverBytes(Buffer.from('0500', 'hex'))).result, undefined);
});

test('method and authentication refusals', () => {
  assert.throws(() => run(connect, Buffer.from([5, 0xff])), { code: 'VEIL_SOCKS_AUTH_REJECTED' });
  // A method we did not offer (GSSAPI) is a protocol violation.
  assert.throws(() => run(connect, Buffer.from([5, 1])), { code: 'VEIL_SOCKS_PROTOCOL' });
  // Choosing "no authentication" when we offered only username/password would drop the isolation token.
  assert.throws(() => run(connect, Buffer.from([5, 0])), { code: 'VEIL_SOCKS_PROTOCOL' });
  assert.throws(() => run(connect, Buffer.from([5, 2, 1, 1])), { code: 'VEIL_SOCKS_AUTH_REJECTED' });
});

test('the machine is dead after a failure and rejects bytes before start', () => {
  const m = new SocksClientMachine(connect);
  assert.throws(() => m.receive(Buffer.from([5])), { code: 'VEIL_SOCKS_PROTOCOL' });
  m.start();
  assert.throws(() => m.receive(Buffer.from([4, 2])), { code: 'VEIL_SOCKS_PROTOCOL' });
  assert.throws(() => m.receive(Buffer.from([5, 2])), { code: 'VEIL_SOCKS_PROTOCOL' });
});

test('random server bytes give only SOCKS-area VeilErrors', () => {
  const allowed = new Set<string>(['VEIL_SOCKS_PROTOCOL', 'VEIL_SOCKS_AUTH_REJECTED', 'VEIL_SOCKS_REPLY_UNKNOWN', ...[...REPLY_ERRORS.values()].map((e) => e.code)]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 6 }), (bytes, cuts) => {
      try {
        run(connect, Buffer.from(bytes), cuts);
      } catch (err) {
        assert.ok(err instanceof VeilError, `not a VeilError: ${String(err)}`);
        assert.ok(allowed.has(err.code), err.code);
      }
    }),
    { numRuns: 3000 },
  );
  // Random bytes after a valid prefix reach the reply decoder too.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        run(connect, Buffer.concat([Buffer.from([5, 2, 1, 0, 5]), bytes]));
      } catch (err) {
        assert.ok(err instanceof VeilError && allowed.has(err.code), String(err));
      }
    }),
    { numRuns: 3000 },
  );
});

test('a request that cannot be encoded fails when the machine is built, before any byte is sent', () => {
  assert.throws(
    () => new SocksClientMachine({ ...connect, request: { ...connect.request, address: { type: 'domain', host: 'x'.repeat(256) } } }),
    { code: 'VEIL_SOCKS_REQUEST_INVALID' },
  );
  assert.throws(() => new SocksClientMachine({ ...connect, credentials: { username: TOR_ISOLATION_USERNAME, password: 't'.repeat(256) } }), {
    code: 'VEIL_SOCKS_REQUEST_INVALID',
  });
});
