/**
 * DNS-over-HTTPS client (RFC 8484) for TXT lookups, with a TTL cache. It never opens a socket: requests go
 * through a `DohTransport`, which the node builds over the router (net/http-over-dialer.ts), so queries travel
 * over Tor when the node hides its IP, and the system resolver is never asked.
 *
 * Requests: GET `?dns=<base64url query>` with ID 0 (RFC 8484 §4.1: cache-friendly), or POST with the query as
 * body; both with `Accept: application/dns-message`. Replies must be 200 `application/dns-message` (§4.2.1),
 * echo our question, have QR set and not be truncated.
 */
import { VeilError, logger, sensitive, withTimeout, type AbortOptions } from '../core/index.js';
import { DNS_RCODE, DNS_TYPE, decodeDnsMessage, encodeQuery, type DnsMessage } from './dns-message.js';
import { DNS_LIMITS, DOH_DEFAULTS } from './defaults.js';

const log = logger('veil:names:doh');

/** RFC 8484 §6: the media type of DNS wire-format messages. */
export const DNS_MESSAGE_MEDIA_TYPE = 'application/dns-message';

export interface DohHttpRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  /** Largest body the transport may read. */
  readonly maxBodyBytes: number;
}

export interface DohHttpResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

/** Sends one HTTP request; the node's implementation goes through the router. Honours `signal`. */
export type DohTransport = (request: DohHttpRequest, options: AbortOptions) => Promise<DohHttpResponse>;

export interface DohClientOptions {
  /** The resolver URL ([gateway] dnslink.resolver), e.g. `https://dns.example/dns-query`. */
  readonly resolverUrl: string;
  readonly transport: DohTransport;
  readonly method?: 'GET' | 'POST' | undefined;
  readonly timeoutMs?: number | undefined;
  /** Clock for the cache (tests); default Date.now. */
  readonly now?: (() => number) | undefined;
}

export interface TxtAnswer {
  /** Each TXT record's character-strings joined (RFC 7208 §3.3 style; DNSLink values may be split). */
  readonly texts: readonly string[];
  /** Seconds the answer may be cached: the smallest TTL on the chain, capped. 0 when nothing was found. */
  readonly ttlSeconds: number;
  /** True when the name does not exist (NXDOMAIN) or has no TXT records. */
  readonly isEmpty: boolean;
}

interface CacheEntry {
  answer: TxtAnswer;
  expiresAtMs: number;
}

function lower(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url'); // RFC 8484 §4.1: base64url without padding
}

/**
 * Follows the CNAME chain from `qname` inside the answer section and collects the TXT records of the final name.
 * Records for other owner names are ignored (a resolver must not smuggle in unrelated data).
 */
export function txtFromAnswer(message: DnsMessage, qname: string, maxChain: number = DOH_DEFAULTS.maxCnameChain): { texts: string[]; ttlSeconds: number } {
  let name = lower(qname);
  let ttl = Number.POSITIVE_INFINITY;
  for (let hops = 0; ; hops++) {
    const txt = message.answers.filter((r) => r.type === DNS_TYPE.TXT && r.name === name);
    if (txt.length > 0) {
      for (const r of txt) ttl = Math.min(ttl, r.ttl);
      return { texts: txt.map((r) => (r.txt ?? []).join('')), ttlSeconds: ttl };
    }
    const cname = message.answers.find((r) => r.type === DNS_TYPE.CNAME && r.name === name && r.target !== undefined);
    if (!cname || hops >= maxChain) return { texts: [], ttlSeconds: Number.isFinite(ttl) ? ttl : 0 };
    ttl = Math.min(ttl, cname.ttl);
    name = cname.target!;
  }
}

export class DohClient {
  readonly #options: DohClientOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #now: () => number;

