/**
 * HTTP(S) client requests sent through a Dialer or the router: an undici 7 Agent whose `connect` opens the stream
 * with our dialer (so over Tor when the node hides its IP) and, for https:, runs TLS over that stream with
 * node:tls `connect({ socket })`. Host names are handed to the dialer unresolved: the Tor dialer sends them to
 * the exit (SOCKS ATYP 0x03); nothing here ever calls the system resolver. Redirects are never followed.
 *
 * Used for DNS-over-HTTPS (src/names) and for public trustless gateways and delegated routing (src/node
 * gateway-sources.ts, issue #5 §3).
 */
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { VeilError, abortError, isVeilError, logger, sensitive, withTimeout, type AbortOptions } from '../core/index.js';
import type { ConnectionHint } from '../config/index.js';

const log = logger('veil:net:http');

/** Default deadlines and limits of this file. */
export const HTTP_CLIENT_DEFAULTS = Object.freeze({
  /** Opening the stream (a Tor circuit may take a while) plus the TLS handshake (ms). */
  connectTimeoutMs: 60_000,
  /** A whole request, headers and body (ms). */
  requestTimeoutMs: 60_000,
  /** Idle keep-alive connections are closed after this (ms). */
  keepAliveTimeoutMs: 30_000,
  /** Largest response body read by httpRequest() unless the caller says otherwise (bytes). */
  maxBodyBytes: 1024 * 1024,
  /** Most response headers kept. */
  maxHeaders: 100,
});

/** Opens a byte stream to `host:port`: a Dialer's dial(), or a router dial (routerStreamOpener). */
export type StreamOpener = (host: string, port: number, options: AbortOptions) => Promise<Duplex>;

export interface DialerAgentOptions {
  readonly open: StreamOpener;
  /** Deadline for the stream plus the TLS handshake (ms; HTTP_CLIENT_DEFAULTS.connectTimeoutMs). */
  readonly connectTimeoutMs?: number | undefined;
  /** Extra trusted CA certificates (PEM), e.g. a test resolver's; the system CAs stay trusted too. */
  readonly ca?: string | readonly string[] | undefined;
  readonly keepAliveTimeoutMs?: number | undefined;
}

/**
 * A StreamOpener that dials through the router as a `tcp:` connection hint: the router's policy decides the
 * transport (Tor when `[connections] tcp = tor`, direct only when the node reveals its IP) and refuses targets
 * its policy forbids (VEIL_ROUTE_NO_HANDLER). `peerId` picks the Tor isolation token: one circuit per service.
 */
export function routerStreamOpener(
  router: { dial(hint: ConnectionHint, options: { peerId: string; signal?: AbortSignal | undefined }): Promise<{ stream: Duplex }> },
  peerId: string,
): StreamOpener {
  return async (host, port, options) => (await router.dial({ kind: 'tcp', host, port }, { peerId, signal: options.signal })).stream;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** undici expects a net.Socket; dialers return one, but a plain Duplex gets no-op ref/unref so it works too. */
function asSocket(stream: Duplex): Socket {
  const s = stream as Partial<Socket> & Duplex;
  if (typeof s.ref !== 'function') Object.assign(s, { ref: () => s, unref: () => s });
  return s as Socket;
}

function startTls(socket: Socket, host: string, ca: readonly string[] | undefined, signal: AbortSignal | undefined): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      // RFC 6066 §3: SNI carries host names only, never IP literals.
      servername: isIP(host) === 0 ? host : undefined,
      ALPNProtocols: ['http/1.1'],
      ...(ca ? { ca: [...ca] } : {}),
    });
    const cleanup = (): void => {
      tls.off('secureConnect', onSecure);
      tls.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onSecure = (): void => {
      cleanup();
      resolve(tls);
    };
    const onError = (err: Error): void => {
      cleanup();
      tls.destroy();
      socket.destroy();
      reject(new VeilError('VEIL_HTTP_REQUEST_FAILED', `TLS handshake with ${host} failed: ${err.message}`, { cause: err }));
    };
    const onAbort = (): void => {
      cleanup();
      tls.destroy();
      socket.destroy();
      reject(abortError(signal!, 'TLS handshake'));
    };
    tls.once('secureConnect', onSecure);
    tls.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An undici Agent that opens every connection with `options.open`. The caller owns it: `await agent.close()`
 * closes its connections (idempotent in undici). Only `http:` and `https:` origins are accepted.
 */
export function createDialerAgent(options: DialerAgentOptions): Agent {
  const ca = options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : options.ca;
  const connectTimeoutMs = options.connectTimeoutMs ?? HTTP_CLIENT_DEFAULTS.connectTimeoutMs;
  return new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? HTTP_CLIENT_DEFAULTS.keepAliveTimeoutMs,
    connections: 4,
    connect: (opts, callback) => {
      const protocol = opts.protocol;
      const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = opts.port === '' || opts.port === undefined ? defaultPort(protocol) : Number(opts.port);
      const signal = withTimeout(undefined, connectTimeoutMs);
      const run = async (): Promise<Socket> => {
        if (protocol !== 'http:' && protocol !== 'https:') throw new VeilError('VEIL_INPUT_INVALID', `cannot send HTTP to a ${protocol} URL`);
        log.debug('opening', protocol, sensitive(`${host}:${port}`));
        const socket = asSocket(await options.open(host, port, { signal }));
        return protocol === 'https:' ? await startTls(socket, host, ca, signal) : socket;
      };
      run().then(
        (socket) => callback(null, socket),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
      );
    },
  });
}

