/**
 * The storage server (issue #4 §3), served over the node's peer HTTPS listeners. Every path starts with
 * `/veil/v1/storage/<SWISSNUM>/`; a wrong swissnum gets 403 and touches nothing. Blocks are addressed by CID:
 *
 *   PUT  blocks/<cid>        store a block: bytes must hash to the CID (FsBlockstore verifies, fsyncs and renames
 *                            atomically, so a crash never leaves a partial block that is served); with the lease
 *                            headers below, a lease is added (or renewed) in the same step, before the answer
 *   GET|HEAD blocks/<cid>    the raw block
 *   POST leases/<cid>        add or renew a lease on a stored block (renew + cancel headers), or renew only
 *                            (renew header only); 404 VEIL_GRID_LEASE_NOT_FOUND when nothing matches
 *   DELETE leases/<cid>      cancel the lease matching the cancel header; a block left without a lease is deleted
 *   GET|HEAD ipfs/<cid>?format=raw|car   IPFS trustless gateway (Trustless Gateway spec §2, §3)
 *   GET  (empty)             { version, availableBytes, maxBlockBytes }
 *   PUT|GET|HEAD names/<name>, GET|HEAD ipns/<name>   IPNS records, when `records` is given (record-server.ts)
 *
 * Lease secrets travel as `x-veil-lease-renew` / `x-veil-lease-cancel` (base32 of 32 bytes); the server keeps only
 * their hashes (lease-store.ts). Limits: writes are refused (507) when the free disk space would drop below
 * `[storage] reserved_space`, a request larger than maxRequestBytes (413), and a request past the connection's
 * byte budget (`[storage] connection.max_bytes`, 429 VEIL_GRID_CONNECTION_BUDGET, then the connection is closed).
 * Clients are anonymous and unlinkable by design, so a connection (one TLS session; over Tor, one stream) is the
 * only "client" the server can see: the budget bounds what one connection can write, not what a person can.
 * Every refusal is answered before anything is stored. Errors are JSON `{ code, message }`.
 *
 * More kinds of path (e.g. IPNS records) plug in through `options.routes`, keyed by the first path segment.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statfs } from 'node:fs/promises';
import { VeilError, base32Decode, isVeilError, logger } from '../core/index.js';
import { CAR_CONTENT_TYPE, CONTENT_DEFAULTS, exportCar, parseCid, type Blockstore, type CID } from '../content/index.js';
import { handleSwissnumRequest, sendError } from './swissnum-route.js';
import { createRecordHandler, type RecordServerOptions } from './record-server.js';
import { LEASE_SECRET_BYTES, type LeaseSecrets, type LeaseStore } from './lease-store.js';

const log = logger('veil:grid:storage');
export const STORAGE_PATH_PREFIX = '/veil/v1/storage/';
export const LEASE_RENEW_HEADER = 'x-veil-lease-renew';
export const LEASE_CANCEL_HEADER = 'x-veil-lease-cancel';
/** Default `[storage] connection.max_bytes`. */
export const DEFAULT_CONNECTION_MAX_BYTES = 1024 ** 3;

/** A handler for one kind of path: `rest` is what follows `<SWISSNUM>/<kind>/` (may be empty). */
export type StorageRoute = (req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams) => Promise<void>;

export interface StorageServerOptions {
  readonly blockstore: Blockstore & { readonly directory?: string };
  readonly swissnum: string;
  readonly version: string;
  /** `[storage] reserved_space` (bytes). */
  readonly reservedSpaceBytes: number;
  /** Largest request body (bytes; default CONTENT_DEFAULTS.maxBlockBytes). */
  readonly maxRequestBytes?: number | undefined;
  /** Free bytes on the storage disk (tests replace it). Default: statfs of the blockstore directory. */
  readonly freeBytes?: (() => Promise<number>) | undefined;
  /** IPNS records (issue #5 §4): the rules from src/names and where to keep them. Absent: names/ answers 404. */
  readonly records?: RecordServerOptions | undefined;
  /** Lease state. Without it, lease headers are refused and leases/ answers 404 (tests of bare block storage). */
  readonly leases?: LeaseStore | undefined;
  /** `[storage] connection.max_bytes`: request-body bytes one connection may upload. Default 1 GiB. */
  readonly connectionMaxBytes?: number | undefined;
  /** More kinds of path, by first segment (must not be blocks, ipfs or leases). */
  readonly routes?: Readonly<Record<string, StorageRoute>> | undefined;
}

