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
import { parseInteger, parseSize } from './values.js';

export function validateClient(r: ConfigReader): ClientSection {
  const introducerFurl = r.optional('client', 'introducer.furl', parseFurl);
  const shares = (key: string, fallback: number): number => r.parse('client', key, (t) => parseInteger(t, 1, MAX_SHARES), fallback);
  const sharesNeeded = shares('shares.needed', 3);
  const sharesHappy = shares('shares.happy', 7);
  const sharesTotal = shares('shares.total', 10);
  // Tahoe: k <= happy <= N.
  if (sharesNeeded > sharesHappy) r.problem('client', 'shares.happy', `must be at least shares.needed (${sharesNeeded})`);
  if (sharesHappy > sharesTotal) r.problem('client', 'shares.happy', `must be at most shares.total (${sharesTotal})`);
  return { introducerFurl, sharesNeeded, sharesHappy, sharesTotal };
}

export function validateStorage(r: ConfigReader): StorageSection {
  return { enabled: r.bool('storage', 'enabled'), reservedSpaceBytes: r.parse('storage', 'reserved_space', parseSize, 0) };
}

export function validateIntroducer(r: ConfigReader): IntroducerSection {
  return { enabled: r.bool('introducer', 'enabled') };
}

/** A DoH URL: https://, or http:// to a loopback host (a resolver on a private test network). */
export function parseDohUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw valueError(`${quoteUntrusted(text)} is not a URL: ${(err as Error).message}`, text);
  }
  if (url.username !== '' || url.password !== '') throw valueError('DNS resolver URL must not contain a user name or password', text);
  const isLocal = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocal)) {
    throw valueError(`${quoteUntrusted(text)} must be an https:// URL (http:// only for loopback resolvers)`, text);
  }
  return url.href;
}

export function validateGateway(r: ConfigReader): GatewaySection {
  return { fetchPublic: r.bool('gateway', 'fetch.public'), dnsResolver: r.optional('gateway', 'dnslink.resolver', parseDohUrl) };
}

export function validateTestnet(r: ConfigReader): TestnetSection {
  return { allowLoopbackExit: r.bool('testnet', 'allow-loopback-exit'), joinFile: r.path('testnet', 'join') };
}
