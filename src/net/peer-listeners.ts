/**
 * The peer-facing server of a node: its tub listeners (TCP, the onion service's local port) and accepted I2P
 * streams all feed one stream server that speaks HTTPS with the node's long-term TLS key (issue #4 §1: TLS even
 * over onion services, as defence in depth). A connection whose first byte is not a TLS handshake record
 * (RFC 8446 §5.1, content type 22) is served by the plain `plainHandler` instead, which answers only the public
 * identity request (`GET /veil/v1/node`) so `veil ping` and older peers keep working; grid services are https.
 */
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { unlink } from 'node:fs/promises';
import { VeilError, logger, raceAbort, throwIfAborted, type AbortOptions, type Closable } from '../core/index.js';
import type { HttpListener, HttpListenTarget } from './listeners.js';

const log = logger('veil:net:peer');
/** TLS record content type "handshake" (RFC 8446 §5.1). */
const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long is closed (ms). */
const FIRST_BYTE_TIMEOUT_MS = 60_000;

/**
 * A Duplex that yields `first` and then everything `stream` reads, and writes to `stream`. Needed because the
 * TLS and HTTP servers read a net.Socket's handle directly (bypassing its JS buffer), so `unshift` would lose the
 * sniffed bytes; a JS stream is read through its events.
 */
function withFirstChunk(stream: Duplex, first: Buffer): Duplex {
  const wrapped = new Duplex({
    read: () => {
      stream.resume();
    },
    write: (chunk: Buffer, encoding, callback) => {
      stream.write(chunk, encoding, callback);
    },
    final: (callback) => {
      stream.end();
      callback();
    },
    destroy: (err, callback) => {
      stream.destroy();
      callback(err);
    },
  });
  wrapped.push(first);
  stream.on('data', (chunk: Buffer) => {
    if (!wrapped.push(chunk)) stream.pause();
  });
  stream.once('end', () => wrapped.push(null));
  stream.once('close', () => wrapped.destroy());
  return wrapped;
}

export interface PeerStreamServer extends Closable {
  /** Serves an already-connected stream (an accepted I2P stream, a TCP connection). */
  accept(stream: Duplex): void;
  /**
   * Listens on `target` and serves every connection; `onAccept` sees each accepted socket first (the node's
   * connection list). Throws VEIL_LISTEN_FAILED; honours `signal`.
   */
  listen(target: HttpListenTarget, options?: PeerListenOptions): Promise<HttpListener>;
}

export interface PeerListenOptions extends AbortOptions {
  readonly onAccept?: ((socket: Socket) => void) | undefined;
}

export interface PeerStreamServerOptions {
  readonly keyPem: string;
  readonly certPem: string;
  /** Requests that arrived over TLS. */
  readonly tlsHandler: RequestListener;
  /** Requests that arrived without TLS (public identity only). */
  readonly plainHandler: RequestListener;
  /** Largest request headers (bytes; default 16 KiB). */
  readonly maxHeaderBytes?: number | undefined;
}

export function createPeerStreamServer(options: PeerStreamServerOptions): PeerStreamServer {
  const maxHeaderSize = options.maxHeaderBytes ?? 16 * 1024;
  const https = createHttpsServer({ key: options.keyPem, cert: options.certPem, minVersion: 'TLSv1.3', requestTimeout: 0, keepAliveTimeout: 5000, maxHeaderSize }, options.tlsHandler);
  const http = createHttpServer({ requestTimeout: 0, keepAliveTimeout: 5000, maxHeaderSize }, options.plainHandler);
  https.on('tlsClientError', (err) => log.debug('TLS handshake from a peer failed:', err.message));
  const open = new Set<Duplex>();
  const netServers = new Set<NetServer>();
  let closing: Promise<void> | undefined;

  const accept = (stream: Duplex): void => {
    if (closing) {
      stream.destroy();
      return;
    }
    open.add(stream);
    stream.once('close', () => open.delete(stream));
    stream.on('error', (err) => log.debug('peer stream error:', err.message));
    const timer = setTimeout(() => stream.destroy(), FIRST_BYTE_TIMEOUT_MS);
    timer.unref();
    stream.once('close', () => clearTimeout(timer));
    stream.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      (chunk[0] === TLS_HANDSHAKE ? https : http).emit('connection', withFirstChunk(stream, chunk));
    });
  };

  const listen = async (target: HttpListenTarget, opts: PeerListenOptions = {}): Promise<HttpListener> => {
    const what = target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
    throwIfAborted(opts.signal, `listen on ${what}`);
    const onAccept = opts.onAccept;
    const server = createNetServer({ pauseOnConnect: false }, (socket) => {
      onAccept?.(socket);
      accept(socket);
    });
    const listening = new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new VeilError('VEIL_LISTEN_FAILED', `cannot listen on ${what}: ${err.code ?? err.message}`, { cause: err, details: { errno: err.code } })),
      );
      if (target.kind === 'tcp') server.listen({ host: target.host, port: target.port, exclusive: true }, resolve);
      else server.listen({ path: target.path, exclusive: true }, resolve);
    });
    await raceAbort(listening, opts.signal, `listen on ${what}`, () => server.close());
    netServers.add(server);
    let bound: HttpListenTarget = target;
    if (target.kind === 'tcp') {
      const a = server.address() as AddressInfo;
      bound = { kind: 'tcp', host: a.address, port: a.port };
    }
    let closingOne: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closingOne ??= new Promise<void>((resolve) => server.close(() => resolve())).then(async () => {
        netServers.delete(server);
        if (target.kind === 'unix') await unlink(target.path).catch((err: unknown) => log.debug('cannot remove a socket file:', err));
      }));
    const url = bound.kind === 'tcp' ? `https://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}` : `unix:${bound.path}`;
    return { server: http, target: bound, url, close };
  };

  return {
    accept,
    listen,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([...netServers].map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of open) s.destroy();
        await Promise.all([...open].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))));
        http.closeAllConnections();
        https.close();
      })()),
  };
}
