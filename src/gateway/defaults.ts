/** Defaults for src/gateway, in one table. */
export const GATEWAY_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  /** Longest request target (path + query) accepted; longer gets 400 (RFC 9112 §3: servers set their own limit). */
  maxUrlChars: 8192,
  /** Most path segments below the root CID. */
  maxSegments: 256,
  /** Most query parameters kept. */
  maxQueryParams: 32,
  /** Bytes read from the start of a file to sniff its type (WHATWG MIME sniffing reads 1445; 512 suffices here). */
  sniffBytes: 512,
  /** Path gateway spec §Cache-Control: every immutable /ipfs/ response. */
  immutableCacheControl: 'public, max-age=29030400, immutable',
  /** /uri/ responses: immutable too (a capability names fixed content), but private content for the browser only. */
  privateImmutableCacheControl: 'private, max-age=29030400, immutable',
  /** Version tag of the HTML listing; part of the listing ETag so a new template busts caches (spec §Etag). */
  dirIndexVersion: 'veil1',
  /** In-memory cache of verified blocks the gateway has served (bytes). */
  blockCacheBytes: 64 * 1024 * 1024,
  /** Files larger than this (bytes) stream their blocks around the block cache (1 GB stays flat in memory). */
  cachedFileMaxBytes: 16 * 1024 * 1024,
  /** Most entries rendered in a generated directory listing. */
  maxListingEntries: 10_000,
});
