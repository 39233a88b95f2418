/**
 * SamClient against a scripted fake SAM bridge on 127.0.0.1 (a test-only server). Checks typed errors,
 * deadlines, abort, and that the raw stream starts exactly after the status line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { VeilError } from '../../core/index.js';
import { connectLocal } from '../../net/local-daemon.js';
import { b32Address, toI2pBase64 } from '../destination.js';
import { SamClient } from './client.js';

type Handler = (line: string, socket: net.Socket) => void;

interface FakeBridge {
  port: number;
  handler: Handler;
  lines: string[];
  closedSockets: number;
  sockets: Set<net.Socket>;
}

const DEST = Buffer.concat([randomBytes(384), Buffer.from([5, 0, 4, 0, 7, 0, 0])]);
const DEST_B64 = toI2pBase64(DEST);
const PRIV_B64 = toI2pBase64(Buffer.concat([DEST, randomBytes(256), randomBytes(32)]));

let server: net.Server;
const fake: FakeBridge = { port: 0, handler: () => undefined, lines: [], closedSockets: 0, sockets: new Set() };

function helloOk(line: string, s: net.Socket): boolean {
  if (line.startsWith('HELLO VERSION')) {
    s.write('HELLO REPLY RESULT=OK VERSION=3.1\n');
    return true;
  }
  return false;
}

function use(handler: Handler): SamClient {
  fake.handler = handler;
  fake.lines = [];
  return new SamClient((o) => connectLocal({ kind: 'tcp', host: '127.0.0.1', port: fake.port }, o), { maxLineBytes: 2048 });
}

const code = (c: string) => (e: unknown): boolean => {
  assert.ok(e instanceof VeilError, `not a VeilError: ${String(e)}`);
  assert.equal(e.code, c, e.message);
  return true;
};

before(async () => {
  server = net.createServer((s) => {
    fake.sockets.add(s);
    s.on('close', () => {
      fake.closedSockets++;
      fake.sockets.delete(s);
    });
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        fake.lines.push(line);
        fake.handler(line, s);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  for (const s of fake.sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('SamClient HELLO', () => {
  it('negotiates 3.1 and sends MIN/MAX', async () => {
    const c = use((l, s) => helloOk(l, s));
    assert.deepEqual(await c.hello(), { version: '3.1' });
    assert.equal(fake.lines[0], 'HELLO VERSION MIN=3.1 MAX=3.3');
  });

  it('maps NOVERSION and refuses version 2', async () => {
    await assert.rejects(use((_l, s) => void s.write('HELLO REPLY RESULT=NOVERSION\n')).hello(), code('VEIL_SAM_NOVERSION'));
    await assert.rejects(use((_l, s) => void s.write('HELLO REPLY RESULT=OK VERSION=2.0\n')).hello(), code('VEIL_SAM_NOVERSION'));
  });

  it('rejects garbage, a wrong reply and a too-long line', async () => {
    await assert.rejects(use((_l, s) => void s.write('HTTP/1.1 400 Bad Request\r\n')).hello(), code('VEIL_SAM_PROTOCOL'));
    await assert.rejects(use((_l, s) => void s.write('SESSION STATUS RESULT=OK\n')).hello(), code('VEIL_SAM_PROTOCOL'));
    await assert.rejects(use((_l, s) => void s.write('HELLO REPLY ' + 'X'.repeat(5000))).hello(), code('VEIL_SAM_LINE_TOO_LONG'));
  });

  it('reports a truncated reply when the bridge closes mid-line', async () => {
    await assert.rejects(use((_l, s) => void s.end('HELLO REPLY RESU')).hello(), code('VEIL_SAM_TRUNCATED'));
  });

  it('times out on a silent bridge within the deadline and closes the socket', async () => {
    const closedBefore = fake.closedSockets;
    const t = Date.now();
    await assert.rejects(use(() => undefined).hello({ timeoutMs: 300 }), code('VEIL_TIMEOUT'));
    assert.ok(Date.now() - t < 1500, `took ${Date.now() - t} ms`);
    await waitUntil(() => fake.closedSockets > closedBefore);
  });

  it('aborts on the caller signal with VEIL_ABORTED', async () => {
    const ac = new AbortController();
    const p = use(() => setImmediate(() => ac.abort())).hello({ signal: ac.signal });
    await assert.rejects(p, code('VEIL_ABORTED'));
  });

  it('fails fast with an already aborted signal, without dialing', async () => {
    const c = use((l, s) => helloOk(l, s));
    await assert.rejects(c.hello({ signal: AbortSignal.abort() }), code('VEIL_ABORTED'));
    assert.equal(fake.lines.length, 0);
  });
});

describe('SamClient SESSION CREATE', () => {
  it('creates a session that owns the control socket', async () => {
    const c = use((l, s) => {
      if (helloOk(l, s)) return;
      if (l.startsWith('SESSION CREATE')) s.write(`SESSION STATUS RESULT=OK DESTINATION=${PRIV_B64}\n`);
      if (l.startsWith('NAMING LOOKUP NAME=ME')) s.write(`NAMING REPLY RESULT=OK NAME=ME VALUE=${DEST_B64}\n`);
    });
    const session = await c.createSession({ id: 'veil-t', destination: 'TRANSIENT', options: { 'inbound.length': 0 } });
    assert.equal(fake.lines[1], 'SESSION CREATE STYLE=STREAM ID=veil-t DESTINATION=TRANSIENT SIGNATURE_TYPE=7 inbound.length=0');
    assert.equal(session.destination, DEST_B64);
    assert.equal(session.address, b32Address(DEST));
    assert.equal(session.privateKey, PRIV_B64);
    assert.equal(await session.lookup('ME'), DEST_B64);
    const closedBefore = fake.closedSockets;
    await session.close();
    await session.close();
    assert.equal(session.isOpen, false);
    await waitUntil(() => fake.closedSockets > closedBefore);
  });

  it('close ends the session\'s own streams first (open and waiting), then the control socket; other sessions keep theirs', async () => {
    const roles = new Map<net.Socket, string>();
    const closedInOrder: string[] = [];
    const c = use((l, s) => {
      if (helloOk(l, s)) return;
      const id = / ID=(\S+)/.exec(l)?.[1] ?? '?';
      const role = l.startsWith('SESSION CREATE') ? `control:${id}` : l.startsWith('STREAM CONNECT') ? `stream:${id}` : `accept:${id}`;
      roles.set(s, role);
      s.once('close', () => closedInOrder.push(role));
      if (l.startsWith('SESSION CREATE')) s.write(`SESSION STATUS RESULT=OK DESTINATION=${PRIV_B64}\n`);
      else s.write('STREAM STATUS RESULT=OK\n'); // an ACCEPT then waits for a peer that never comes
    });
    const session = await c.createSession({ id: 'mine', destination: 'TRANSIENT' });
    const streams = [await c.connect('mine', DEST_B64), await c.connect('mine', DEST_B64), await c.connect('other', DEST_B64)];
    for (const st of streams) st.on('error', () => undefined);
    const waiting = c.accept('mine').then(() => 'accepted', (e: VeilError) => e.code);
    await waitUntil(() => [...roles.values()].filter((r) => r === 'accept:mine').length === 1);
    await session.close();
    assert.equal(await waiting, 'VEIL_SAM_TRUNCATED', 'the waiting ACCEPT ended with its socket');
    await waitUntil(() => closedInOrder.includes('control:mine'));
    assert.deepEqual(closedInOrder.slice(0, 3).sort(), ['accept:mine', 'stream:mine', 'stream:mine']);
    assert.equal(closedInOrder[3], 'control:mine');
    assert.ok(!closedInOrder.includes('stream:other'), 'a stream of another session stays open');
    assert.equal(streams[2]!.destroyed, false);
    streams[2]!.destroy();
  });

  for (const [result, expected] of [
    ['DUPLICATED_ID', 'VEIL_SAM_DUPLICATED_ID'],
    ['DUPLICATED_DEST', 'VEIL_SAM_DUPLICATED_DEST'],
    ['INVALID_KEY', 'VEIL_SAM_INVALID_KEY'],
    ['INVALID_ID', 'VEIL_SAM_INVALID_ID'],
    ['I2P_ERROR MESSAGE="no tunnels"', 'VEIL_SAM_I2P_ERROR'],
    ['SOMETHING_NEW', 'VEIL_SAM_RESULT_UNKNOWN'],
  ] as const) {
    it(`maps RESULT=${result} to ${expected}`, async () => {
      const c = use((l, s) => helloOk(l, s) || void s.write(`SESSION STATUS RESULT=${result}\n`));
      await assert.rejects(c.createSession({ id: 'x', destination: 'TRANSIENT' }), code(expected));
    });
  }

  it('keeps the router MESSAGE in details', async () => {
    const c = use((l, s) => helloOk(l, s) || void s.write('SESSION STATUS RESULT=I2P_ERROR MESSAGE="no tunnels"\n'));
    await assert.rejects(c.createSession({ id: 'x', destination: 'TRANSIENT' }), (e: unknown) => e instanceof VeilError && e.details['message'] === '"no tunnels"');
  });

  it('refuses bad ids and options before dialing', async () => {
    const c = use((l, s) => void helloOk(l, s));
    await assert.rejects(c.createSession({ id: 'a b', destination: 'TRANSIENT' }), code('VEIL_SAM_COMMAND_INVALID'));
    await assert.rejects(c.createSession({ id: 'ok', destination: 'TRANSIENT', options: { 'x': 'a\nSESSION' } }), code('VEIL_SAM_COMMAND_INVALID'));
    await assert.rejects(c.createSession({ id: 'ok', destination: 'short' }), code('VEIL_I2P_PRIVATE_KEY_INVALID'));
    assert.equal(fake.lines.length, 0);
  });

  it('rejects OK without DESTINATION, or with a malformed one', async () => {
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('SESSION STATUS RESULT=OK\n')).createSession({ id: 'x', destination: 'TRANSIENT' }), code('VEIL_SAM_PROTOCOL'));
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('SESSION STATUS RESULT=OK DESTINATION=AAAA\n')).createSession({ id: 'x', destination: 'TRANSIENT' }), code('VEIL_I2P_PRIVATE_KEY_INVALID'));
  });
});

describe('SamClient streams, naming, keys', () => {
  it('connect hands over the raw stream, including bytes in the same chunk as the status', async () => {
    const c = use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=OK\nraw-bytes'));
    const stream = await c.connect('veil', b32Address(DEST));
    assert.equal(fake.lines[1], `STREAM CONNECT ID=veil DESTINATION=${b32Address(DEST)} SILENT=false`);
    assert.equal(await readN(stream, 9), 'raw-bytes');
    stream.destroy();
  });

  it('connect maps CANT_REACH_PEER, and retries it when asked', async () => {
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=CANT_REACH_PEER\n')).connect('veil', DEST_B64), code('VEIL_SAM_CANT_REACH_PEER'));
    let attempts = 0;
    const c = use((l, s) => helloOk(l, s) || void s.write(++attempts < 3 ? 'STREAM STATUS RESULT=CANT_REACH_PEER\n' : 'STREAM STATUS RESULT=OK\n'));
    const stream = await c.connect('veil', DEST_B64, { retryUnreachable: true, timeoutMs: 5000 });
    assert.equal(attempts, 3);
    stream.destroy();
    const t = Date.now();
    const never = use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=CANT_REACH_PEER\n'));
    await assert.rejects(never.connect('veil', DEST_B64, { retryUnreachable: true, timeoutMs: 800 }), code('VEIL_SAM_CANT_REACH_PEER'));
    assert.ok(Date.now() - t < 2000);
  });

  it('connect validates the destination before dialing', async () => {
    const c = use((l, s) => void helloOk(l, s));
    await assert.rejects(c.connect('veil', 'nope.b32.i2p'), code('VEIL_I2P_B32_INVALID'));
    await assert.rejects(c.connect('veil', 'AAAA'), code('VEIL_I2P_DESTINATION_INVALID'));
    assert.equal(fake.lines.length, 0);
  });

  it('accept returns the peer destination and the data after it', async () => {
    const c = use((l, s) => {
      if (helloOk(l, s)) return;
      s.write('STREAM STATUS RESULT=OK\n');
      setTimeout(() => s.write(`${DEST_B64}\nping`), 20);
    });
    const { peerDestination, stream } = await c.accept('veil');
    assert.equal(peerDestination, DEST_B64);
    assert.equal(await readN(stream, 4), 'ping');
    stream.destroy();
  });

  it('accept honours the peer deadline and rejects a garbage peer line', async () => {
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=OK\n')).accept('veil', { peerTimeoutMs: 200 }), code('VEIL_TIMEOUT'));
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=OK\nnot a destination!\n')).accept('veil'), code('VEIL_SAM_PROTOCOL'));
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=INVALID_ID\n')).accept('veil'), code('VEIL_SAM_INVALID_ID'));
  });

  it('lookup returns VALUE and maps KEY_NOT_FOUND', async () => {
    assert.equal(await use((l, s) => helloOk(l, s) || void s.write(`NAMING REPLY RESULT=OK NAME=x.i2p VALUE=${DEST_B64}\n`)).lookup('x.i2p'), DEST_B64);
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write('NAMING REPLY RESULT=KEY_NOT_FOUND NAME=x.i2p\n')).lookup('x.i2p'), code('VEIL_SAM_KEY_NOT_FOUND'));
  });

  it('generateDestination checks PUB against PRIV', async () => {
    const g = await use((l, s) => helloOk(l, s) || void s.write(`DEST REPLY PUB=${DEST_B64} PRIV=${PRIV_B64}\n`)).generateDestination();
    assert.deepEqual(g, { destination: DEST_B64, privateKey: PRIV_B64, address: b32Address(DEST) });
    assert.equal(fake.lines[1], 'DEST GENERATE SIGNATURE_TYPE=7');
    await assert.rejects(use((l, s) => helloOk(l, s) || void s.write(`DEST REPLY PUB=AAAA PRIV=${PRIV_B64}\n`)).generateDestination(), code('VEIL_SAM_PROTOCOL'));
  });

  it('forward registers and ends when closed; refuses non-loopback targets', async () => {
    const c = use((l, s) => helloOk(l, s) || void s.write('STREAM STATUS RESULT=OK\n'));
    const fwd = await c.forward('veil', { port: 4567 });
    assert.equal(fake.lines[1], 'STREAM FORWARD ID=veil PORT=4567 HOST=127.0.0.1 SILENT=false');
    await fwd.close();
    await fwd.closed;
    await assert.rejects(c.forward('veil', { port: 4567, host: '10.0.0.1' }), code('VEIL_SAM_COMMAND_INVALID'));
  });
});

function readN(stream: NodeJS.ReadableStream, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.length >= n) {
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
