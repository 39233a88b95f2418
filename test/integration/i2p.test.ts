/**
 * I2P against real i2pd routers of the private loopback network. Uses the run's network when VEIL_TESTNET
 * names one (getI2pTestnet()), otherwise starts its own in a temp folder and stops it afterwards.
 * Budget: ~15 s to start a network (fast-SAM patch) + ~10 s per pair of sessions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { VeilError } from '../../src/core/index.js';
import { SamClient, launchI2pd, listProcessSockets, type SamSession } from '../../src/i2p/index.js';
import { connectLocal } from '../../src/net/local-daemon.js';
import { i2pTestnetJoin, startI2pTestnet, type I2pTestnetHandle } from '../../src/testnet/i2p.js';
import type { I2pTestnetInfo } from '../../src/testnet/types.js';
import { getI2pTestnet } from './testnet-env.js';

const ONE_MB = 1024 * 1024;
const TUNNELS = { 'inbound.length': 0, 'outbound.length': 0, 'inbound.quantity': 2, 'outbound.quantity': 2 };

let info: I2pTestnetInfo;
let own: I2pTestnetHandle | undefined;
let ownDir: string | undefined;

const samClient = (port: number): SamClient => new SamClient((o) => connectLocal({ kind: 'tcp', host: '127.0.0.1', port }, o));
const code = (c: string) => (e: unknown): boolean => {
  assert.ok(e instanceof VeilError, `not a VeilError: ${String(e)}`);
  assert.equal(e.code, c, e.message);
  return true;
};

before(async () => {
  if (process.env['VEIL_TESTNET']) {
    info = getI2pTestnet();
    return;
  }
  ownDir = await mkdtemp(join(tmpdir(), 'veil-i2p-it-'));
  own = await startI2pTestnet({ dir: ownDir, signal: AbortSignal.timeout(180_000) });
  info = own.info;
});

after(async () => {
  if (own) {
    const pids = own.info.routers.map((r) => r.pid);
    await own.close();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `router pid ${pid} still running after close()`);
  }
  if (ownDir) await rm(ownDir, { recursive: true, force: true });
});

/** Every socket `ss -tunap` shows for these PIDs is on 127.0.0.0/8. Returns how many were checked. */
function assertSsLoopbackOnly(pids: readonly number[]): number {
  const out = execFileSync('ss', ['-tunap'], { encoding: 'utf8' });
  let checked = 0;
  for (const line of out.split('\n')) {
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (!pid || !pids.includes(Number(pid))) continue;
    const cols = line.trim().split(/\s+/);
    const local = cols[4] ?? '';
    const peer = cols[5] ?? '';
    assert.match(local, /^127\.\d+\.\d+\.\d+:\d+$/, `i2pd socket not on loopback: ${line}`);
    assert.match(peer, /^(127\.\d+\.\d+\.\d+:\d+|0\.0\.0\.0:\*|\*:\*)$/, `i2pd peer not on loopback: ${line}`);
    checked++;
  }
  return checked;
}

