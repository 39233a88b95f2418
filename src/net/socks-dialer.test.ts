/**
 * The Tor dialer against a fake SOCKS5 server on 127.0.0.1: scripted (hostile, truncated, each reply code) and
 * proxying (runs the shared conformance suite through the real handshake code without a Tor network).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { VeilError, type VeilErrorCode } from '../core/index.js';
import { socks, type SocksRequest } from '../tor/index.js';
import { runDialerConformance } from '../../test/integration/dialer-conformance.js';
import { createTorDialer } from './socks-dialer.js';

const ONION = 'tcii5slrvulroe3fqzncjhccbuckm3yqh6ltuywyibgof5fpd3rpycyd.onion';

interface Seen {
  methods: number[];
  username?: string;
  password?: string;
  request?: SocksRequest;
}

/** What the fake server does once it has read the request: write bytes, proxy, or nothing. */
type Script = (socket: net.Socket, seen: Seen) => void;

const reply = (code: number, address: socks.SocksAddress = { type: 'ipv4', host: '0.0.0.0' }): Buffer =>
  socks.encodeReply({ reply: code, address, port: 0 });

/** A SOCKS5 server speaking the real codec up to the request, then following a script. */
class FakeSocksServer {
  readonly seen: Seen[] = [];
  readonly sockets = new Set<net.Socket>();
  script: Script = (s) => s.end(reply(0));
  /** Replaces the whole conversation (for hostile servers that break the protocol early). */
  raw: ((socket: net.Socket) => void) | undefined;
  readonly server = net.createServer((socket) => this.#serve(socket));
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  #serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.raw) return this.raw(socket);
    const seen: Seen = { methods: [] };
    this.seen.push(seen);
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (stage === 'greeting') {
          const d = socks.decodeGreeting(buf);
          if (!d.done) return;
          buf = buf.subarray(d.consumed);
          seen.methods = [...d.value.methods];
          const method = seen.methods.includes(2) ? 2 : 0;
          socket.write(socks.encodeMethodSelection({ method }));
          stage = method === 2 ? 'auth' : 'request';
        } else if (stage === 'auth') {
          const d = socks.decodeUserPassRequest(buf);
          if (!d.done) return;
          buf = buf.subarray(d.consumed);
          seen.username = Buffer.from(d.value.username).toString();
          seen.password = Buffer.from(d.value.password).toString();
          socket.write(socks.encodeUserPassReply({ status: 0 }));
          stage = 'request';
        } else if (stage === 'request') {
          const d = socks.decodeRequest(buf);
          if (!d.done) return;
          buf = buf.subarray(d.consumed);
          seen.request = d.value;
          stage = 'done';
          socket.pause();
          socket.removeAllListeners('data');
          if (buf.length > 0) socket.unshift(buf);
          this.script(socket, seen);
          return;
        } else return;
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Proxies CONNECT to 127.0.0.1 like a Tor exit would, mapping connect errors to SOCKS replies. */
const proxyScript: Script = (client, seen) => {
  const req = seen.request!;
  const upstream = net.connect(req.port, req.address.host);
  client.on('close', () => upstream.destroy());
  upstream.once('connect', () => {
    client.write(reply(0));
    client.pipe(upstream).pipe(client);
    client.resume();
  });
  upstream.once('error', (err: NodeJS.ErrnoException) => {
    if (!client.destroyed) client.end(reply(err.code === 'ECONNREFUSED' ? 5 : 1));
  });
};

const fake = new FakeSocksServer();
before(() => fake.listen());
after(() => fake.close());
const dialer = () => createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port: fake.port }, timeoutMs: 5_000 });

describe('Tor dialer through a proxying fake SOCKS server', () => {
  before(() => {
    fake.script = proxyScript;
  });
  runDialerConformance('Tor dialer (fake SOCKS proxy)', dialer, { dialTimeoutMs: 5_000 });
});