/** Handles requests under STORAGE_PATH_PREFIX; returns false for other paths (the caller answers 404). */
export type StorageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Reads a lease secret header: undefined when absent; throws VEIL_INPUT_INVALID when not base32 of 32 bytes. */
function secretHeader(req: IncomingMessage, name: string): Uint8Array | undefined {
  const v = req.headers[name];
  if (v === undefined) return undefined;
  const bytes = typeof v === 'string' && v.length <= 64 ? base32Decode(v) : undefined;
  if (!bytes || bytes.length !== LEASE_SECRET_BYTES) throw new VeilError('VEIL_INPUT_INVALID', `${name} must be base32 of ${LEASE_SECRET_BYTES} bytes`);
  return bytes;
}

/** Discards a request body (at most `limit` bytes are read; beyond that the connection is destroyed). */
async function drain(req: IncomingMessage, limit: number): Promise<void> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.socket.destroy();
      return;
    }
  }
}

export function createStorageHandler(options: StorageServerOptions): StorageHandler {
  const { blockstore } = options;
  const records = options.records ? createRecordHandler(options.records, sendError) : undefined;
  const maxRequestBytes = options.maxRequestBytes ?? CONTENT_DEFAULTS.maxBlockBytes;
  const freeBytes =
    options.freeBytes ??
    (async (): Promise<number> => {
      const s = await statfs(blockstore.directory ?? '.');
      return s.bavail * s.bsize;
    });

  const leases = options.leases;
  const connectionMaxBytes = options.connectionMaxBytes ?? DEFAULT_CONNECTION_MAX_BYTES;
  /** Body bytes accepted per connection (the TLS socket): the per-client budget. */
  const spent = new WeakMap<object, number>();

  function leaseSecrets(req: IncomingMessage): { renew?: Uint8Array | undefined; cancel?: Uint8Array | undefined } {
    return { renew: secretHeader(req, LEASE_RENEW_HEADER), cancel: secretHeader(req, LEASE_CANCEL_HEADER) };
  }

  async function put(req: IncomingMessage, res: ServerResponse, cid: CID): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isFinite(declared)) return sendError(res, 411, 'VEIL_GRID_SERVER_REFUSED', 'a block upload needs a content-length');
    if (declared > maxRequestBytes) return sendError(res, 413, 'VEIL_GRID_SERVER_REFUSED', `blocks are limited to ${maxRequestBytes} bytes`);
    let secrets: LeaseSecrets | undefined;
    try {
      const { renew, cancel } = leaseSecrets(req);
      if ((renew === undefined) !== (cancel === undefined)) throw new VeilError('VEIL_INPUT_INVALID', 'a lease needs both a renew and a cancel secret');
      if (renew && cancel && !leases) throw new VeilError('VEIL_INPUT_INVALID', 'this server keeps no leases');
      secrets = renew && cancel ? { renew, cancel } : undefined;
    } catch (err) {
      await drain(req, declared);
      return sendError(res, 400, 'VEIL_INPUT_INVALID', (err as Error).message);
    }
    const used = spent.get(req.socket) ?? 0;
    if (used + declared > connectionMaxBytes) {
      // Read (and drop) the body first, so the client sees the answer and not a reset; then close the connection.
      await drain(req, declared);
      return sendError(res, 429, 'VEIL_GRID_CONNECTION_BUDGET', `this connection has uploaded its ${connectionMaxBytes} bytes; open a new one`, { connection: 'close' });
    }
    spent.set(req.socket, used + declared);
    if ((await freeBytes()) - declared < options.reservedSpaceBytes) return sendError(res, 507, 'VEIL_GRID_SERVER_REFUSED', 'the server keeps its reserved space free and cannot store more');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > declared) return sendError(res, 400, 'VEIL_GRID_SERVER_REFUSED', 'the body is longer than its content-length');
      chunks.push(chunk);
    }
    if (size !== declared) return sendError(res, 400, 'VEIL_GRID_SERVER_REFUSED', 'the body is shorter than its content-length');
    const bytes = Buffer.concat(chunks, size);
    const store = async (): Promise<boolean> => {
      const existed = await blockstore.has(cid);
      await blockstore.put(cid, bytes);
      // The lease is durable before the answer: an acknowledged block always has its lease.
      if (secrets && leases) await leases.addUnlocked(cid, secrets);
      return existed;
    };
    let existed: boolean;
    try {
      existed = leases ? await leases.exclusive(cid, store) : await store();
    } catch (err) {
      if (isVeilError(err, 'VEIL_CONTENT_BLOCK_MISMATCH') || isVeilError(err, 'VEIL_CONTENT_HASH_UNSUPPORTED')) return sendError(res, 422, err.code, err.message);
      if (isVeilError(err, 'VEIL_CONTENT_BLOCK_TOO_LARGE')) return sendError(res, 413, err.code, err.message);
      throw err;
    }
    res.writeHead(existed ? 200 : 201, { 'content-length': 0 });
    res.end();
  }

  /** POST leases/<cid>: add or renew (both secrets) or renew only (renew secret). DELETE: cancel. */
  async function lease(req: IncomingMessage, res: ServerResponse, cid: CID): Promise<void> {
    if (!leases) return sendError(res, 404, 'VEIL_GRID_SERVER_REFUSED', 'this server keeps no leases');
    req.resume();
    let renew: Uint8Array | undefined;
    let cancel: Uint8Array | undefined;
    try {
      ({ renew, cancel } = leaseSecrets(req));
    } catch (err) {
      return sendError(res, 400, 'VEIL_INPUT_INVALID', (err as Error).message);
    }
    const notFound = (): void => sendError(res, 404, 'VEIL_GRID_LEASE_NOT_FOUND', 'no lease on this block matches the secret (or no such block)');
    if (req.method === 'POST') {
      if (!renew) return sendError(res, 400, 'VEIL_INPUT_INVALID', `${LEASE_RENEW_HEADER} is required`);
      const result = await leases.exclusive(cid, async () => {
        if (!(await blockstore.has(cid))) return undefined;
        return cancel ? leases.addUnlocked(cid, { renew, cancel }) : leases.renewUnlocked(cid, renew);
      });
      if (!result) return notFound();
      const text = JSON.stringify({ expiresAt: new Date(result.expiresAt).toISOString() });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      return void res.end(text);
    }
    if (!cancel) return sendError(res, 400, 'VEIL_INPUT_INVALID', `${LEASE_CANCEL_HEADER} is required`);
    const left = await leases.exclusive(cid, async () => {
      const n = await leases.cancelUnlocked(cid, cancel);
      if (n === 0) await blockstore.delete(cid);
      return n;
    });
    if (left === undefined) return notFound();
    // 204 whether or not others still hold leases: the answer does not tell who else stored the block.
    res.writeHead(204);
    res.end();
  }

  async function getRaw(req: IncomingMessage, res: ServerResponse, cid: CID): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await blockstore.get(cid);
    } catch (err) {
      if (isVeilError(err, 'VEIL_CONTENT_BLOCK_NOT_FOUND')) return sendError(res, 404, err.code, 'block not found');
      throw err;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.raw', 'content-length': bytes.length, 'cache-control': 'public, max-age=29030400, immutable', etag: `"${cid.toString()}.raw"` });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  async function getCar(req: IncomingMessage, res: ServerResponse, cid: CID): Promise<void> {
    if (!(await blockstore.has(cid))) return sendError(res, 404, 'VEIL_CONTENT_BLOCK_NOT_FOUND', 'block not found');
    res.writeHead(200, { 'content-type': CAR_CONTENT_TYPE, 'cache-control': 'public, max-age=29030400, immutable', etag: `"${cid.toString()}.car"` });
    if (req.method === 'HEAD') return void res.end();
    for await (const chunk of exportCar(cid, blockstore)) {
      if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', r));
    }
    res.end();
  }

  function withCid(handler: (req: IncomingMessage, res: ServerResponse, cid: CID, query: URLSearchParams) => Promise<void>): StorageRoute {
    return async (req, res, rest, query) => {
      if (rest.includes('/')) return sendError(res, 404, 'VEIL_GRID_SERVER_REFUSED', 'not found');
      let cid: CID;
      try {
        cid = parseCid(rest);
      } catch (err) {
        return sendError(res, 400, isVeilError(err) ? err.code : 'VEIL_INPUT_INVALID', 'not a CID');
      }
      return handler(req, res, cid, query);
    };
  }

  const methodNotAllowed = (res: ServerResponse): void => sendError(res, 405, 'VEIL_GRID_SERVER_REFUSED', 'method not allowed');

  /** First path segment → handler. */
  const recordRoute =
    (kind: 'names' | 'ipns'): StorageRoute =>
    async (req, res, rest) => {
      if (!records || rest === '' || rest.includes('/')) {
        req.resume();
        return sendError(res, 404, 'VEIL_GRID_SERVER_REFUSED', 'not found');
      }
      return records(req, res, kind, rest);
    };
  const routes: Record<string, StorageRoute> = {
    ...options.routes,
    ...(records ? { names: recordRoute('names'), ipns: recordRoute('ipns') } : {}),
    blocks: withCid(async (req, res, cid) => {
      if (req.method === 'PUT') return put(req, res, cid);
      if (req.method === 'GET' || req.method === 'HEAD') return getRaw(req, res, cid);
      return methodNotAllowed(res);
    }),
    leases: withCid(async (req, res, cid) => (req.method === 'POST' || req.method === 'DELETE' ? lease(req, res, cid) : methodNotAllowed(res))),
    ipfs: withCid(async (req, res, cid, query) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
      const accept = req.headers.accept ?? '';
      const format = query.get('format') ?? (accept.includes('application/vnd.ipld.car') ? 'car' : accept.includes('application/vnd.ipld.raw') ? 'raw' : '');
      if (format === 'raw') return getRaw(req, res, cid);
      if (format === 'car') return getCar(req, res, cid);
      return sendError(res, 406, 'VEIL_GRID_SERVER_REFUSED', 'this is a trustless gateway: ask for ?format=raw or ?format=car');
    }),
  };

  async function route(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams): Promise<void> {
    const slash = rest.indexOf('/');
    const kind = slash < 0 ? rest : rest.slice(0, slash);
    if (kind === '' && req.method === 'GET') {
      const text = JSON.stringify({ version: options.version, availableBytes: Math.max(0, (await freeBytes()) - options.reservedSpaceBytes), maxBlockBytes: maxRequestBytes });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    const handler = Object.hasOwn(routes, kind) ? routes[kind] : undefined;
    if (!handler || slash < 0) {
      req.resume();
      return sendError(res, 404, 'VEIL_GRID_SERVER_REFUSED', 'not found');
    }
    return handler(req, res, rest.slice(slash + 1), query);
  }

  return (req, res) => handleSwissnumRequest(req, res, { prefix: STORAGE_PATH_PREFIX, swissnum: options.swissnum, failureCode: 'VEIL_GRID_SERVER_REFUSED', what: 'storage', log, route });
}
