/**
 * The conformance suite every Dialer passes (direct, Tor, later I2P): the same behaviour whatever the transport.
 * Call runDialerConformance() at the top level of a test file; it registers a `describe` block.
 *
 * The suite starts its own services on 127.0.0.1 (an echo server, a port nobody listens on, and a listener
 * whose accept queue is full so that connecting to it never completes) and asks the target to expose them
 * through the dialer (identity for direct and Tor: a Tor exit of the private network reaches 127.0.0.1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { VeilError, type VeilErrorCode } from '../../src/core/index.js';
import type { Dialer } from '../../src/net/dialer.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ConformanceTarget {
  /** Makes a TCP service on 127.0.0.1 reachable through the dialer; default: dial 127.0.0.1:port as is. */
  readonly expose?: (local: HostPort) => HostPort | Promise<HostPort>;
  /** Deadline for a dial that should succeed or be refused (ms). */
  readonly dialTimeoutMs: number;
  /** Deadline for the refused dial (ms; default dialTimeoutMs). */
  readonly refusedTimeoutMs?: number;
  /** Codes a refused connection may give (default VEIL_DIAL_REFUSED). */
  readonly refusedCodes?: readonly VeilErrorCode[];
}

/** Open TCP sockets of this process (libuv TCP handles, including listeners). */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

/** Waits (event-loop turns, bounded) until this process holds at most `n` TCP handles. */
async function waitForTcpHandles(n: number, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (tcpHandles() > n) {
    if (Date.now() > end) assert.fail(`a socket was left open: ${tcpHandles()} TCP handles, expected at most ${n}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** An echo server that counts its open connections and can wait for them to drop to zero. */
export class EchoServer {
  readonly server = net.createServer((socket) => {
    this.#open.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#open.delete(socket);
      if (this.#open.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
    });
    socket.pipe(socket);
  });
  readonly #open = new Set<net.Socket>();
  readonly #idleWaiters: Array<() => void> = [];

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  get openConnections(): number {
    return this.#open.size;
  }

  /** Resolves when no connection is open (rejects after `deadlineMs`). */
  idle(deadlineMs: number): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo server still has ${this.#open.size} connections`)), deadlineMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.#open) s.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A 127.0.0.1 port whose accept queue is full: connecting to it never completes (Linux drops the SYN when the
 * accept queue of a listener is full). Node accepts every connection, so a python3 child listens with backlog 0
 * and never accepts; one filler connection fills the queue.
 */
export class StalledListener {
  #child: ChildProcess | undefined;
  #filler: net.Socket | undefined;
  port = 0;

  async start(): Promise<number> {
    const script = "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`stalled listener exited early (${code})`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    this.#filler = net.connect(this.port, '127.0.0.1');
    this.#filler.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.#filler!.once('connect', resolve);
      this.#filler!.once('error', reject);
    });
    return this.port;
  }

  async close(): Promise<void> {
    this.#filler?.destroy();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/** A 127.0.0.1 port that nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Reads exactly `n` bytes from `stream` (rejects on close before, or after `deadlineMs`). */
function readExactly(stream: Duplex, n: number, deadlineMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => done(new Error(`read ${got} of ${n} bytes before the deadline`)), deadlineMs);
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= n) done();
    };
    const onClose = (): void => done(new Error(`stream closed after ${got} of ${n} bytes`));
    const done = (err?: Error): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    stream.on('data', onData);
    stream.once('close', onClose);
  });
}

async function expectCode(promise: Promise<unknown>, codes: readonly string[]): Promise<VeilError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof VeilError, `expected a VeilError, got ${String(err)}`);
    assert.ok(codes.includes(err.code), `expected ${codes.join(' or ')}, got ${err.code}: ${err.message}`);
    assert.ok(err.hint.length > 0);
    return err;
  }
  assert.fail(`expected ${codes.join(' or ')}, but the dial succeeded`);
}

async function destroyed(stream: Duplex): Promise<void> {
  if (stream.closed) return;
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.destroy();
  await closed;
}

