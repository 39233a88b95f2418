/**
 * Listening sockets for HTTP: the node's tub listeners (its peer-facing port, usually behind an onion service or
 * an I2P destination) and the web port (gateway and status). Binds exactly the endpoint given; whether that
 * endpoint is acceptable was decided by the config layer's IP-leak check.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unlink } from 'node:fs/promises';
import { VeilError, raceAbort, throwIfAborted, type AbortOptions, type Closable } from '../core/index.js';

export type HttpListenTarget = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

export interface HttpListener extends Closable {
  readonly server: Server;
  /** Where it listens (the real port when 0 was asked for). */
  readonly target: HttpListenTarget;
  /** `http://host:port` for TCP, `unix:PATH` for a Unix socket. */
  readonly url: string;
}

/** Starts an HTTP server on `target`. Throws VEIL_LISTEN_FAILED; honours `signal`. close() is idempotent. */
export async function listenHttp(target: HttpListenTarget, handler: RequestListener, options: AbortOptions = {}): Promise<HttpListener> {
  const what = target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
  throwIfAborted(options.signal, `listen on ${what}`);
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, handler);
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new VeilError('VEIL_LISTEN_FAILED', `cannot listen on ${what}: ${err.code ?? err.message}`, { cause: err, details: { errno: err.code } })),
    );
    if (target.kind === 'tcp') server.listen({ host: target.host, port: target.port, exclusive: true }, resolve);
    else server.listen({ path: target.path, exclusive: true }, resolve);
  });
  await raceAbort(listening, options.signal, `listen on ${what}`, () => server.close());
  let bound: HttpListenTarget = target;
  if (target.kind === 'tcp') {
    const a = server.address() as AddressInfo;
    bound = { kind: 'tcp', host: a.address, port: a.port };
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(async () => {
      if (target.kind === 'unix') await unlink(target.path).catch(() => undefined);
    }));
  const url = bound.kind === 'tcp' ? `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}` : `unix:${bound.path}`;
  return { server, target: bound, url, close };
}

export interface StreamHttpServer extends Closable {
  readonly server: Server;
  /** Serves HTTP on an already-connected stream (e.g. an I2P stream accepted through SAM). */
  accept(stream: import('node:stream').Duplex): void;
}

/**
 * An HTTP server that listens on nothing: it serves streams handed to it (accepted I2P streams). close() ends
 * every connection it serves.
 */
export function createStreamHttpServer(handler: RequestListener): StreamHttpServer {
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, handler);
  const open = new Set<import('node:stream').Duplex>();
  let closing: Promise<void> | undefined;
  return {
    server,
    accept(stream) {
      if (closing) {
        stream.destroy();
        return;
      }
      open.add(stream);
      stream.once('close', () => open.delete(stream));
      server.emit('connection', stream);
    },
    close: () =>
      (closing ??= (async () => {
        for (const s of open) s.destroy();
        await Promise.all([...open].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))));
      })()),
  };
}
