/**
 * HTTPS to grid peers whose TLS key is pinned (issue #4 §1): the server's certificate is self-signed, so no CA
 * decides trust; instead the SHA-256 of its SubjectPublicKeyInfo, base32 (the KEYHASH of a `pb://` service
 * address), must equal the pinned value, checked after the handshake and before a single request byte is sent.
 * Streams come from the router (routerStreamOpener), so the peer is reached through whatever its hint needs.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Pool } from 'undici';
import { VeilError, abortError, withTimeout, type AbortOptions } from '../core/index.js';
import { base32Encode } from '../core/base32.js';
import { HTTP_CLIENT_DEFAULTS, type StreamOpener } from './http-over-dialer.js';

/** base32 (RFC 4648, lower case, unpadded) SHA-256 of a SubjectPublicKeyInfo DER. */
export function spkiKeyHash(spkiDer: Uint8Array): string {
  return base32Encode(createHash('sha256').update(spkiDer).digest());
}

/**
 * Runs a TLS 1.3 client handshake over `stream` and checks the server key against `keyHash`. Throws
 * VEIL_PEER_KEY_MISMATCH (the stream is destroyed, nothing was sent), VEIL_HTTP_REQUEST_FAILED for handshake
 * errors, VEIL_ABORTED / VEIL_TIMEOUT. Honours `signal`.
 */
export function startPinnedTls(stream: Duplex, keyHash: string, options: AbortOptions = {}): Promise<TLSSocket> {
  const { signal } = options;
  if (signal?.aborted) {
    stream.destroy();
    return Promise.reject(abortError(signal, 'TLS handshake'));
  }
  return new Promise<TLSSocket>((resolve, reject) => {
    // Trust comes from the pin below, not from a CA: the certificate chain is not verified.
    const tls = tlsConnect({ socket: stream as Socket, rejectUnauthorized: false, minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] });
    const cleanup = (): void => {
      tls.off('secureConnect', onSecure);
      tls.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: VeilError): void => {
      cleanup();
      tls.destroy();
      stream.destroy();
      reject(err);
    };
    const onSecure = (): void => {
      const cert = tls.getPeerX509Certificate();
      const got = cert ? spkiKeyHash(cert.publicKey.export({ type: 'spki', format: 'der' })) : '(no certificate)';
      if (got !== keyHash) {
        fail(new VeilError('VEIL_PEER_KEY_MISMATCH', `the server's TLS key does not match the pinned key hash (got ${got.slice(0, 12)}…, want ${keyHash.slice(0, 12)}…)`));
        return;
      }
      cleanup();
      resolve(tls);
    };
    const onError = (err: Error): void => fail(new VeilError('VEIL_HTTP_REQUEST_FAILED', `TLS handshake with a grid peer failed: ${err.message}`, { cause: err }));
    const onAbort = (): void => fail(abortError(signal!, 'TLS handshake'));
    tls.once('secureConnect', onSecure);
    tls.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Streams tried per connection when the previous one broke or stalled before the TLS handshake completed. */
const HANDSHAKE_ATTEMPTS = 3;

export const PINNED_TLS_DEFAULTS = Object.freeze({
  /** One TLS handshake over one stream (ms). */
  handshakeTimeoutMs: 30_000,
});

/**
 * The stream broke during the handshake, nothing but a ClientHello was sent: the peer (or the path to it) closed
 * it, or what came back was not TLS at all (OpenSSL's "wrong version number": an I2P stream that was not yet a
 * working connection to the peer). A server with the wrong key fails the pin instead, and is never retried.
 */
function isBrokenBeforeHandshake(err: unknown): boolean {
  if (!(err instanceof VeilError) || err.code !== 'VEIL_HTTP_REQUEST_FAILED') return false;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_SSL_WRONG_VERSION_NUMBER';
}

export interface PinnedAgentOptions {
  readonly open: StreamOpener;
  /** The KEYHASH every connection's server key must have. */
  readonly keyHash: string;
  readonly connectTimeoutMs?: number | undefined;
  /** One TLS handshake on one stream; a stalled one is retried on a new stream within connectTimeoutMs (ms). */
  readonly handshakeTimeoutMs?: number | undefined;
  /** Parallel connections to the one server (default 2). */
  readonly connections?: number | undefined;
  /**
   * Longest silence on an open connection, in ms: from a request sent to its response headers, and between two
   * pieces of a response body (undici's headersTimeout and bodyTimeout; default 300 s). A stalled Tor or I2P
   * stream is then given up (VEIL_HTTP_STALLED) instead of holding its request until the whole-request deadline.
   */
  readonly stallTimeoutMs?: number | undefined;
  /** The one origin requests use (default https://veil-peer); its host and port are only placeholders. */
  readonly origin?: string | undefined;
}

/**
 * An undici dispatcher for `https://` URLs of one pinned grid server: a Pool of at most `connections` kept-alive
 * connections, each a stream from `open` (the URL's host and port are handed to it unresolved). The caller owns
 * it: `await agent.close()`.
 *
 * A Pool, not an Agent: undici 7's Agent counts connects and disconnects per origin across the pools it replaces,
 * so once one connection closes (undici closes after every HEAD) it closes each new pool after its first request
 * and every request opened a new stream, i.e. a new Tor circuit stream or I2P stream and TLS handshake per block.
 */
export function createPinnedAgent(options: PinnedAgentOptions): Pool {
  const connectTimeoutMs = options.connectTimeoutMs ?? HTTP_CLIENT_DEFAULTS.connectTimeoutMs;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? PINNED_TLS_DEFAULTS.handshakeTimeoutMs;
  return new Pool(options.origin ?? 'https://veil-peer', {
    keepAliveTimeout: HTTP_CLIENT_DEFAULTS.keepAliveTimeoutMs,
    connections: options.connections ?? 2,
    ...(options.stallTimeoutMs === undefined ? {} : { headersTimeout: options.stallTimeoutMs, bodyTimeout: options.stallTimeoutMs }),
    connect: (opts, callback) => {
      const signal = withTimeout(undefined, connectTimeoutMs);
      const run = async (): Promise<Socket> => {
        if (opts.protocol !== 'https:') throw new VeilError('VEIL_INPUT_INVALID', 'grid requests are always https');
        const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
        const port = Number(opts.port || 443);
        // A stream that closes, stalls or answers something other than TLS before the handshake is done is retried
        // on a new stream: an I2P stream may be accepted by the SAM bridge (RESULT=OK: only the SYN was sent) and
        // then end, or never be answered, while the lease sets of a new session settle; a Tor circuit may stall.
        for (let attempt = 1; ; attempt++) {
          const stream = await options.open(host, port, { signal });
          const handshake = withTimeout(signal, handshakeTimeoutMs);
          try {
            return (await startPinnedTls(stream, options.keyHash, { signal: handshake })) as unknown as Socket;
          } catch (err) {
            const isStalled = err instanceof VeilError && err.code === 'VEIL_TIMEOUT' && !(signal?.aborted ?? false);
            if (attempt >= HANDSHAKE_ATTEMPTS || !(isStalled || isBrokenBeforeHandshake(err)) || signal?.aborted) throw err;
          }
        }
      };
      run().then(
        (socket) => callback(null, socket),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
      );
    },
  });
}
