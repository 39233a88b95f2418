/**
 * The HTTP gateway path parser: a pure function from the request target to a typed path. It is the only place
 * that decodes the URL, and it refuses anything that could step outside the DAG: `.`/`..` segments (raw or
 * percent-encoded), encoded slashes or backslashes, NUL, empty segments, bad percent-encoding.
 * Path gateway spec §GET /ipfs/{cid}[/{path}][?{params}].
 */
import { VeilError } from '../core/index.js';
import { GATEWAY_DEFAULTS } from './defaults.js';

export const NAMESPACES = ['ipfs', 'ipns', 'uri'] as const;
export type Namespace = (typeof NAMESPACES)[number];

export interface GatewayPath {
  namespace: Namespace;
  /** The CID (ipfs), name (ipns) or capability (uri), still untrusted text. */
  root: string;
  /** Decoded path segments below the root; never '', '.', '..', never containing '/', '\\' or NUL. */
  segments: string[];
  hasTrailingSlash: boolean;
  /** Query parameters (first value wins); untrusted keys, so a Map. */
  query: Map<string, string>;
  /** The request path as received (for X-Ipfs-Path and redirects), without the query. */
  rawPath: string;
  rawQuery: string;
}

/** The result for paths outside the three namespaces (`/`, `/favicon.ico`): the handler answers 404. */
export interface OtherPath {
  namespace: undefined;
  rawPath: string;
}

function invalid(message: string): VeilError {
  return new VeilError('VEIL_GATEWAY_PATH_INVALID', `invalid gateway path: ${message}`);
}

function decodeSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch (err) {
    throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: bad percent-encoding', { cause: err });
  }
  if (decoded === '' || decoded === '.' || decoded === '..') throw invalid('empty or dot segment');
  if (/[/\\\0]/.test(decoded)) throw invalid('encoded slash, backslash or NUL in a segment');
  return decoded;
}

/** Parses `req.url`. Throws VEIL_GATEWAY_PATH_INVALID only. */
export function parseGatewayPath(target: string): GatewayPath | OtherPath {
  if (target.length > GATEWAY_DEFAULTS.maxUrlChars) throw invalid(`longer than ${GATEWAY_DEFAULTS.maxUrlChars} characters`);
  if (!target.startsWith('/')) throw invalid('must start with "/"');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  const parts = rawPath.split('/').slice(1);
  const first = parts[0] ?? '';
  if (!(NAMESPACES as readonly string[]).includes(first)) return { namespace: undefined, rawPath };
  const hasTrailingSlash = parts.length > 2 && parts[parts.length - 1] === '';
  if (hasTrailingSlash) parts.pop();
  if (parts.length < 2 || parts[1] === '') throw invalid(`/${first}/ needs a root`);
  if (parts.length - 2 > GATEWAY_DEFAULTS.maxSegments) throw invalid('too many segments');
  const root = decodeSegment(parts[1]!);
  const segments = parts.slice(2).map(decodeSegment);
  const query = new Map<string, string>();
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(rawQuery);
  } catch (err) {
    throw new VeilError('VEIL_GATEWAY_PATH_INVALID', 'invalid gateway path: bad query', { cause: err });
  }
  for (const [key, value] of params) {
    if (query.size >= GATEWAY_DEFAULTS.maxQueryParams) break;
    if (!query.has(key)) query.set(key, value);
  }
  return { namespace: first as Namespace, root, segments, hasTrailingSlash, query, rawPath, rawQuery };
}
