/**
 * The gateway request handler: /ipfs/<cid>[/path] per the path gateway spec, trustless `raw` and `car`
 * responses per the trustless gateway spec, /ipns/ through GatewayHooks.resolveName and /uri/<capability> through
 * GatewayHooks.openCapability (decrypted as it streams); a namespace without its hook answers 501.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VeilError, isVeilError } from '../core/index.js';
import {
  CAR_CONTENT_TYPE,
  CODEC,
  exportCar,
  listDirectory,
  parseCid,
  readFile,
  readThrough,
  BlockCache,
  resolvePath,
  statEntry,
  type Blockstore,
  type BlockGetter,
  type CID,
} from '../content/index.js';
import { GATEWAY_DEFAULTS } from './defaults.js';
import { parseGatewayPath, type GatewayPath } from './path-parser.js';
import { parseRange } from './range.js';
import { sniffContentType } from './content-type.js';
import { renderListing } from './dir-listing.js';
import type { GatewayHooks, OpenedCapability } from './resolver.js';
import { contentDisposition, sendError, sendNotModifiedIfMatch, sendStream, sendText } from './responses.js';

export interface GatewayHandlerOptions {
  /** Local blocks; `has` is used for `Cache-Control: only-if-cached` (spec §412). */
  blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>;
  hooks?: GatewayHooks;
}

export type GatewayRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Media types for the `format` parameter (path gateway spec §format); only raw and car are served. */
const FORMAT_BY_MEDIA_TYPE: ReadonlyMap<string, string> = new Map([
  ['application/vnd.ipld.raw', 'raw'],
  ['application/vnd.ipld.car', 'car'],
  ['application/x-tar', 'tar'],
  ['application/vnd.ipld.dag-json', 'dag-json'],
  ['application/vnd.ipld.dag-cbor', 'dag-cbor'],
  ['application/vnd.ipfs.ipns-record', 'ipns-record'],
]);
const KNOWN_FORMATS = new Set(['raw', 'car', 'tar', 'dag-json', 'dag-cbor', 'json', 'cbor', 'ipns-record']);

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  path: GatewayPath;
  signal: AbortSignal;
  store: BlockGetter;
  /** The same blocks without the LRU cache: the bytes of large files, which would only evict everything else. */
  bulkStore: BlockGetter;
  /** Base headers for every successful response (Cache-Control, X-Ipfs-Path). */
  headers: Record<string, string>;
}

export function createGatewayHandler(options: GatewayHandlerOptions): GatewayRequestHandler {
  const bulkStore = readThrough(options.blockstore, options.hooks?.fetchMissingBlock);
  const store = new BlockCache(bulkStore, GATEWAY_DEFAULTS.blockCacheBytes);
  return (req, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new VeilError('VEIL_ABORTED', 'gateway client went away'));
    });
    handle(req, res, options, { store, bulkStore }, controller.signal).catch((err: unknown) => sendError(req, res, err));
  };
}

interface Stores {
  store: BlockGetter;
  bulkStore: BlockGetter;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: GatewayHandlerOptions, stores: Stores, signal: AbortSignal): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'method not allowed: the gateway is read-only', { Allow: 'GET, HEAD' });
    return;
  }
  const parsed = parseGatewayPath(req.url ?? '/');
  if (parsed.namespace === undefined) {
    sendText(req, res, 404, 'not found: request /ipfs/<cid>[/path]');
    return;
  }
  const path = parsed;
  if (path.namespace === 'uri') return serveCapability(req, res, options, stores, path, signal);
  let root: CID;
  let segments = path.segments;
  const headers: Record<string, string> = { 'X-Ipfs-Path': path.rawPath };
  if (path.namespace === 'ipfs') {
    root = parseCid(path.root);
    headers['Cache-Control'] = GATEWAY_DEFAULTS.immutableCacheControl;
  } else {
    const resolveName = options.hooks?.resolveName;
    if (!resolveName) {
      throw new VeilError('VEIL_GATEWAY_NOT_WIRED', `/${path.namespace}/ is not available yet on this gateway (only /ipfs/ is served)`);
    }
    const resolved = await resolveName(path.namespace, path.root, { signal });
    root = resolved.cid;
    segments = [...(resolved.segments ?? []), ...segments];
    if (resolved.ttlSeconds !== undefined) headers['Cache-Control'] = `public, max-age=${Math.max(0, Math.floor(resolved.ttlSeconds))}`;
  }
  // Path gateway spec §Service-Worker: refuse registration scopes that cover a whole content root.
  if (req.headers['service-worker'] === 'script' && segments.length === 0 && !path.hasTrailingSlash) {
    throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: a service worker must be registered under /ipfs/<cid>/');
  }
  // Path gateway spec §only-if-cached: answer 412 without any I/O beyond the local root block.
  if (/\bonly-if-cached\b/i.test(String(req.headers['cache-control'] ?? '')) && !(await options.blockstore.has(root))) {
    sendText(req, res, 412, 'precondition failed: the root block is not cached on this gateway');
    return;
  }
  const r: Request = { req, res, path, signal, ...stores, headers };
  const format = negotiateFormat(req, path, headers);
  if (format === 'raw') return serveRaw(r, root, segments);
  if (format === 'car') return serveCar(r, root, segments);
  if (format !== undefined) throw new VeilError('VEIL_GATEWAY_NOT_WIRED', `format ${JSON.stringify(format)} is not implemented by this gateway (raw and car are)`);
  return serveDeserialized(r, root, segments);
}

