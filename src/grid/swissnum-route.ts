/**
 * The shared front door of the grid's HTTP services (storage server, introducer): a path
 * `<prefix><swissnum>/<rest>` is answered 403 unless the swissnum matches (constant-time compare), and the
 * service's router gets `rest`. A router that throws is logged and answered 500 (or its connection destroyed
 * when the answer had started).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { VeilError, sensitive, type Logger } from '../core/index.js';

/** A JSON error answer `{ code, message }`, never cached. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ code, message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Constant-time comparison of a swissnum from a request with the service's own. */
export function isSwissnum(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SwissnumRouteOptions {
  /** Path prefix of the service, ending in '/'. */
  readonly prefix: string;
  readonly swissnum: string;
  /** Error code of the 500 answer when the router fails. */
  readonly failureCode: string;
  /** Names the service in the log ('storage', 'introducer'). */
  readonly what: string;
  readonly log: Logger;
  /** Answers a request whose swissnum matched; `rest` is the path after `<swissnum>/` ('' when none). */
  readonly route: (req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams) => Promise<void>;
}

/** Handles `req` when its path is under `prefix` (returns true), else returns false and leaves it alone. */
export function handleSwissnumRequest(req: IncomingMessage, res: ServerResponse, options: SwissnumRouteOptions): boolean {
  const url = new URL(req.url ?? '/', 'https://veil-peer');
  if (!url.pathname.startsWith(options.prefix)) return false;
  const tail = url.pathname.slice(options.prefix.length);
  const slash = tail.indexOf('/');
  const swissnum = slash < 0 ? tail : tail.slice(0, slash);
  if (!isSwissnum(swissnum, options.swissnum)) {
    req.resume();
    sendError(res, 403, 'VEIL_GRID_UNAUTHORIZED', 'wrong swissnum');
    return true;
  }
  options.route(req, res, slash < 0 ? '' : tail.slice(slash + 1), url.searchParams).catch((err: unknown) => {
    options.log.warn(`${options.what} request failed:`, err instanceof VeilError ? err.code : 'error', sensitive(err));
    if (!res.headersSent) sendError(res, 500, options.failureCode, 'internal server error');
    else res.destroy();
  });
  return true;
}