describe('Tor dialer against a scripted fake SOCKS server', () => {
  test('sends names as names, onion addresses normalised, and isolation credentials per destination', async () => {
    fake.script = (s) => s.end(reply(0));
    fake.seen.length = 0;
    const d = dialer();
    for (const [host, port, token] of [
      ['peer.example', 443, undefined],
      ['peer.example', 443, undefined],
      ['other.example', 443, undefined],
      [`WWW.${ONION.toUpperCase()}`, 80, 'explicit-token'],
      ['127.0.0.1', 8080, undefined],
    ] as const) {
      (await d.dial(host, port, { isolationToken: token })).destroy();
    }
    const [a, b, c, o, ip] = fake.seen;
    assert.deepEqual(a!.methods, [2], 'only username/password is offered');
    assert.equal(a!.username, '<torS0X>0');
    assert.deepEqual(a!.request, { command: 1, address: { type: 'domain', host: 'peer.example' }, port: 443 });
    assert.equal(a!.password, b!.password, 'the same destination shares a circuit');
    assert.notEqual(a!.password, c!.password, 'different destinations never share a circuit');
    assert.doesNotMatch(a!.password!, /peer/, 'the default token does not contain the host name');
    assert.equal(o!.password, 'explicit-token');
    assert.deepEqual(o!.request!.address, { type: 'domain', host: `www.${ONION}` });
    assert.deepEqual(ip!.request!.address, { type: 'ipv4', host: '127.0.0.1' });
  });

  test('bytes the server sends right after the reply reach the caller first', async () => {
    fake.script = (s) => {
      s.write(Buffer.concat([reply(0), Buffer.from('banner\n')]));
      s.resume();
      s.on('data', (d) => s.write(d));
    };
    const stream = await dialer().dial('peer.example', 1);
    const got: Buffer[] = [];
    stream.on('data', (c: Buffer) => got.push(c));
    stream.write('ping');
    await new Promise<void>((resolve) => stream.on('data', () => Buffer.concat(got).length >= 11 && resolve()));
    assert.equal(Buffer.concat(got).toString(), 'banner\nping');
    stream.destroy();
  });

  test('every reply code becomes its typed error and the socket is closed', async () => {
    const expected: Array<[number, VeilErrorCode]> = [
      [1, 'VEIL_SOCKS_GENERAL_FAILURE'],
      [2, 'VEIL_SOCKS_NOT_ALLOWED'],
      [3, 'VEIL_DIAL_UNREACHABLE'],
      [4, 'VEIL_DIAL_UNREACHABLE'],
      [5, 'VEIL_DIAL_REFUSED'],
      [6, 'VEIL_SOCKS_TTL_EXPIRED'],
      [7, 'VEIL_SOCKS_COMMAND_UNSUPPORTED'],
      [8, 'VEIL_SOCKS_ADDRESS_UNSUPPORTED'],
      [0xf0, 'VEIL_TOR_ONION_NOT_FOUND'],
      [0xf1, 'VEIL_TOR_ONION_DESC_INVALID'],
      [0xf2, 'VEIL_TOR_ONION_INTRO_FAILED'],
      [0xf3, 'VEIL_TOR_ONION_REND_FAILED'],
      [0xf4, 'VEIL_TOR_ONION_CLIENT_AUTH_MISSING'],
      [0xf5, 'VEIL_TOR_ONION_CLIENT_AUTH_WRONG'],
      [0xf6, 'VEIL_TOR_ONION_ADDRESS_INVALID'],
      [0xf7, 'VEIL_TOR_ONION_INTRO_TIMEOUT'],
      [0x42, 'VEIL_SOCKS_REPLY_UNKNOWN'],
    ];
    for (const [code, veil] of expected) {
      // Like Tor: the failure reply, then the connection stays open until the client goes.
      fake.script = (s) => s.write(reply(code));
      await assert.rejects(dialer().dial(ONION, 80), (e: unknown) => e instanceof VeilError && e.code === veil && e.details['socksReply'] === code);
    }
    await waitFor(() => fake.sockets.size === 0);
  });

  test('hostile and truncated servers give VEIL_SOCKS_PROTOCOL / VEIL_SOCKS_AUTH_REJECTED / VEIL_TIMEOUT', async () => {
    const cases: Array<[(s: net.Socket) => void, VeilErrorCode]> = [
      [(s) => s.end(), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end(Buffer.from([5])), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end('HTTP/1.0 501 Tor is not an HTTP Proxy\r\n\r\n'), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end(Buffer.from([5, 0xff])), 'VEIL_SOCKS_AUTH_REJECTED'],
      [(s) => s.end(Buffer.from([5, 0])), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end(Buffer.from([5, 2, 1, 1])), 'VEIL_SOCKS_AUTH_REJECTED'],
      [(s) => s.end(Buffer.from([5, 2, 1, 0, 5, 0, 0, 1, 127])), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end(Buffer.from([5, 2, 1, 0, 5, 0, 0, 9, 0, 0, 0, 0, 0, 0])), 'VEIL_SOCKS_PROTOCOL'],
      [(s) => s.end(Buffer.from([5, 2, 1, 0, 5, 0, 0, 3, 255, ...Buffer.alloc(200)])), 'VEIL_SOCKS_PROTOCOL'],
      // Truncated and left open: nothing more will come, so the deadline decides.
      [(s) => s.write(Buffer.from([5, 2, 1, 0, 5, 0, 0, 3, 255, ...Buffer.alloc(200)])), 'VEIL_TIMEOUT'],
      [(s) => s.resetAndDestroy(), 'VEIL_SOCKS_PROTOCOL'],
    ];
    for (const [raw, code] of cases) {
      fake.raw = (s) => s.once('data', () => raw(s));
      try {
        await assert.rejects(dialer().dial('peer.example', 80, { timeoutMs: 500 }), { code });
      } finally {
        fake.raw = undefined;
      }
    }
  });

  test('a server that never replies: VEIL_TIMEOUT after timeoutMs; abort: VEIL_ABORTED; both close the socket', async () => {
    fake.script = () => undefined;
    await assert.rejects(dialer().dial('peer.example', 80, { timeoutMs: 300 }), { code: 'VEIL_TIMEOUT' });
    const ac = new AbortController();
    const p = dialer().dial('peer.example', 80, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(p, { code: 'VEIL_ABORTED' });
    await waitFor(() => fake.sockets.size === 0);
  });

  test('bad onion addresses and bad targets fail before any connection', async () => {
    const before = fake.seen.length;
    const bad = ONION.replace('tcii', 'tcij');
    await assert.rejects(dialer().dial(bad, 80), { code: 'VEIL_TOR_ONION_ADDRESS_INVALID' });
    await assert.rejects(dialer().dial('expyuzz4wqqyqhjn.onion', 80), { code: 'VEIL_TOR_ONION_ADDRESS_INVALID' });
    await assert.rejects(dialer().dial('peer.example', 80, { isolationToken: 'x'.repeat(256) }), { code: 'VEIL_SOCKS_REQUEST_INVALID' });
    await assert.rejects(dialer().resolve(ONION), { code: 'VEIL_SOCKS_REQUEST_INVALID' });
    await assert.rejects(dialer().resolvePtr('not-an-ip'), { code: 'VEIL_SOCKS_REQUEST_INVALID' });
    assert.equal(fake.seen.length, before);
  });

  test('RESOLVE and RESOLVE_PTR send Tor commands and return the answer', async () => {
    fake.seen.length = 0;
    fake.script = (s) => s.end(reply(0, { type: 'ipv4', host: '127.0.0.7' }));
    assert.equal(await dialer().resolve('peer.example'), '127.0.0.7');
    fake.script = (s) => s.end(reply(0, { type: 'ipv6', host: '0:0:0:0:0:0:0:1' }));
    assert.equal(await dialer().resolve('peer.example'), '0:0:0:0:0:0:0:1');
    fake.script = (s) => s.end(reply(0, { type: 'domain', host: 'name.example' }));
    assert.equal(await dialer().resolvePtr('127.0.0.7'), 'name.example');
    assert.deepEqual(
      fake.seen.map((x) => x.request?.command),
      [0xf0, 0xf0, 0xf1],
    );
    assert.deepEqual(fake.seen[0]!.request!.address, { type: 'domain', host: 'peer.example' });
    assert.deepEqual(fake.seen[2]!.request!.address, { type: 'ipv4', host: '127.0.0.7' });
    // A name for RESOLVE (or an IP for RESOLVE_PTR) breaks the protocol; a failure maps as usual.
    fake.script = (s) => s.end(reply(0, { type: 'domain', host: 'x' }));
    await assert.rejects(dialer().resolve('peer.example'), { code: 'VEIL_SOCKS_PROTOCOL' });
    fake.script = (s) => s.end(reply(4));
    await assert.rejects(dialer().resolve('nowhere.example'), { code: 'VEIL_DIAL_UNREACHABLE' });
    await waitFor(() => fake.sockets.size === 0);
  });

  test('a SOCKS port with nothing listening gives VEIL_LOCAL_DAEMON_UNREACHABLE', async () => {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const d = createTorDialer({ socks: { kind: 'tcp', host: '127.0.0.1', port } });
    await assert.rejects(d.dial('peer.example', 80), { code: 'VEIL_LOCAL_DAEMON_UNREACHABLE' });
    assert.match(d.describe(), /^Tor via SOCKS tcp:127\.0\.0\.1:\d+$/);
  });
});

/** Waits (event-loop turns, bounded) for a condition on the fake server's state. */
async function waitFor(condition: () => boolean, deadlineMs = 3_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail('condition not reached before the deadline');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
