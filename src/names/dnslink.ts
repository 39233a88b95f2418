/**
 * DNSLink (https://dnslink.dev, and the path gateway spec §DNSLink): a domain's content path is published in a
 * TXT record at `_dnslink.<domain>` as `dnslink=/ipfs/<cid>[/path]` or `dnslink=/ipns/<name>[/path]`. Only the
 * `_dnslink.` subdomain is asked (the bare-domain fallback is deprecated). When several valid values exist,
 * the lexicographically first is used, so every resolver picks the same one (DNSLink spec, "multiple records").
 */
import { VeilError, quoteUntrusted, type AbortOptions } from '../core/index.js';
import type { DohClient } from './doh-client.js';
import { NAMES_DEFAULTS } from './defaults.js';

export interface DnslinkResult {
  /** `/ipfs/...` or `/ipns/...`. */
  readonly path: string;
  readonly ttlSeconds: number;
}

const DNSLINK_PREFIX = 'dnslink=';

/**
 * True when `name` looks like a DNS domain (RFC 1123 §2.1 host names; `_` allowed inside labels as DNS allows):
 * at least two labels of 1-63 letters, digits, `-` or `_`, not starting or ending with `-`, at most 253 chars.
 */
export function isDomainName(name: string): boolean {
  if (name.length === 0 || name.length > NAMES_DEFAULTS.maxNameChars) return false;
  const labels = name.replace(/\.$/, '').split('.');
  if (labels.length < 2) return false;
  return labels.every((l) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
}

/** The path of one TXT value, or undefined when it is not a valid `dnslink=` value. */
export function parseDnslinkValue(text: string): string | undefined {
  if (!text.startsWith(DNSLINK_PREFIX)) return undefined;
  const path = text.slice(DNSLINK_PREFIX.length).trim();
  // DNSLink spec: the value is a path in a namespace; we follow the two the gateway serves.
  if (!/^\/(ipfs|ipns)\/[^/\s]+(\/[^\s]*)?$/.test(path)) return undefined;
  return path;
}

/**
 * Resolves `domain` one step. Throws VEIL_IPNS_NAME_INVALID (not a domain), VEIL_DNSLINK_NOT_FOUND, and the DoH
 * client's codes. Honours `signal`.
 */
export async function resolveDnslink(domain: string, doh: Pick<DohClient, 'queryTxt'>, options: AbortOptions = {}): Promise<DnslinkResult> {
  if (!isDomainName(domain)) throw new VeilError('VEIL_IPNS_NAME_INVALID', `${quoteUntrusted(domain, 64)} is not a DNS domain name`);
  const answer = await doh.queryTxt(`_dnslink.${domain.replace(/\.$/, '')}`, options);
  const paths = answer.texts.map(parseDnslinkValue).filter((p): p is string => p !== undefined).sort();
  const path = paths[0];
  if (path === undefined) {
    throw new VeilError('VEIL_DNSLINK_NOT_FOUND', `no valid dnslink= TXT record at _dnslink.${domain}`, { details: { records: answer.texts.length } });
  }
  return { path, ttlSeconds: answer.ttlSeconds };
}
