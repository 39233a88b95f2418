/**
 * Writing gateway responses: headers per the path gateway spec (§Response Headers), streaming bodies with
 * backpressure (pipeline from a pull-based generator, so memory stays flat for any file size), and errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VeilError, isVeilError, logger, type ErrorCategory } from '../core/index.js';

const log = logger('veil:gateway');

/** HTTP status for each error code the gateway can meet; other codes fall back to their category. */
const STATUS_BY_CODE: ReadonlyMap<string, number> = new Map([
  ['VEIL_GATEWAY_PATH_INVALID', 400],
  ['VEIL_CONTENT_CID_INVALID', 400],
  ['VEIL_CONTENT_HASH_UNSUPPORTED', 400],
  ['VEIL_CONTENT_NOT_UNIXFS', 400],
  ['VEIL_CONTENT_PATH_NOT_FOUND', 404],
  ['VEIL_CONTENT_BLOCK_NOT_FOUND', 404],
  ['VEIL_IPNS_RECORD_NOT_FOUND', 404],
  ['VEIL_DNSLINK_NOT_FOUND', 404],
  ['VEIL_NAME_RECURSION_LIMIT', 508],
  ['VEIL_GATEWAY_RANGE_INVALID', 416],
  ['VEIL_GATEWAY_NOT_WIRED', 501],
  ['VEIL_CONTENT_BLOCK_MISMATCH', 502],
  ['VEIL_TIMEOUT', 504],
]);

const STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  input: 400,
  config: 500,
  'local-daemon': 502,
  network: 502,
  peer: 502,
  aborted: 499,
  bug: 500,
};

export function statusFor(err: VeilError): number {
  return STATUS_BY_CODE.get(err.code) ?? STATUS_BY_CATEGORY[err.category];
}

/** Sends a plain-text error (message + hint). Never includes a stack; 5xx bugs are logged. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, extraHeaders: Record<string, string> = {}): void {
  const veil = isVeilError(err) ? err : new VeilError('VEIL_BUG', 'internal error (a bug in Veil): unexpected gateway failure', { cause: err });
  const status = statusFor(veil);
  if (status >= 500) log.error('gateway request failed:', veil.code, veil.message);
  else log.debug('gateway request refused:', veil.code);
  if (res.headersSent) {
    // Streaming already started with 200: the only honest signal left is to cut the connection (spec §404 NOTE).
    res.destroy(veil);
    return;
  }
  if (veil.category === 'aborted') {
    res.destroy();
    return;
  }
  if (veil.code === 'VEIL_GATEWAY_RANGE_INVALID' && typeof veil.details['size'] === 'number') {
    extraHeaders = { ...extraHeaders, 'Content-Range': `bytes */${veil.details['size']}` }; // RFC 9110 §15.5.17
  }
  const body = `${veil.message}\n${veil.hint}\n(${veil.code})\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Sends an error with a fixed status and text (for 405, 501 and redirects' bodies). */
export function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = text.endsWith('\n') ? text : text + '\n';
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** True (and 304 sent) when If-None-Match matches `etag` (RFC 9110 §13.1.2, weak comparison). */
export function sendNotModifiedIfMatch(req: IncomingMessage, res: ServerResponse, etag: string, headers: Record<string, string>): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  const strip = (t: string): string => t.trim().replace(/^W\//, '');
  const wanted = strip(etag);
  const matches = header.split(',').some((t) => t.trim() === '*' || strip(t) === wanted);
  if (!matches) return false;
  res.writeHead(304, { ...headers, ETag: etag });
  res.end();
  return true;
}

/**
 * Writes headers then streams `body` (nothing for HEAD). Rejects only for programming errors: a client that
 * goes away or a block missing mid-stream destroys the response (logged at debug).
 */
export async function sendStream(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number>, body: () => AsyncIterable<Uint8Array | string>): Promise<void> {
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.from(body(), { objectMode: false }), res);
  } catch (err) {
    if (!res.destroyed) res.destroy(err instanceof Error ? err : undefined);
    log.debug('gateway stream ended early:', isVeilError(err) ? err.code : err instanceof Error ? err.message : String(err));
  }
}

/** RFC 6266 / RFC 8187 Content-Disposition with an ASCII fallback (spec §Content-Disposition). */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string | undefined): string {
  if (filename === undefined) return kind;
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const utf8 = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === filename ? `${kind}; filename="${ascii}"` : `${kind}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
