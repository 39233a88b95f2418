/**
 * Defaults for src/names, in one table (STYLE: "All defaults live in one table").
 */
export const NAMES_DEFAULTS = Object.freeze({
  /** Key files, relative to the node directory (one file per key, mode 0600, directory 0700). */
  keysDir: 'private/keys',
  /** IPNS records published or cached by this node, relative to the node directory. */
  recordsDir: 'names',
  /** The key `veil name publish` uses without --key; created on first use. */
  selfKeyName: 'self',
  /** Record validity (EOL) of `veil name publish` without --lifetime: 24 hours (ms). */
  lifetimeMs: 24 * 3600 * 1000,
  /** Record TTL (how long resolvers may cache it) without --ttl: 1 hour (ms), boxo's DefaultRecordTTL. */
  ttlMs: 3600 * 1000,
  /** IPNS record spec §Record Size Limit: records larger than 10 KiB are refused. */
  maxRecordBytes: 10 * 1024,
  /** Longest chain of /ipns/ names (IPNS values and DNSLink) followed before VEIL_NAME_RECURSION_LIMIT. */
  maxRecursion: 32,
  /** Longest name accepted after /ipns/ (a domain is at most 253 characters; CIDs are shorter). */
  maxNameChars: 253,
  /** Most path segments in an IPNS or DNSLink value. */
  maxValueSegments: 256,
  /** Records from the grid's storage servers kept in memory (each until its TTL ends). */
  maxRemoteCacheEntries: 1000,
});

/** Limits of the DNS message codec (dns-message.ts). */
export const DNS_LIMITS = Object.freeze({
  /** RFC 8484 §6: a DoH message is at most 65535 bytes. */
  maxMessageBytes: 65_535,
  /** Most records per section kept (answers are a handful of TXT and CNAME records). */
  maxRecordsPerSection: 64,
  /** RFC 1035 §2.3.4: a name is at most 255 bytes in wire format; a label 63. */
  maxNameWireBytes: 255,
  maxLabelBytes: 63,
  /** Most compression pointers followed while reading one name (each must point backwards, so no loops). */
  maxPointerJumps: 32,
  /** Most questions accepted in a reply (we send one). */
  maxQuestions: 4,
});

/** DNS-over-HTTPS client defaults (doh-client.ts). */
export const DOH_DEFAULTS = Object.freeze({
  /** One DoH query, including the Tor circuit (ms). */
  timeoutMs: 60_000,
  /** Cached answers (per name and type), the oldest dropped first beyond this. */
  maxCacheEntries: 1024,
  /** Longest time an answer is cached whatever its TTL says (s). */
  maxCacheTtlSeconds: 3600,
  /** How long NXDOMAIN / no-data answers are cached (s). */
  negativeTtlSeconds: 60,
  /** Longest CNAME chain followed inside one answer. */
  maxCnameChain: 8,
});
