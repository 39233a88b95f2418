/**
 * A client of one storage server (issue #4 §3, §5), given its service address. Every request is HTTPS with the
 * server's key pinned (src/net pinned-tls), over streams opened by the caller's `open` (the router dialing the
 * address's connection hints with the server's own isolation token). The client presents no certificate and
 * keeps no identity: nothing links its requests to those it makes to other servers.
 */
import { request, type Dispatcher } from 'undici';
import { VeilError, isVeilError, withTimeout, type AbortOptions } from '../core/index.js';
import { CAR_CONTENT_TYPE, CONTENT_DEFAULTS, carBlocks, verifyBlock, type CID } from '../content/index.js';
import { base32Encode } from '../core/index.js';
import { createPinnedAgent, type StreamOpener } from '../net/index.js';
import { LEASE_CANCEL_HEADER, LEASE_RENEW_HEADER, STORAGE_PATH_PREFIX } from './storage-server.js';
import { IPNS_RECORD_CONTENT_TYPE, MAX_RECORD_BYTES } from './record-server.js';
import type { LeaseSecrets } from './lease-store.js';
import type { ServiceAddress } from './service-address.js';
import { requestError } from './request-error.js';

export const STORAGE_CLIENT_DEFAULTS = Object.freeze({
  /** One block request (ms); a Tor circuit to an onion service may need most of a minute the first time. */
  requestTimeoutMs: 120_000,
  /**
   * Silence on an open connection before it is given up (ms): a block's response headers, or a pause inside its
   * body. A stalled Tor circuit or I2P stream then costs this, and the block is asked for again on a new
   * connection, instead of the whole request deadline. Generous for one 256 KiB block over a slow circuit.
   */
  stallTimeoutMs: 30_000,
  /** Parallel connections per server. */
  connections: 4,
});

export interface StorageClientOptions {
  /** Opens a stream to the server (the host and port are placeholders; the stream must reach the address's hints). */
  readonly open: StreamOpener;
  readonly requestTimeoutMs?: number | undefined;
  readonly stallTimeoutMs?: number | undefined;
}

