/**
 * The storage server (issue #4 §3), served over the node's peer HTTPS listeners. Every path starts with
 * `/veil/v1/storage/<SWISSNUM>/`; a wrong swissnum gets 403 and touches nothing. Blocks are addressed by CID:
 *
 *   PUT  blocks/<cid>        store a block: bytes must hash to the CID (FsBlockstore verifies, fsyncs and renames
 *                            atomically, so a crash never leaves a partial block that is served)
 *   GET|HEAD blocks/<cid>    the raw block
 *   GET|HEAD ipfs/<cid>?format=raw|car   IPFS trustless gateway (Trustless Gateway spec §2, §3)
 *   GET  (empty)             { version, availableBytes }
 *   PUT|GET|HEAD names/<name>, GET|HEAD ipns/<name>   IPNS records, when `records` is given (record-server.ts)
 *
 * Writes are refused (507) when the free disk space would drop below `[storage] reserved_space`, and requests
 * larger than maxRequestBytes (413). Errors are JSON `{ code, message }` with codes from the grid table.
 * TODO(#4): leases with renew/cancel secrets and expiry; per-client quotas.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statfs } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import { VeilError, isVeilError, logger, sensitive } from '../core/index.js';
import { CAR_CONTENT_TYPE, CONTENT_DEFAULTS, exportCar, parseCid, type Blockstore, type CID } from '../content/index.js';
import { createRecordHandler, type RecordServerOptions } from './record-server.js';

const log = logger('veil:grid:storage');
export const STORAGE_PATH_PREFIX = '/veil/v1/storage/';

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
}

/** Handles requests under STORAGE_PATH_PREFIX; returns false for other paths (the caller answers 404). */
export type StorageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ code, message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function isSwissnum(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
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

  async function put(req: IncomingMessage, res: ServerResponse, cid: CID): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!Number.isFinite(declared)) return sendError(res, 411, 'VEIL_GRID_SERVER_REFUSED', 'a block upload needs a content-length');
    if (declared > maxRequestBytes) return sendError(res, 413, 'VEIL_GRID_SERVER_REFUSED', `blocks are limited to ${maxRequestBytes} bytes`);
    if ((await freeBytes()) - declared < options.reservedSpaceBytes) return sendError(res, 507, 'VEIL_GRID_SERVER_REFUSED', 'the server keeps its reserved space free and cannot store more');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > declared) return sendError(res, 400, 'VEIL_GRID_SERVER_REFUSED', 'the body is longer than its content-length');
      chunks.push(chunk);
    }
    if (size !== declared) return sendError(res, 400, 'VEIL_GRID_SERVER_REFUSED', 'the body is shorter than its content-length');
    const existed = await blockstore.has(cid);
    try {
      await blockstore.put(cid, Buffer.concat(chunks, size));
    } catch (err) {
      if (isVeilError(err, 'VEIL_CONTENT_BLOCK_MISMATCH') || isVeilError(err, 'VEIL_CONTENT_HASH_UNSUPPORTED')) return sendError(res, 422, err.code, err.message);
      if (isVeilError(err, 'VEIL_CONTENT_BLOCK_TOO_LARGE')) return sendError(res, 413, err.code, err.message);
      throw err;
    }
    res.writeHead(existed ? 200 : 201, { 'content-length': 0 });
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

  async function route(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams): Promise<void> {
    const [kind = '', cidText = '', ...more] = rest.split('/');
    if (kind === '' && cidText === '' && req.method === 'GET') {
      const text = JSON.stringify({ version: options.version, availableBytes: Math.max(0, (await freeBytes()) - options.reservedSpaceBytes), maxBlockBytes: maxRequestBytes });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    if (records && (kind === 'names' || kind === 'ipns') && cidText !== '' && more.length === 0) return records(req, res, kind, cidText);
    if ((kind !== 'blocks' && kind !== 'ipfs') || more.length > 0) return sendError(res, 404, 'VEIL_GRID_SERVER_REFUSED', 'not found');
    let cid: CID;
    try {
      cid = parseCid(cidText);
    } catch (err) {
      return sendError(res, 400, isVeilError(err) ? err.code : 'VEIL_INPUT_INVALID', 'not a CID');
    }
    if (kind === 'blocks' && req.method === 'PUT') return put(req, res, cid);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'VEIL_GRID_SERVER_REFUSED', 'method not allowed');
    if (kind === 'blocks') return getRaw(req, res, cid);
    const accept = req.headers.accept ?? '';
    const format = query.get('format') ?? (accept.includes('application/vnd.ipld.car') ? 'car' : accept.includes('application/vnd.ipld.raw') ? 'raw' : '');
    if (format === 'raw') return getRaw(req, res, cid);
    if (format === 'car') return getCar(req, res, cid);
    return sendError(res, 406, 'VEIL_GRID_SERVER_REFUSED', 'this is a trustless gateway: ask for ?format=raw or ?format=car');
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://veil-peer');
    if (!url.pathname.startsWith(STORAGE_PATH_PREFIX)) return false;
    const tail = url.pathname.slice(STORAGE_PATH_PREFIX.length);
    const slash = tail.indexOf('/');
    const swissnum = slash < 0 ? tail : tail.slice(0, slash);
    if (!isSwissnum(swissnum, options.swissnum)) {
      req.resume();
      sendError(res, 403, 'VEIL_GRID_UNAUTHORIZED', 'wrong swissnum');
      return true;
    }
    route(req, res, slash < 0 ? '' : tail.slice(slash + 1), url.searchParams).catch((err: unknown) => {
      log.warn('storage request failed:', err instanceof VeilError ? err.code : 'error', sensitive(err));
      if (!res.headersSent) sendError(res, 500, 'VEIL_GRID_SERVER_REFUSED', 'internal server error');
      else res.destroy();
    });
    return true;
  };
}
