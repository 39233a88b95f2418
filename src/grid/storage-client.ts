/**
 * A client of one storage server (issue #4 §3, §5), given its service address. Every request is HTTPS with the
 * server's key pinned (src/net pinned-tls), over streams opened by the caller's `open` (the router dialing the
 * address's connection hints with the server's own isolation token). The client presents no certificate and
 * keeps no identity: nothing links its requests to those it makes to other servers.
 */
import { request, type Dispatcher } from 'undici';
import { VeilError, abortError, isVeilError, withTimeout, type AbortOptions } from '../core/index.js';
import { CONTENT_DEFAULTS, verifyBlock, type CID } from '../content/index.js';
import { createPinnedAgent, type StreamOpener } from '../net/index.js';
import { STORAGE_PATH_PREFIX } from './storage-server.js';
import type { ServiceAddress } from './service-address.js';

export const STORAGE_CLIENT_DEFAULTS = Object.freeze({
  /** One block request (ms); a Tor circuit to an onion service may need most of a minute the first time. */
  requestTimeoutMs: 120_000,
  /** Parallel connections per server. */
  connections: 4,
});

export interface StorageClientOptions {
  /** Opens a stream to the server (the host and port are placeholders; the stream must reach the address's hints). */
  readonly open: StreamOpener;
  readonly requestTimeoutMs?: number | undefined;
}

export class StorageClient {
  readonly address: ServiceAddress;
  readonly #agent: Dispatcher;
  readonly #base: string;
  readonly #timeoutMs: number;
  #closing: Promise<void> | undefined;

  constructor(address: ServiceAddress, options: StorageClientOptions) {
    this.address = address;
    this.#timeoutMs = options.requestTimeoutMs ?? STORAGE_CLIENT_DEFAULTS.requestTimeoutMs;
    // Opening a connection (stream, TLS) may take as long as a request: a first I2P stream to a new session waits
    // for lease sets, a first Tor circuit to an onion service for its descriptor.
    this.#agent = createPinnedAgent({ open: options.open, keyHash: address.keyHash, connections: STORAGE_CLIENT_DEFAULTS.connections, connectTimeoutMs: this.#timeoutMs });
    // The host name is never resolved: the opener dials the hints. It only appears in the Host header.
    this.#base = `https://veil-peer${STORAGE_PATH_PREFIX}${address.swissnum}/`;
  }

  /** A short name for messages: the first characters of the key hash. */
  get name(): string {
    return `server ${this.address.keyHash.slice(0, 8)}`;
  }

  async #send(method: 'GET' | 'PUT' | 'HEAD', path: string, body: Uint8Array | undefined, options: AbortOptions): Promise<{ status: number; body: Buffer }> {
    const signal = withTimeout(options.signal, this.#timeoutMs);
    try {
      const res = await request(this.#base + path, {
        dispatcher: this.#agent,
        method,
        body: body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        headers: body === undefined ? undefined : { 'content-type': 'application/octet-stream' },
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > CONTENT_DEFAULTS.maxBlockBytes + 4096) {
          res.body.destroy();
          throw new VeilError('VEIL_GRID_SERVER_REFUSED', `${this.name} sent more than a block`);
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode, body: Buffer.concat(chunks, size) };
    } catch (err) {
      if (signal?.aborted) throw abortError(signal, `${method} to ${this.name}`);
      if (isVeilError(err)) throw err;
      const cause = err instanceof Error && isVeilError(err.cause) ? err.cause : undefined;
      if (cause) throw cause;
      throw new VeilError('VEIL_HTTP_REQUEST_FAILED', `${method} to ${this.name} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  #refused(status: number, body: Buffer): VeilError {
    let code = '';
    let message = `HTTP ${status}`;
    try {
      const parsed = JSON.parse(body.subarray(0, 4096).toString('utf8')) as Record<string, unknown>;
      if (typeof parsed['code'] === 'string') code = parsed['code'];
      if (typeof parsed['message'] === 'string') message = parsed['message'].slice(0, 200);
    } catch {
      // Not JSON: the status line is all we report.
      message = `HTTP ${status}`;
    }
    if (status === 403) return new VeilError('VEIL_GRID_UNAUTHORIZED', `${this.name} refused the swissnum: ${message}`);
    return new VeilError('VEIL_GRID_SERVER_REFUSED', `${this.name} refused: ${message}`, { details: { status, serverCode: code } });
  }

  /** Stores a block. Throws VEIL_GRID_UNAUTHORIZED, VEIL_GRID_SERVER_REFUSED, VEIL_PEER_KEY_MISMATCH, network codes. */
  async put(cid: CID, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const res = await this.#send('PUT', `blocks/${cid.toString()}`, bytes, options);
    if (res.status !== 200 && res.status !== 201) throw this.#refused(res.status, res.body);
  }

  /** Fetches and verifies a block; undefined when the server does not have it. VEIL_CONTENT_BLOCK_MISMATCH for lies. */
  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const res = await this.#send('GET', `blocks/${cid.toString()}`, undefined, options);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    verifyBlock(cid, res.body);
    return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  }

  /** Whether the server holds the block. */
  async has(cid: CID, options: AbortOptions = {}): Promise<boolean> {
    const res = await this.#send('HEAD', `blocks/${cid.toString()}`, undefined, options);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    return true;
  }

  /** Closes the connections. Idempotent. */
  async close(): Promise<void> {
    await (this.#closing ??= this.#agent.close());
  }
}
