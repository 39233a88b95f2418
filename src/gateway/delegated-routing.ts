/**
 * The answer of a delegated routing server to `GET /routing/v1/providers/<cid>` (Delegated Routing V1 HTTP API,
 * §Providers, JSON form): a pure parser from untrusted bytes to the HTTP gateway URLs worth asking. Only providers
 * that announce the `transport-ipfs-gateway-http` protocol count (Trustless Gateway over HTTP), and of their
 * multiaddrs only `/dns*|ip4|ip6/<host>/tcp/<port>/https` (or `/tls/http`) become `https://host:port/`; a plain
 * `/http` address is kept only for a loopback host (a server on a private test network). Everything is bounded.
 */
import { VeilError, quoteUntrusted } from '../core/index.js';

export const DELEGATED_ROUTING_LIMITS = Object.freeze({
  /** Largest response body read (bytes). */
  maxBodyBytes: 256 * 1024,
  /** Providers examined. */
  maxProviders: 100,
  /** Multiaddrs examined per provider. */
  maxAddrsPerProvider: 16,
  /** Longest multiaddr string examined (characters). */
  maxAddrChars: 256,
});

/** The protocol name of HTTP gateways in routing records (IPIP-417 / Routing V1 §Known Transfer Protocols). */
export const GATEWAY_HTTP_PROTOCOL = 'transport-ipfs-gateway-http';

function invalid(message: string): VeilError {
  return new VeilError('VEIL_ROUTING_RESPONSE_INVALID', `invalid delegated routing answer: ${message}`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A host name or IP literal that can be put in a URL without changing its meaning. */
function isSafeHost(host: string): boolean {
  return /^[A-Za-z0-9.-]{1,253}$/.test(host) || /^[0-9a-fA-F:.]{2,45}$/.test(host);
}

/** `/dns4/example.org/tcp/443/https` → `https://example.org:443/`; undefined for any other shape. */
export function gatewayUrlOfMultiaddr(addr: string): string | undefined {
  if (addr.length > DELEGATED_ROUTING_LIMITS.maxAddrChars) return undefined;
  const parts = addr.split('/');
  if (parts[0] !== '') return undefined;
  const [, proto = '', host = '', tcp, portText = '', ...rest] = parts;
  if (!['dns', 'dns4', 'dns6', 'ip4', 'ip6'].includes(proto) || tcp !== 'tcp' || !isSafeHost(host)) return undefined;
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  const tail = rest.join('/');
  let scheme: 'https' | 'http';
  if (tail === 'https' || tail === 'tls/http' || /^tls\/sni\/[A-Za-z0-9.-]{1,253}\/http$/.test(tail)) scheme = 'https';
  else if (tail === 'http' && isLoopback(host)) scheme = 'http';
  else return undefined;
  const hostPart = proto === 'ip6' ? `[${host}]` : host;
  try {
    return new URL(`${scheme}://${hostPart}:${port}/`).href;
  } catch {
    return undefined; // not a URL host after all (e.g. "a..b"): skipped like any other unusable address
  }
}

/**
 * Parses the JSON body. Returns gateway base URLs (deduplicated, at most `maxUrls`, in the server's order).
 * Throws VEIL_ROUTING_RESPONSE_INVALID when the body is not a JSON object with a `Providers` array (or null).
 */
export function parseProvidersResponse(body: Uint8Array, maxUrls: number): string[] {
  if (body.length > DELEGATED_ROUTING_LIMITS.maxBodyBytes) throw invalid(`larger than ${DELEGATED_ROUTING_LIMITS.maxBodyBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new VeilError('VEIL_ROUTING_RESPONSE_INVALID', 'invalid delegated routing answer: not UTF-8 JSON', { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('not a JSON object');
  const providers = (json as Record<string, unknown>)['Providers'];
  if (providers === null || providers === undefined) return [];
  if (!Array.isArray(providers)) throw invalid(`Providers is ${quoteUntrusted(typeof providers)}, not an array`);
  const urls = new Set<string>();
  for (const p of providers.slice(0, DELEGATED_ROUTING_LIMITS.maxProviders)) {
    if (urls.size >= maxUrls) break;
    if (typeof p !== 'object' || p === null) continue;
    const record = p as Record<string, unknown>;
    // Schema "peer" lists Protocols; the older per-protocol records name one Protocol.
    const protocols = Array.isArray(record['Protocols']) ? record['Protocols'] : [record['Protocol']];
    if (!protocols.includes(GATEWAY_HTTP_PROTOCOL)) continue;
    const addrs = Array.isArray(record['Addrs']) ? record['Addrs'] : [];
    for (const a of addrs.slice(0, DELEGATED_ROUTING_LIMITS.maxAddrsPerProvider)) {
      const url = typeof a === 'string' ? gatewayUrlOfMultiaddr(a) : undefined;
      if (url !== undefined && urls.size < maxUrls) urls.add(url);
    }
  }
  return [...urls];
}