/** `format` wins over `Accept` (spec §format). Sets Content-Location when the format came from Accept only. */
function negotiateFormat(req: IncomingMessage, path: GatewayPath, headers: Record<string, string>): string | undefined {
  const param = path.query.get('format');
  if (param !== undefined) {
    if (!KNOWN_FORMATS.has(param)) throw new VeilError('VEIL_GATEWAY_PATH_INVALID', `invalid gateway path: unknown format ${JSON.stringify(param.slice(0, 40))}`);
    return param;
  }
  for (const part of String(req.headers.accept ?? '').split(',')) {
    const format = FORMAT_BY_MEDIA_TYPE.get(part.split(';')[0]!.trim().toLowerCase());
    if (format !== undefined) {
      headers['Content-Location'] = `${path.rawPath}?${path.rawQuery === '' ? '' : path.rawQuery + '&'}format=${format}`;
      headers['Vary'] = 'Accept';
      return format;
    }
  }
  return undefined;
}

/** Trustless gateway §Block Responses: only /ipfs/<cid>, the bytes exactly as stored. */
async function serveRaw(r: Request, root: CID, segments: readonly string[]): Promise<void> {
  if (segments.length > 0) throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: raw blocks are served for /ipfs/<cid> only, without a path');
  const etag = `"${root.toString()}.raw"`;
  const headers = { ...r.headers, ETag: etag, 'X-Content-Type-Options': 'nosniff' };
  if (sendNotModifiedIfMatch(r.req, r.res, etag, headers)) return;
  const bytes = await r.store.get(root, { signal: r.signal });
  const disposition = contentDisposition('attachment', r.path.query.get('filename') ?? `${root.toString()}.bin`);
  await sendStream(r.req, r.res, 200, { ...headers, 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': bytes.length, 'Content-Disposition': disposition }, async function* () {
    yield bytes;
  });
}

/** Trustless gateway §CAR Responses: path blocks, then the terminus DAG by dag-scope, dfs order, no dups. */
async function serveCar(r: Request, root: CID, segments: readonly string[]): Promise<void> {
  const scope = r.path.query.get('dag-scope') ?? 'all';
  if (scope !== 'all' && scope !== 'entity' && scope !== 'block') throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: dag-scope must be all, entity or block');
  const version = r.path.query.get('car-version');
  if (version !== undefined && version !== '1') throw new VeilError('VEIL_GATEWAY_NOT_WIRED', 'only CARv1 is served (car-version=1)');
  const resolved = await resolvePath(root, segments, r.store, { signal: r.signal });
  await r.store.get(resolved.cid, { signal: r.signal }); // spec §404: a missing root block is a 404, before streaming
  const etag = `W/"${resolved.cid.toString()}.car.${scope}"`;
  const headers = { ...r.headers, ETag: etag, 'X-Content-Type-Options': 'nosniff', 'X-Ipfs-Roots': resolved.roots.join(',') };
  if (sendNotModifiedIfMatch(r.req, r.res, etag, headers)) return;
  const disposition = contentDisposition('attachment', r.path.query.get('filename') ?? `${root.toString()}.car`);
  await sendStream(r.req, r.res, 200, { ...headers, 'Content-Type': CAR_CONTENT_TYPE, 'Content-Disposition': disposition, 'Accept-Ranges': 'none' }, () =>
    exportCar(resolved.cid, r.store, { signal: r.signal, scope, pathCids: resolved.roots.slice(0, -1) }),
  );
}

async function serveDeserialized(r: Request, root: CID, segments: readonly string[]): Promise<void> {
  if (root.code !== CODEC.dagPb && root.code !== CODEC.raw) {
    throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `codec 0x${root.code.toString(16)} is not UnixFS: request it with ?format=raw or ?format=car`);
  }
  const resolved = await resolvePath(root, segments, r.store, { signal: r.signal });
  const entry = await statEntry(resolved.cid, r.store, { signal: r.signal });
  const headers = { ...r.headers, 'X-Ipfs-Roots': resolved.roots.join(',') };
  if (entry.kind === 'directory') {
    if (!r.path.hasTrailingSlash) {
      // Path gateway spec §Location: a directory without trailing slash MUST be a 301 to the slash form.
      const location = `${r.path.rawPath}/${r.path.rawQuery === '' ? '' : '?' + r.path.rawQuery}`;
      sendText(r.req, r.res, 301, `moved to ${location}`, { Location: location });
      return;
    }
    const index = await findIndex(r, resolved.cid);
    if (index) return serveFile(r, index, 'index.html', { ...headers, 'X-Ipfs-Roots': [...resolved.roots, index].join(',') });
    return serveListing(r, resolved.cid, headers);
  }
  if (entry.kind === 'symlink') {
    const etag = `"${resolved.cid.toString()}"`;
    if (sendNotModifiedIfMatch(r.req, r.res, etag, headers)) return;
    sendText(r.req, r.res, 200, entry.target ?? '', { ...headers, ETag: etag });
    return;
  }
  return serveFile(r, resolved.cid, segments[segments.length - 1] ?? '', headers, entry.size);
}