export interface HttpRequestOptions extends AbortOptions {
  readonly method?: 'GET' | 'POST' | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: Uint8Array | undefined;
  /** Largest response body accepted (bytes; HTTP_CLIENT_DEFAULTS.maxBodyBytes): VEIL_HTTP_BODY_TOO_LARGE beyond. */
  readonly maxBodyBytes?: number | undefined;
  /** Deadline for the whole request (ms; HTTP_CLIENT_DEFAULTS.requestTimeoutMs). */
  readonly timeoutMs?: number | undefined;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names; repeated headers joined with ", ". Untrusted, hence a Map. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

/**
 * Sends one request through `dispatcher` (from createDialerAgent) and reads the whole body, up to maxBodyBytes.
 * Throws VEIL_HTTP_REQUEST_FAILED, VEIL_HTTP_BODY_TOO_LARGE, the dialer's and router's codes (VEIL_ROUTE_NO_HANDLER,
 * VEIL_DIAL_*), VEIL_TIMEOUT and VEIL_ABORTED. Honours `signal`. Never follows redirects (3xx is returned as is).
 */
export async function httpRequest(dispatcher: Dispatcher, url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const signal = withTimeout(options.signal, options.timeoutMs ?? HTTP_CLIENT_DEFAULTS.requestTimeoutMs);
  const maxBodyBytes = options.maxBodyBytes ?? HTTP_CLIENT_DEFAULTS.maxBodyBytes;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      dispatcher,
      method: options.method ?? 'GET',
      headers: options.headers ? { ...options.headers } : undefined,
      body: options.body === undefined ? undefined : Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength),
      signal,
    });
  } catch (err) {
    throw wrapError(err, url, signal);
  }
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(res.headers)) {
    if (headers.size >= HTTP_CLIENT_DEFAULTS.maxHeaders) break;
    if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  const declared = Number(headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    res.body.destroy();
    throw tooLarge(url, maxBodyBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBodyBytes) {
        res.body.destroy();
        throw tooLarge(url, maxBodyBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (isVeilError(err, 'VEIL_HTTP_BODY_TOO_LARGE')) throw err;
    throw wrapError(err, url, signal);
  }
  return { status: res.statusCode, headers, body: new Uint8Array(Buffer.concat(chunks, total)) };
}

function tooLarge(url: string, maxBodyBytes: number): VeilError {
  return new VeilError('VEIL_HTTP_BODY_TOO_LARGE', `the response from ${originOf(url)} is larger than ${maxBodyBytes} bytes`);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)'; // only used in a message; the request itself reports the bad URL
  }
}

/** Keeps VeilErrors (from the dialer, the router, TLS), turns aborts into VEIL_ABORTED/VEIL_TIMEOUT. */
function wrapError(err: unknown, url: string, signal: AbortSignal | undefined): VeilError {
  if (signal?.aborted) return abortError(signal, `HTTP request to ${originOf(url)}`);
  if (isVeilError(err)) return err;
  const cause = err instanceof Error && isVeilError(err.cause) ? err.cause : undefined;
  if (cause) return cause;
  return new VeilError('VEIL_HTTP_REQUEST_FAILED', `HTTP request to ${originOf(url)} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