export function runDialerConformance(name: string, makeDialer: () => Dialer | Promise<Dialer>, target: ConformanceTarget): void {
  describe(`dialer conformance: ${name}`, () => {
    const echo = new EchoServer();
    const stalled = new StalledListener();
    let dialer: Dialer;
    let echoAt: HostPort;
    let refusedAt: HostPort;
    let stalledAt: HostPort;
    const expose = async (port: number): Promise<HostPort> => (target.expose ? target.expose({ host: '127.0.0.1', port }) : { host: '127.0.0.1', port });

    before(async () => {
      dialer = await makeDialer();
      echoAt = await expose(await echo.listen());
      refusedAt = await expose(await unusedPort());
      stalledAt = await expose(await stalled.start());
    });
    after(async () => {
      await echo.close();
      await stalled.close();
    });

    test('describe() names the transport', () => {
      assert.match(dialer.describe(), /\S/);
    });

    test('echo: every byte comes back exactly, in order, on two parallel streams', async () => {
      const payloads = [Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(256 * 1024)]), randomBytes(64 * 1024)];
      const results = await Promise.all(
        payloads.map(async (payload, i) => {
          const stream = await dialer.dial(echoAt.host, echoAt.port, { timeoutMs: target.dialTimeoutMs, isolationToken: `conformance-echo-${i}` });
          try {
            const reading = readExactly(stream, payload.length, target.dialTimeoutMs);
            stream.write(payload);
            return await reading;
          } finally {
            await destroyed(stream);
          }
        }),
      );
      results.forEach((r, i) => assert.ok(r.equals(payloads[i]!), `stream ${i}: echoed bytes differ`));
      await echo.idle(target.dialTimeoutMs);
    });

    test('abort mid-connect rejects with VEIL_ABORTED and leaves no socket', async () => {
      const baseline = tcpHandles();
      const controller = new AbortController();
      const dialing = dialer.dial(stalledAt.host, stalledAt.port, { signal: controller.signal, timeoutMs: target.dialTimeoutMs });
      // The stalled target never answers, so the dial is still in progress whenever the abort comes.
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      await expectCode(dialing, ['VEIL_ABORTED']);
      assert.ok(Date.now() - started < 2_000, 'the abort took effect promptly');
      await waitForTcpHandles(baseline);
    });

    test('an already aborted signal rejects with VEIL_ABORTED before any socket opens', async () => {
      const baseline = tcpHandles();
      await expectCode(dialer.dial(echoAt.host, echoAt.port, { signal: AbortSignal.abort() }), ['VEIL_ABORTED']);
      assert.equal(echo.openConnections, 0);
      await waitForTcpHandles(baseline);
    });

    test('a dial that cannot finish rejects with VEIL_TIMEOUT after timeoutMs and leaves no socket', async () => {
      const baseline = tcpHandles();
      const started = Date.now();
      await expectCode(dialer.dial(stalledAt.host, stalledAt.port, { timeoutMs: 400 }), ['VEIL_TIMEOUT']);
      const took = Date.now() - started;
      assert.ok(took >= 350 && took < 5_000, `timed out after ${took} ms`);
      await waitForTcpHandles(baseline);
    });

    test('a refused connection gives a typed error', async () => {
      const baseline = tcpHandles();
      await expectCode(
        dialer.dial(refusedAt.host, refusedAt.port, { timeoutMs: target.refusedTimeoutMs ?? target.dialTimeoutMs }),
        target.refusedCodes ?? ['VEIL_DIAL_REFUSED'],
      );
      await waitForTcpHandles(baseline);
    });

    test('an invalid port is refused before any socket opens', async () => {
      const baseline = tcpHandles();
      await expectCode(dialer.dial(echoAt.host, 0), ['VEIL_INPUT_INVALID']);
      await expectCode(dialer.dial(echoAt.host, 70_000), ['VEIL_INPUT_INVALID']);
      assert.equal(tcpHandles(), baseline);
    });
  });
}
