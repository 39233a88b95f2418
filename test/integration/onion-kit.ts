/**
 * Shared pieces of the onion service and doctor suites: the private Tor network (the run's shared one from
 * VEIL_TESTNET, or one started here when the suite runs alone), a CLI runner with captured output, a TCP
 * echo service, and a waiter for progress events.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ProgressEvent } from '../../src/core/index.js';
import { main } from '../../src/cli/main.js';
import { startTorTestnet, type TorTestnetInfo } from '../../src/testnet/index.js';
import type { TorDialer } from '../../src/net/index.js';
import { getTorTestnet } from './testnet-env.js';

export interface TestNetwork {
  readonly tor: TorTestnetInfo;
  close(): Promise<void>;
}

/** The run's network when VEIL_TESTNET is set; otherwise a private one for this suite (2 clients). */
export async function useTorTestnet(): Promise<TestNetwork> {
  if (process.env['VEIL_TESTNET']) return { tor: getTorTestnet(), close: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'veil-onion-net-'));
  const handle = await startTorTestnet({ dir, clients: 2, signal: AbortSignal.timeout(180_000) });
  return {
    tor: handle.info,
    close: async () => {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `veil ARGS` in-process with captured stdout/stderr. */
export async function cli(args: readonly string[], timeoutMs = 150_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const io = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: { ...process.env, VEIL_LOG: 'warn' }, cwd: process.cwd() };
  const code = await main(args, io, AbortSignal.timeout(timeoutMs));
  return { code, stdout, stderr };
}

/** A TCP echo service on 127.0.0.1 (an "SSH-like" local service). */
export async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Sends a line through the onion service and resolves with what came back (deadline `timeoutMs`). */
export async function echoThrough(dialer: TorDialer, address: string, port: number, timeoutMs = 60_000): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const stream = await dialer.dial(address, port, { signal });
  try {
    return await new Promise<string>((resolve, reject) => {
      stream.once('data', (b: Buffer) => resolve(b.toString()));
      stream.once('error', reject);
      stream.once('end', () => reject(new Error('closed before the echo')));
      signal.addEventListener('abort', () => reject(new Error('no echo before the deadline')), { once: true });
      stream.write('ping');
    });
  } finally {
    stream.destroy();
  }
}

/**
 * Like echoThrough, for the first contact with a freshly published (or republished) service: "published" means
 * one HSDir has the descriptor, and the client may ask another one first (VEIL_TOR_ONION_NOT_FOUND), or hold a
 * descriptor from before a restart (introduction fails, Tor refetches). A client retrying twice is what users
 * see too; any other error is final.
 */
export async function echoFirstContact(dialer: TorDialer, address: string, port: number, forget?: () => Promise<void>): Promise<string> {
  const isTransient = (e: unknown): boolean => e instanceof Error && ['VEIL_TOR_ONION_NOT_FOUND', 'VEIL_TOR_ONION_INTRO_FAILED', 'VEIL_SOCKS_GENERAL_FAILURE'].includes((e as { code?: string }).code ?? '');
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await echoThrough(dialer, address, port);
    } catch (err) {
      if (attempt >= 4 || !isTransient(err)) throw err;
      // Tor answers a repeated lookup it failed from memory: wait a little and make it forget (SIGNAL NEWNYM).
      await new Promise((r) => setTimeout(r, 1500 * attempt));
      await forget?.();
    }
  }
}

/** Records progress events; wait() resolves on the first (past or future) event matching `pred`. */
export class EventLog {
  readonly events: ProgressEvent[] = [];
  readonly #waiters = new Set<{ pred: (e: ProgressEvent) => boolean; resolve: (e: ProgressEvent) => void }>();

  readonly listener = (e: ProgressEvent): void => {
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (w.pred(e)) {
        this.#waiters.delete(w);
        w.resolve(e);
      }
    }
  };

  wait(pred: (e: ProgressEvent) => boolean, timeoutMs: number, since = 0): Promise<ProgressEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (e: ProgressEvent) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching progress event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
