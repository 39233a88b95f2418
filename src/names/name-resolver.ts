/**
 * Resolves `/ipns/<name>` for the gateway (GatewayHooks.resolveName) and the CLI: IPNS names through verified
 * records (local store, then the remote store once the grid has one), domains through DNSLink over
 * DNS-over-HTTPS sent through the router. Values that point at further /ipns/ names are followed up to
 * NAMES_DEFAULTS.maxRecursion steps; a loop or a longer chain is VEIL_NAME_RECURSION_LIMIT.
 *
 * The DoH requests use an undici Agent whose connections the router opens as `tcp:` hints: over Tor when
 * `[connections] tcp = tor` (a node that hides its IP), never via the system resolver.
 */
import { VeilError, isVeilError, logger, quoteUntrusted, sensitive, type AbortOptions, type Closable } from '../core/index.js';
import { parseCid, type CID } from '../content/index.js';
import { createDialerAgent, httpRequest, routerStreamOpener, type StreamOpener } from '../net/index.js';
import { NAMES_DEFAULTS } from './defaults.js';
import { isDomainName, resolveDnslink } from './dnslink.js';
import { DohClient, type DohTransport } from './doh-client.js';
import { parseIpnsName } from './ipns-name.js';
import { validateRecord, type ValidRecord } from './ipns-record.js';
import { FsRecordStore, type RecordStore } from './record-store.js';

const log = logger('veil:names:resolver');

/** What resolveName returns; structurally a gateway ResolvedName. */
export interface NameResolution {
  readonly cid: CID;
  /** Path segments below `cid` (from the values followed and the rest of the requested path). */
  readonly segments: string[];
  /** Smallest TTL along the chain (s), for `Cache-Control: public, max-age=…`. */
  readonly ttlSeconds?: number;
  /** The final `/ipfs/<cid>[/path]`. */
  readonly path: string;
}

/** The part of the router this file uses (src/net Router satisfies it). */
export type RouterLike = Parameters<typeof routerStreamOpener>[0];

export interface NameResolverOptions {
  readonly nodeDir: string;
  /** Local records (default NODEDIR/names). */
  readonly records?: RecordStore | undefined;
  /**
   * Records on the grid's storage servers (src/node grid-records.ts), asked when the local store has no valid
   * record. A remote record is kept in memory for its TTL only (never written to NODEDIR/names), so a newer
   * publication elsewhere is seen once the TTL has passed.
   */
  readonly remoteRecords?: RecordStore | undefined;
  /** `[gateway] dnslink.resolver`: the DoH URL; undefined disables DNSLink (VEIL_DNSLINK_DISABLED). */
  readonly dohResolver?: string | undefined;
  /** Opens the DoH connections; required for DNSLink. */
  readonly router?: RouterLike | undefined;
  /** Extra CA certificates (PEM) trusted for an https DoH resolver (tests with a private CA). */
  readonly dohCa?: string | undefined;
  /** Replaces the router-based HTTP transport (unit tests). */
  readonly dohTransport?: DohTransport | undefined;
}

export interface NameResolver extends Closable {
  /** GatewayHooks.resolveName: `ipns` names and domains; `uri` answers VEIL_GATEWAY_NOT_WIRED. */
  readonly resolveName: (namespace: 'ipns' | 'uri', name: string, options: AbortOptions) => Promise<NameResolution>;
  /** Resolves `/ipns/<name>[/path]` or `/ipfs/<cid>[/path]` to its final CID. */
  resolvePath(path: string, options?: AbortOptions): Promise<NameResolution>;
}

interface Step {
  readonly path: string;
  readonly ttlSeconds: number;
}

/** Splits `/ns/root/a/b` (checked: no dot or empty segments, no backslash or NUL). */
function splitPath(path: string, code: 'VEIL_IPNS_NAME_INVALID' | 'VEIL_IPNS_RECORD_INVALID'): { namespace: string; root: string; segments: string[] } {
  const parts = path.split('/');
  const [empty, namespace, root] = parts;
  const segments = parts.slice(3);
  if (segments.at(-1) === '') segments.pop();
  const bad =
    empty !== '' ||
    (namespace !== 'ipfs' && namespace !== 'ipns') ||
    !root ||
    segments.length > NAMES_DEFAULTS.maxValueSegments ||
    segments.some((s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s));
  if (bad) throw new VeilError(code, `${quoteUntrusted(path, 80)} is not an /ipfs/ or /ipns/ path`);
  return { namespace: namespace!, root: root!, segments };
}

/**
 * Creates the resolver. It owns the HTTP agent used for DoH: close() closes its connections (idempotent).
 * Resolution throws VEIL_IPNS_NAME_INVALID, VEIL_IPNS_RECORD_NOT_FOUND / _INVALID / _EXPIRED,
 * VEIL_DNSLINK_DISABLED / _NOT_FOUND, VEIL_NAME_RECURSION_LIMIT, VEIL_CONTENT_CID_INVALID, the DoH and router
 * codes, VEIL_TIMEOUT and VEIL_ABORTED; every call honours `signal`.
 */