async function findIndex(r: Request, dir: CID): Promise<CID | undefined> {
  try {
    const { cid } = await resolvePath(dir, ['index.html'], r.store, { signal: r.signal });
    const entry = await statEntry(cid, r.store, { signal: r.signal });
    return entry.kind === 'file' ? cid : undefined;
  } catch (err) {
    if (isVeilError(err, 'VEIL_CONTENT_PATH_NOT_FOUND')) return undefined;
    throw err;
  }
}

async function serveListing(r: Request, dir: CID, headers: Record<string, string>): Promise<void> {
  const etag = `"DirIndex-${GATEWAY_DEFAULTS.dirIndexVersion}_CID-${dir.toString()}"`;
  if (sendNotModifiedIfMatch(r.req, r.res, etag, headers)) return;
  const entries = listDirectory(dir, r.store, { signal: r.signal });
  await sendStream(r.req, r.res, 200, { ...headers, ETag: etag, 'Content-Type': 'text/html; charset=utf-8' }, () =>
    renderListing(r.path.rawPath.endsWith('/') ? r.path.rawPath : r.path.rawPath + '/', entries, GATEWAY_DEFAULTS.maxListingEntries),
  );
}

/**
 * `/uri/<capability>` (issue #5 §2): a private file decrypted on the fly, streamed, with ranges (the cipher is
 * seekable). The capability holds the key, so it never appears in response headers (no X-Ipfs-Path), and the
 * answer may be cached by the browser only (`private`). No sub-paths and no trustless formats: the stored blocks
 * are served by /ipfs/ to whoever needs ciphertext.
 */
async function serveCapability(req: IncomingMessage, res: ServerResponse, options: GatewayHandlerOptions, stores: Stores, path: GatewayPath, signal: AbortSignal): Promise<void> {
  const { store } = stores;
  const open = options.hooks?.openCapability;
  if (!open) throw new VeilError('VEIL_GATEWAY_NOT_WIRED', '/uri/ is not available on this gateway (it needs a running node)');
  if (path.segments.length > 0) throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: /uri/<capability> names one file, without a path below it');
  if (path.query.has('format') || /application\/vnd\.ipld\./i.test(String(req.headers.accept ?? ''))) {
    throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: /uri/ serves plaintext only; ask /ipfs/<cid>?format=raw|car for the stored blocks');
  }
  const opened = await open(path.root, { signal });
  const r: Request = { req, res, path, signal, ...stores, headers: {} };
  const entry = await statEntry(opened.cid, store, { signal });
  if (entry.kind !== 'file') throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'a capability must name a file');
  return serveFile(r, opened.cid, '', { 'Cache-Control': GATEWAY_DEFAULTS.privateImmutableCacheControl }, entry.size, opened);
}

async function serveFile(r: Request, cid: CID, name: string, baseHeaders: Record<string, string>, knownSize?: number, cap?: OpenedCapability): Promise<void> {
  const plain = (offset: number, source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> => (cap?.decrypt ? cap.decrypt(offset, source, { signal: r.signal }) : source);
  const size = knownSize ?? (await statEntry(cid, r.store, { signal: r.signal })).size;
  const range = parseRange(rangeHeader(r.req), size);
  const fullEtag = `"${cid.toString()}"`;
  const etag = range ? `"${cid.toString()}.${range.start}-${range.end}"` : fullEtag;
  const headers: Record<string, string | number> = { ...baseHeaders, ETag: etag, 'Accept-Ranges': 'bytes' };
  if (sendNotModifiedIfMatch(r.req, r.res, etag, baseHeaders)) return;
  const filename = r.path.query.get('filename');
  const head: Uint8Array[] = [];
  for await (const chunk of plain(0, readFile(cid, r.store, { signal: r.signal, length: Math.min(size, GATEWAY_DEFAULTS.sniffBytes) }))) head.push(chunk);
  headers['Content-Type'] = sniffContentType(filename ?? name, Buffer.concat(head));
  const download = r.path.query.get('download') === 'true';
  if (filename !== undefined || download) headers['Content-Disposition'] = contentDisposition(download ? 'attachment' : 'inline', filename);
  const offset = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  headers['Content-Length'] = length;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  // A large file streams around the cache: its leaves would evict every other block, and memory must stay flat.
  const blocks = size > GATEWAY_DEFAULTS.cachedFileMaxBytes ? r.bulkStore : r.store;
  await sendStream(r.req, r.res, range ? 206 : 200, headers, () => plain(offset, readFile(cid, blocks, { signal: r.signal, offset, length })));
}

function rangeHeader(req: IncomingMessage): string | undefined {
  const value = req.headers.range;
  return typeof value === 'string' ? value : undefined;
}
