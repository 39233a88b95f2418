/**
 * Validation of [client], [storage], [introducer], [gateway] and [testnet].
 */
import { quoteUntrusted } from '../core/index.js';
import { MAX_SHARES } from './defaults.js';
import { parseFurl } from './hints.js';
import { isLoopbackHost } from './endpoint.js';
import { valueError } from './problems.js';
import type { ConfigReader } from './reader.js';
import type { ClientSection, GatewaySection, IntroducerSection, StorageSection, TestnetSection } from './types.js';
import { parseDate, parseDuration, parseInteger, parseSize } from './values.js';

export function validateClient(r: ConfigReader): ClientSection {
  const introducerFurl = r.optional('client', 'introducer.furl', parseFurl);
  const shares = (key: string, fallback: number): number => r.parse('client', key, (t) => parseInteger(t, 1, MAX_SHARES), fallback);
  const sharesNeeded = shares('shares.needed', 3);
  const sharesHappy = shares('shares.happy', 7);
  const sharesTotal = shares('shares.total', 10);
  // Tahoe: k <= happy <= N.
  if (sharesNeeded > sharesHappy) r.problem('client', 'shares.happy', `must be at least shares.needed (${sharesNeeded})`);
  if (sharesHappy > sharesTotal) r.problem('client', 'shares.happy', `must be at most shares.total (${sharesTotal})`);
  const storageServers = r.parse('client', 'storage.servers', parseServerList, []);
  return { introducerFurl, sharesNeeded, sharesHappy, sharesTotal, storageServers };
}

const EXPIRE_MODES = ['age', 'cutoff-date'] as const;

export function validateStorage(r: ConfigReader): StorageSection {
  const connectionMaxBytes = r.parse('storage', 'connection.max_bytes', parseSize, 1024 ** 3);
  if (connectionMaxBytes < 1024 * 1024) r.problem('storage', 'connection.max_bytes', 'must be at least 1Mi (a block can be that large)');
  const modeText = r.value('storage', 'expire.mode').trim().toLowerCase();
  const mode = (EXPIRE_MODES as readonly string[]).includes(modeText) ? (modeText as (typeof EXPIRE_MODES)[number]) : undefined;
  if (!mode) r.problem('storage', 'expire.mode', `${quoteUntrusted(modeText)} is not a mode: use age or cutoff-date`);
  const overrideLeaseDurationMs = r.optional('storage', 'expire.override_lease_duration', parseDuration);
  const cutoffMs = r.optional('storage', 'expire.cutoff_date', parseDate);
  // Tahoe: cutoff-date mode needs a cutoff date; each setting only applies to its own mode.
  if (mode === 'cutoff-date' && cutoffMs === undefined && r.value('storage', 'expire.cutoff_date') === '') r.problem('storage', 'expire.cutoff_date', 'expire.mode = cutoff-date needs a cutoff date (YYYY-MM-DD)');
  if (mode === 'age' && r.isSet('storage', 'expire.cutoff_date')) r.problem('storage', 'expire.cutoff_date', 'only used with expire.mode = cutoff-date');
  if (mode === 'cutoff-date' && r.isSet('storage', 'expire.override_lease_duration')) r.problem('storage', 'expire.override_lease_duration', 'only used with expire.mode = age');
  return {
    enabled: r.bool('storage', 'enabled'),
    reservedSpaceBytes: r.parse('storage', 'reserved_space', parseSize, 0),
    connectionMaxBytes,
    expireEnabled: r.bool('storage', 'expire.enabled'),
    expire: mode === 'cutoff-date' ? { mode, cutoffMs: cutoffMs ?? 0 } : { mode: 'age', overrideLeaseDurationMs },
  };
}

export function validateIntroducer(r: ConfigReader): IntroducerSection {
  return { enabled: r.bool('introducer', 'enabled') };
}

/** Service addresses separated by commas or spaces (a comma inside an address separates its hints). */
export function parseServerList(text: string): string[] {
  const items = text.trim() === '' ? [] : text.trim().split(/[\s,]+(?=pb:\/\/)/);
  for (const item of items) parseFurl(item);
  return items.map((i) => i.trim());
}

/** An HTTP service URL: https://, or http:// to a loopback host (a server on a private test network). */
export function parseServiceUrl(text: string, what = 'DNS resolver'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw valueError(`${quoteUntrusted(text)} is not a URL: ${(err as Error).message}`, text);
  }
  if (url.username !== '' || url.password !== '') throw valueError(`${what} URL must not contain a user name or password`, text);
  const isLocal = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocal)) {
    throw valueError(`${quoteUntrusted(text)} must be an https:// URL (http:// only for loopback resolvers)`, text);
  }
  return url.href;
}

/** A DoH URL: https://, or http:// to a loopback host (a resolver on a private test network). */
export const parseDohUrl = (text: string): string => parseServiceUrl(text, 'DNS resolver');

/** `[gateway] fetch.public`: a comma list of gateway URLs; `false` (the old boolean's default) means none. */
export function parseGatewayList(text: string): string[] {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'false') return [];
  if (t.toLowerCase() === 'true') throw valueError('give the URLs of the trustless gateways to ask (https://gateway.example, comma list), not true', text);
  return t.split(/[\s,]+/).filter((u) => u !== '').map((u) => parseServiceUrl(u, 'gateway'));
}

export function validateGateway(r: ConfigReader): GatewaySection {
  return {
    fetchPublic: r.parse('gateway', 'fetch.public', parseGatewayList, []),
    fetchRouting: r.optional('gateway', 'fetch.routing', (t) => parseServiceUrl(t, 'delegated routing')),
    dnsResolver: r.optional('gateway', 'dnslink.resolver', parseDohUrl),
  };
}

export function validateTestnet(r: ConfigReader): TestnetSection {
  return { allowLoopbackExit: r.bool('testnet', 'allow-loopback-exit'), joinFile: r.path('testnet', 'join') };
}