function leaseHeaders(lease: LeaseSecrets): Record<string, string> {
  return { [LEASE_RENEW_HEADER]: base32Encode(lease.renew), [LEASE_CANCEL_HEADER]: base32Encode(lease.cancel) };
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
    this.#agent = createPinnedAgent({
      open: options.open,
      keyHash: address.keyHash,
      connections: STORAGE_CLIENT_DEFAULTS.connections,
      connectTimeoutMs: this.#timeoutMs,
      stallTimeoutMs: options.stallTimeoutMs ?? STORAGE_CLIENT_DEFAULTS.stallTimeoutMs,
    });
    // The host name is never resolved: the opener dials the hints. It only appears in the Host header.
    this.#base = `https://veil-peer${STORAGE_PATH_PREFIX}${address.swissnum}/`;
  }

  /** A short name for messages: the first characters of the key hash. */
  get name(): string {
    return `server ${this.address.keyHash.slice(0, 8)}`;
  }

  async #send(
    method: 'GET' | 'PUT' | 'HEAD' | 'POST' | 'DELETE',
    path: string,
    body: Uint8Array | undefined,
    options: AbortOptions,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; body: Buffer }> {
    const signal = withTimeout(options.signal, this.#timeoutMs);
    try {
      const res = await request(this.#base + path, {
        dispatcher: this.#agent,
        method,
        body: body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/octet-stream' }), ...extraHeaders },
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
      throw requestError(err, signal, `${method} to ${this.name}`);
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
    if (code === 'VEIL_GRID_LEASE_NOT_FOUND' || code === 'VEIL_GRID_CONNECTION_BUDGET') return new VeilError(code, `${this.name}: ${message}`, { details: { status, serverCode: code } });
    return new VeilError('VEIL_GRID_SERVER_REFUSED', `${this.name} refused: ${message}`, { details: { status, serverCode: code } });
  }

  /**
   * Stores a block, with a lease when `options.lease` is given (the server adds or renews it before answering).
   * A refusal for the connection's byte budget is retried once (the server closed that connection; the retry
   * opens a new one). Throws VEIL_GRID_UNAUTHORIZED, VEIL_GRID_SERVER_REFUSED, VEIL_GRID_CONNECTION_BUDGET,
   * VEIL_PEER_KEY_MISMATCH, network codes. Honours `signal`.
   */
  async put(cid: CID, bytes: Uint8Array, options: AbortOptions & { lease?: LeaseSecrets | undefined } = {}): Promise<void> {
    const headers = options.lease ? leaseHeaders(options.lease) : {};
    for (let attempt = 0; ; attempt++) {
      const res = await this.#send('PUT', `blocks/${cid.toString()}`, bytes, options, headers);
      if (res.status === 200 || res.status === 201) return;
      const err = this.#refused(res.status, res.body);
      if (attempt > 0 || !isVeilError(err, 'VEIL_GRID_CONNECTION_BUDGET')) throw err;
    }
  }

  /**
   * Adds a lease on a stored block or renews the one with the same renew secret; resolves with its expiry.
   * Throws VEIL_GRID_LEASE_NOT_FOUND (no such block), the codes of put(). Honours `signal`.
   */
  async addLease(cid: CID, lease: LeaseSecrets, options: AbortOptions = {}): Promise<Date> {
    const res = await this.#send('POST', `leases/${cid.toString()}`, undefined, options, leaseHeaders(lease));
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    const parsed = JSON.parse(res.body.subarray(0, 4096).toString('utf8')) as { expiresAt?: unknown };
    return new Date(typeof parsed.expiresAt === 'string' ? parsed.expiresAt : NaN);
  }

  /** Renews an existing lease only. Throws VEIL_GRID_LEASE_NOT_FOUND when none matches. Honours `signal`. */
  async renewLease(cid: CID, renew: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const res = await this.#send('POST', `leases/${cid.toString()}`, undefined, options, { [LEASE_RENEW_HEADER]: base32Encode(renew) });
    if (res.status !== 200) throw this.#refused(res.status, res.body);
  }

  /**
   * Cancels the lease matching `cancel`; the server deletes the block when no lease is left. Throws
   * VEIL_GRID_LEASE_NOT_FOUND when none matches. Honours `signal`.
   */
  async cancelLease(cid: CID, cancel: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const res = await this.#send('DELETE', `leases/${cid.toString()}`, undefined, options, { [LEASE_CANCEL_HEADER]: base32Encode(cancel) });
    if (res.status !== 204) throw this.#refused(res.status, res.body);
  }

  /** Fetches and verifies a block; undefined when the server does not have it. VEIL_CONTENT_BLOCK_MISMATCH for lies. */
  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const res = await this.#send('GET', `blocks/${cid.toString()}`, undefined, options);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    verifyBlock(cid, res.body);
    return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  }

  /**
   * Every block of the DAG under `root` in one response (the trustless gateway's `?format=car`, depth-first), each
   * verified against its CID before it is yielded. One long response instead of a request per block: over Tor or I2P
   * each request costs a round trip. Yields nothing when the server does not hold the root. Throws
   * VEIL_CONTENT_BLOCK_MISMATCH (a block that is not what its CID says: stop trusting this stream), the CAR codes,
   * VEIL_HTTP_STALLED, network codes. Honours `signal` (the stream is cut at once).
   */
  async *streamDag(root: CID, options: AbortOptions = {}): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
    const what = `GET the DAG of a file from ${this.name}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.#base}ipfs/${root.toString()}?format=car`, { dispatcher: this.#agent, method: 'GET', headers: { accept: CAR_CONTENT_TYPE }, signal: options.signal });
    } catch (err) {
      throw requestError(err, options.signal, what);
    }
    try {
      if (res.statusCode === 404) return;
      if (res.statusCode !== 200) {
        const parts: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          parts.push(chunk);
          size += chunk.length;
          if (size >= 4096) break; // the error's start is enough; the rest is not read
        }
        throw this.#refused(res.statusCode, Buffer.concat(parts, size).subarray(0, 4096));
      }
      const source = (async function* (body: AsyncIterable<Buffer>) {
        try {
          for await (const chunk of body) yield chunk;
        } catch (err) {
          throw requestError(err, options.signal, what);
        }
      })(res.body as AsyncIterable<Buffer>);
      for await (const block of carBlocks(source, { signal: options.signal })) {
        verifyBlock(block.cid, block.bytes);
        yield block;
      }
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  /** Whether the server holds the block. */
  async has(cid: CID, options: AbortOptions = {}): Promise<boolean> {
    const res = await this.#send('HEAD', `blocks/${cid.toString()}`, undefined, options);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    return true;
  }

  /**
   * Stores an IPNS record (the server verifies it and keeps it only if it wins over the one it holds). Resolves
   * true when stored (or already held), false when the server holds a newer record. Throws VEIL_GRID_*, network codes.
   */
  async putRecord(name: string, record: Uint8Array, options: AbortOptions = {}): Promise<boolean> {
    const res = await this.#send('PUT', `names/${name}`, record, options, { 'content-type': IPNS_RECORD_CONTENT_TYPE });
    if (res.status === 409) return false;
    if (res.status !== 200 && res.status !== 201) throw this.#refused(res.status, res.body);
    return true;
  }

  /** The server's IPNS record for `name`, unverified (the caller verifies), or undefined. */
  async getRecord(name: string, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const res = await this.#send('GET', `names/${name}`, undefined, options);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#refused(res.status, res.body);
    if (res.body.length > MAX_RECORD_BYTES) throw new VeilError('VEIL_GRID_SERVER_REFUSED', `${this.name} sent an IPNS record over ${MAX_RECORD_BYTES} bytes`);
    return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  }

  /** Closes the connections. Idempotent. */
  async close(): Promise<void> {
    await (this.#closing ??= this.#agent.close());
  }
}