export function createNameResolver(options: NameResolverOptions): NameResolver {
  const records = options.records ?? new FsRecordStore(options.nodeDir);
  /** Remote records by name, until their TTL (or validity) ends; oldest entry evicted first. */
  const remoteCache = new Map<string, { record: ValidRecord; until: number }>();
  let agent: ReturnType<typeof createDialerAgent> | undefined;
  let doh: DohClient | undefined;
  let dohUnavailable = 'set [gateway] dnslink.resolver to resolve DNSLink names';
  if (options.dohResolver !== undefined) {
    let transport = options.dohTransport;
    if (!transport && options.router) {
      const open: StreamOpener = routerStreamOpener(options.router, `doh:${new URL(options.dohResolver).host}`);
      const dispatcher = (agent = createDialerAgent({ open, ca: options.dohCa }));
      transport = (req, o) => httpRequest(dispatcher, req.url, { method: req.method, headers: req.headers, body: req.body, maxBodyBytes: req.maxBodyBytes, signal: o.signal });
    }
    if (transport) doh = new DohClient({ resolverUrl: options.dohResolver, transport });
    else dohUnavailable = 'this node has no router to reach the DNS-over-HTTPS resolver';
  }

  async function ipnsStep(name: string, opts: AbortOptions): Promise<Step> {
    const parsed = parseIpnsName(name);
    let record: ValidRecord | undefined;
    let localError: unknown;
    const local = await records.get(parsed.name, opts);
    if (local) {
      try {
        record = await validateRecord(parsed, local, opts);
      } catch (err) {
        if (!isVeilError(err) || (err.code !== 'VEIL_IPNS_RECORD_EXPIRED' && err.code !== 'VEIL_IPNS_RECORD_INVALID')) throw err;
        localError = err;
      }
    }
    if (!record && options.remoteRecords) {
      const cached = remoteCache.get(parsed.name);
      if (cached && cached.until > Date.now()) record = cached.record;
      else {
        remoteCache.delete(parsed.name);
        const remote = await options.remoteRecords.get(parsed.name, opts);
        if (remote) {
          record = await validateRecord(parsed, remote, opts);
          const until = Math.min(Date.now() + record.ttlSeconds * 1000, record.validUntil.getTime());
          if (remoteCache.size >= NAMES_DEFAULTS.maxRemoteCacheEntries) remoteCache.delete(remoteCache.keys().next().value!);
          remoteCache.set(parsed.name, { record, until });
        }
      }
    }
    if (!record) {
      if (localError) throw localError;
      throw new VeilError('VEIL_IPNS_RECORD_NOT_FOUND', 'no IPNS record is known for this name');
    }
    const secondsLeft = Math.max(0, Math.floor((record.validUntil.getTime() - Date.now()) / 1000));
    return { path: record.value, ttlSeconds: Math.min(record.ttlSeconds, secondsLeft) };
  }

  async function step(name: string, opts: AbortOptions): Promise<Step> {
    if (isDomainName(name)) {
      if (!doh) throw new VeilError('VEIL_DNSLINK_DISABLED', `cannot resolve the DNSLink name: ${dohUnavailable}`);
      return resolveDnslink(name, doh, opts);
    }
    return ipnsStep(name, opts);
  }

  async function resolvePath(path: string, opts: AbortOptions = {}): Promise<NameResolution> {
    let current = path;
    let code: 'VEIL_IPNS_NAME_INVALID' | 'VEIL_IPNS_RECORD_INVALID' = 'VEIL_IPNS_NAME_INVALID';
    let tail: string[] = [];
    let ttl = Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    for (let depth = 0; ; depth++) {
      const { namespace, root, segments } = splitPath(current, code);
      if (namespace === 'ipfs') {
        const all = [...segments, ...tail];
        const cid = parseCid(root);
        return { cid, segments: all, path: ['/ipfs', root, ...all].join('/'), ...(Number.isFinite(ttl) ? { ttlSeconds: ttl } : {}) };
      }
      const key = root.toLowerCase();
      if (depth >= NAMES_DEFAULTS.maxRecursion || seen.has(key)) {
        throw new VeilError('VEIL_NAME_RECURSION_LIMIT', seen.has(key) ? 'the chain of /ipns/ names loops' : `more than ${NAMES_DEFAULTS.maxRecursion} /ipns/ names in a chain`);
      }
      seen.add(key);
      tail = [...segments, ...tail];
      const next = await step(root, opts);
      log.debug('resolved one step of', sensitive(root));
      ttl = Math.min(ttl, next.ttlSeconds);
      current = next.path;
      code = 'VEIL_IPNS_RECORD_INVALID';
    }
  }

  let closing: Promise<void> | undefined;
  return {
    resolveName: async (namespace, name, opts) => {
      if (namespace !== 'ipns') throw new VeilError('VEIL_GATEWAY_NOT_WIRED', `/${namespace}/ is not available yet on this gateway`);
      if (name.length > NAMES_DEFAULTS.maxNameChars || name.includes('/')) throw new VeilError('VEIL_IPNS_NAME_INVALID', 'invalid /ipns/ name');
      return resolvePath(`/ipns/${name}`, opts);
    },
    resolvePath,
    close: () => (closing ??= agent ? agent.close().then(() => undefined) : Promise.resolve()),
  };
}
