/**
 * Blocks from public trustless gateways (issue #5 §3): `GET <gateway>/ipfs/<cid>?format=raw` (Trustless Gateway
 * spec §Block Responses) on each configured gateway in turn and, when a delegated routing server is configured,
 * on the HTTP gateways it names for the CID (`/routing/v1/providers/<cid>`, at most `maxProviders`). Every block
 * is verified against its CID before it is returned; a gateway that lies is skipped like one that does not have it.
 *
 * This file never opens a connection: requests go through the caller's `HttpGet`, which the node builds on the
 * router (src/net http-over-dialer), so they travel over Tor when the node hides its IP, one isolation token per
 * gateway origin.
 */
import { isVeilError, logger, sensitive, throwIfAborted, type AbortOptions } from '../core/index.js';
import { CONTENT_DEFAULTS, verifyBlock, type CID, type FetchMissingBlock } from '../content/index.js';
import { DELEGATED_ROUTING_LIMITS, parseProvidersResponse } from './delegated-routing.js';

const log = logger('veil:gateway:public');

export const PUBLIC_FETCH_DEFAULTS = Object.freeze({
  /** Gateways taken from one delegated routing answer. */
  maxProviders: 5,
  /** One block request (ms); over Tor a first circuit can take a while. */
  requestTimeoutMs: 60_000,
});

export interface HttpGetResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

/** One GET with a bounded body; throws the transport's VeilErrors (VEIL_HTTP_*, VEIL_ROUTE_*, VEIL_TIMEOUT, VEIL_ABORTED). */
export type HttpGet = (url: string, options: AbortOptions & { readonly accept: string; readonly maxBodyBytes: number; readonly timeoutMs: number }) => Promise<HttpGetResponse>;

export interface PublicFetcherOptions {
  /** Gateway base URLs (`[gateway] fetch.public`). */
  readonly gateways: readonly string[];
  /** Delegated routing base URL (`[gateway] fetch.routing`). */
  readonly routingUrl?: string | undefined;
  readonly get: HttpGet;
  readonly maxProviders?: number | undefined;
}

function under(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}

/**
 * A FetchMissingBlock over public gateways: resolves with verified bytes, or undefined when no gateway had a valid
 * copy (each failure is logged at debug level). Rejects only with VEIL_ABORTED/VEIL_TIMEOUT of the caller's signal.
 */
export function createPublicBlockFetcher(options: PublicFetcherOptions): FetchMissingBlock {
  const maxProviders = options.maxProviders ?? PUBLIC_FETCH_DEFAULTS.maxProviders;

  async function fromGateway(base: string, cid: CID, opts: AbortOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(opts.signal, 'fetch a block from a public gateway');
    try {
      const res = await options.get(under(base, `ipfs/${cid.toString()}?format=raw`), {
        accept: 'application/vnd.ipld.raw',
        maxBodyBytes: CONTENT_DEFAULTS.maxBlockBytes,
        timeoutMs: PUBLIC_FETCH_DEFAULTS.requestTimeoutMs,
        signal: opts.signal,
      });
      if (res.status !== 200) {
        log.debug('public gateway answered', res.status, 'for', sensitive(cid.toString()));
        return undefined;
      }
      verifyBlock(cid, res.body);
      return res.body;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      log.debug('public gateway failed:', isVeilError(err) ? err.code : String(err));
      return undefined;
    }
  }

  async function providers(cid: CID, opts: AbortOptions): Promise<string[]> {
    if (options.routingUrl === undefined) return [];
    try {
      const res = await options.get(under(options.routingUrl, `routing/v1/providers/${cid.toString()}`), {
        accept: 'application/json',
        maxBodyBytes: DELEGATED_ROUTING_LIMITS.maxBodyBytes,
        timeoutMs: PUBLIC_FETCH_DEFAULTS.requestTimeoutMs,
        signal: opts.signal,
      });
      // Routing V1 §GET /routing/v1/providers: 404 means no providers are known.
      if (res.status !== 200) return [];
      return parseProvidersResponse(res.body, maxProviders);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      log.debug('delegated routing failed:', isVeilError(err) ? err.code : String(err));
      return [];
    }
  }

  return async (cid, opts) => {
    const tried = new Set<string>();
    for (const base of options.gateways) {
      tried.add(new URL(base.endsWith('/') ? base : `${base}/`).href);
      const bytes = await fromGateway(base, cid, opts);
      if (bytes) return bytes;
    }
    for (const base of await providers(cid, opts)) {
      if (tried.has(base)) continue;
      tried.add(base);
      const bytes = await fromGateway(base, cid, opts);
      if (bytes) return bytes;
    }
    return undefined;
  };
}