describe('private I2P network', () => {
  it('every i2pd socket (ss -tunap, by PID) is on 127.0.0.x', () => {
    const checked = assertSsLoopbackOnly(info.routers.map((r) => r.pid));
    // Each router listens on NTCP2 (+ console); SAM routers also on SAM TCP+UDP.
    assert.ok(checked >= info.routers.length * 2, `only ${checked} sockets seen`);
  });

  describe('SAM streams across routers', () => {
    let a: SamSession;
    let b: SamSession;
    let clientA: SamClient;
    let clientB: SamClient;
    let createSeconds = 0;

    before(async () => {
      const sam = info.routers.filter((r) => r.samPort !== undefined);
      assert.ok(sam.length >= 2, 'the network needs two SAM routers');
      clientA = samClient(sam[0]!.samPort!);
      clientB = samClient(sam[1]!.samPort!);
      const id = randomBytes(4).toString('hex');
      const t = Date.now();
      [a, b] = await Promise.all([
        clientA.createSession({ id: `it-a-${id}`, destination: 'TRANSIENT', options: TUNNELS }),
        clientB.createSession({ id: `it-b-${id}`, destination: 'TRANSIENT', options: TUNNELS }),
      ]);
      createSeconds = (Date.now() - t) / 1000;
    });

    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('NAMING LOOKUP of the other router\'s .b32.i2p address gives its destination', async (t) => {
      t.diagnostic(`two SESSION CREATE in parallel took ${createSeconds.toFixed(1)} s`);
      assert.equal(await a.lookup(b.address, { timeoutMs: 30_000 }), b.destination);
      assert.equal(await b.lookup('ME'), b.destination);
    });

    it('STREAM CONNECT by .b32.i2p to an ACCEPTing session: 1 MB echoed byte-identical', async (ctx) => {
      const accepting = clientB.accept(b.id, { peerTimeoutMs: 60_000 });
      const t = Date.now();
      const stream = await clientA.connect(a.id, b.address, { retryUnreachable: true, timeoutMs: 60_000 });
      const accepted = await accepting;
      assert.equal(accepted.peerDestination, a.destination);
      accepted.stream.pipe(accepted.stream); // echo
      const payload = randomBytes(ONE_MB);
      const echoed = readExactly(stream, ONE_MB, 120_000);
      stream.write(payload);
      const got = await echoed;
      const seconds = (Date.now() - t) / 1000;
      ctx.diagnostic(`connect + 1 MB echo over I2P took ${seconds.toFixed(2)} s`);
      assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(payload).digest('hex'));
      stream.destroy();
      accepted.stream.destroy();
    });

    it('STREAM CONNECT with an unknown session id is INVALID_ID', async () => {
      await assert.rejects(clientA.connect('no-such-session', b.address, { timeoutMs: 10_000 }), code('VEIL_SAM_INVALID_ID'));
    });

    it('SESSION CREATE with a duplicated id is DUPLICATED_ID', async () => {
      await assert.rejects(clientA.createSession({ id: a.id, destination: 'TRANSIENT', options: TUNNELS, timeoutMs: 30_000 }), code('VEIL_SAM_DUPLICATED_ID'));
    });
  });

  it('launchI2pd joins the private network as one more router and stops cleanly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-i2p-launch-'));
    const host = `127.0.1.${2 + Math.floor(Math.random() * 250)}`;
    try {
      const router = await launchI2pd({ executable: info.i2pdBinary, dataDir: dir, samPort: 'auto', join: i2pTestnetJoin(info, host), timeoutMs: 20_000 });
      try {
        assert.deepEqual(await samClient(router.samPort).hello(), { version: '3.1' });
        const sockets = await router.sockets();
        assert.ok(sockets.some((s) => s.localAddress === host && s.localPort === router.ntcp2Port), 'NTCP2 listener on the join host');
        assert.ok(assertSsLoopbackOnly([router.pid]) >= 2);
      } finally {
        await router.close();
      }
      const exit = await router.exited;
      assert.ok(exit.code !== null || exit.signal !== null);
      await assert.rejects(listProcessSockets(router.pid));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fake SAM bridge: typed errors within the deadline', () => {
  let server: net.Server;
  let port: number;
  let reply: (line: string, s: net.Socket) => void = () => undefined;
  const open = new Set<net.Socket>();

  before(async () => {
    server = net.createServer((s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.startsWith('HELLO')) s.write('HELLO REPLY RESULT=OK VERSION=3.1\n');
          else reply(line, s);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const cases: [string, (l: string, s: net.Socket) => void, string][] = [
    ['garbage', (_l, s) => void s.write('\u0000\u0001garbage\n'), 'VEIL_SAM_PROTOCOL'],
    ['truncated', (_l, s) => void s.end('SESSION STATUS RESULT=O'), 'VEIL_SAM_TRUNCATED'],
    ['I2P_ERROR', (_l, s) => void s.write('SESSION STATUS RESULT=I2P_ERROR MESSAGE="oops"\n'), 'VEIL_SAM_I2P_ERROR'],
    ['silence', () => undefined, 'VEIL_TIMEOUT'],
  ];
  for (const [name, fn, expected] of cases) {
    it(`${name} → ${expected} within 1 s`, async () => {
      reply = fn;
      const t = Date.now();
      await assert.rejects(samClient(port).createSession({ id: 'x', destination: 'TRANSIENT', timeoutMs: 500 }), code(expected));
      assert.ok(Date.now() - t < 1000, `took ${Date.now() - t} ms`);
    });
  }
});

function readExactly(stream: Duplex, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => finish(new Error(`only ${got} of ${n} bytes within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer): void => {
      chunks.push(d);
      got += d.length;
      if (got >= n) finish();
    };
    const onEnd = (): void => finish(new Error(`stream ended after ${got} of ${n} bytes`));
    function finish(err?: Error): void {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', finish);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).subarray(0, n));
    }
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', finish);
  });
}