  constructor(options: DohClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Number of cached answers (for tests and status). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  /**
   * TXT records of `name`, from the cache while their TTL lasts. Throws VEIL_DOH_FAILED, VEIL_DNS_MESSAGE_INVALID,
   * VEIL_DNS_LIMIT, the transport's codes (VEIL_HTTP_*, VEIL_ROUTE_*, VEIL_DIAL_*), VEIL_TIMEOUT, VEIL_ABORTED.
   * Honours `signal`.
   */
  async queryTxt(name: string, options: AbortOptions = {}): Promise<TxtAnswer> {
    const key = `TXT ${lower(name)}`;
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAtMs > now) {
      const remaining = Math.max(0, Math.floor((hit.expiresAtMs - now) / 1000));
      return { ...hit.answer, ttlSeconds: remaining };
    }
    if (hit) this.#cache.delete(key);
    const answer = await this.#query(name, options);
    const cacheSeconds = Math.min(answer.ttlSeconds, DOH_DEFAULTS.maxCacheTtlSeconds);
    if (cacheSeconds > 0) {
      while (this.#cache.size >= DOH_DEFAULTS.maxCacheEntries) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, { answer, expiresAtMs: now + cacheSeconds * 1000 });
    }
    return { ...answer, ttlSeconds: cacheSeconds };
  }

  async #query(name: string, options: AbortOptions): Promise<TxtAnswer> {
    const signal = withTimeout(options.signal, this.#options.timeoutMs ?? DOH_DEFAULTS.timeoutMs);
    const query = encodeQuery(name, DNS_TYPE.TXT, 0);
    const method = this.#options.method ?? 'GET';
    const url = new URL(this.#options.resolverUrl);
    if (method === 'GET') url.searchParams.set('dns', base64url(query));
    const headers: Record<string, string> = { accept: DNS_MESSAGE_MEDIA_TYPE };
    if (method === 'POST') headers['content-type'] = DNS_MESSAGE_MEDIA_TYPE;
    log.debug('DoH query TXT', sensitive(name));
    const res = await this.#options.transport(
      { url: url.href, method, headers, body: method === 'POST' ? query : undefined, maxBodyBytes: DNS_LIMITS.maxMessageBytes },
      { signal },
    );
    if (res.status !== 200) throw new VeilError('VEIL_DOH_FAILED', `the DNS-over-HTTPS resolver answered HTTP ${res.status}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== DNS_MESSAGE_MEDIA_TYPE) throw new VeilError('VEIL_DOH_FAILED', `the DNS-over-HTTPS resolver answered with media type ${JSON.stringify(type.slice(0, 60))}, not ${DNS_MESSAGE_MEDIA_TYPE}`);
    const message = decodeDnsMessage(res.body);
    checkReply(message, name);
    if (message.rcode === DNS_RCODE.NXDOMAIN) return { texts: [], ttlSeconds: negativeTtl(message), isEmpty: true };
    if (message.rcode !== DNS_RCODE.NOERROR) throw new VeilError('VEIL_DOH_FAILED', `the DNS resolver answered RCODE ${message.rcode} for a TXT query`);
    const { texts, ttlSeconds } = txtFromAnswer(message, name);
    if (texts.length === 0) return { texts: [], ttlSeconds: negativeTtl(message), isEmpty: true };
    return { texts, ttlSeconds, isEmpty: false };
  }
}

/** The reply must answer our question (RFC 1035 §7.3 "match the question"): QR set, our ID (0), same name and type, no TC. */
function checkReply(message: DnsMessage, name: string): void {
  const q = message.questions[0];
  if (!message.isResponse || message.opcode !== 0) throw new VeilError('VEIL_DOH_FAILED', 'the DNS resolver sent a message that is not a query response');
  if (message.id !== 0) throw new VeilError('VEIL_DOH_FAILED', 'the DNS resolver answered with another message ID than our query (0)');
  if (message.isTruncated) throw new VeilError('VEIL_DOH_FAILED', 'the DNS resolver sent a truncated reply (TC set), which DoH does not allow');
  if (message.questions.length !== 1 || !q || q.name !== lower(name) || q.type !== DNS_TYPE.TXT) {
    throw new VeilError('VEIL_DOH_FAILED', 'the DNS resolver answered a different question');
  }
}

/** RFC 2308 §5: negative answers are cached for min(SOA TTL, SOA MINIMUM); without an SOA, our default. */
function negativeTtl(message: DnsMessage): number {
  const soa = message.authorities.find((r) => r.type === DNS_TYPE.SOA);
  if (!soa || soa.data.length < 4) return DOH_DEFAULTS.negativeTtlSeconds;
  const d = soa.data;
  const minimum = d[d.length - 4]! * 0x1000000 + ((d[d.length - 3]! << 16) | (d[d.length - 2]! << 8) | d[d.length - 1]!);
  return Math.min(soa.ttl, minimum, DOH_DEFAULTS.negativeTtlSeconds * 10);
}

