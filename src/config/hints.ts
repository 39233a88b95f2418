/**
 * Connection hints (Tahoe/foolscap): where a node can be reached, as advertised in `tub.location` and in
 * FURLs. Forms: `tcp:HOST:PORT`, legacy `HOST:PORT` (= tcp), `tor:HOST:PORT` (usually an onion service),
 * `i2p:ADDR.i2p[:PORT]`; comma-separated lists; `AUTO` in tub.location (the local addresses, P11).
 * Hints of other types are kept as `other` when they come from peers (foolscap ignores hints it has no
 * handler for), and rejected in our own tub.location. Parsers throw VEIL_CONFIG_VALUE.
 */
import { quoteUntrusted } from '../core/index.js';
import { splitEndpoint } from './endpoint.js';
import { classifyHost } from './host.js';
import { valueError } from './problems.js';
import { parsePort } from './values.js';

export type ConnectionHint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'tor'; readonly host: string; readonly port: number }
  | { readonly kind: 'i2p'; readonly address: string; readonly port?: number | undefined }
  | { readonly kind: 'other'; readonly type: string; readonly raw: string };

/** One entry of tub.location: a hint, or AUTO (replaced by `tcp:<each local address>:<tub port>`). */
export type LocationEntry = ConnectionHint | { readonly kind: 'auto' };

export type HintType = 'tcp' | 'tor' | 'i2p';
export const HINT_TYPES: readonly HintType[] = Object.freeze(['tcp', 'tor', 'i2p']);

export interface HintParseOptions {
  /** Keep hints of unknown types as `other` (for hints from peers); default false: they are errors. */
  readonly allowOther?: boolean;
}

/** Max length of one hint and of a hint list: hints also arrive from peers. */
export const MAX_HINT_CHARS = 1024;
export const MAX_HINTS = 32;

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function formatConnectionHint(h: ConnectionHint): string {
  switch (h.kind) {
    case 'tcp':
    case 'tor':
      return `${h.kind}:${bracket(h.host)}:${h.port}`;
    case 'i2p':
      return h.port === undefined ? `i2p:${h.address}` : `i2p:${h.address}:${h.port}`;
    case 'other':
      return h.raw;
  }
}

export function formatLocationEntry(e: LocationEntry): string {
  return e.kind === 'auto' ? 'AUTO' : formatConnectionHint(e);
}

function hostPort(kind: 'tcp' | 'tor', args: string[], raw: string): ConnectionHint {
  if (args.length !== 2) throw valueError(`${kind} hint ${quoteUntrusted(raw)} is not ${kind}:HOST:PORT`, raw);
  const [hostText = '', portText = ''] = args;
  const info = classifyHost(hostText);
  if (info.kind === 'invalid') throw valueError(`hint ${quoteUntrusted(raw)}: ${info.reason}`, raw);
  if (info.kind === 'i2p') throw valueError(`hint ${quoteUntrusted(raw)}: use i2p:ADDR.i2p for I2P addresses`, raw);
  // A tcp: hint naming an onion service would be looked up in DNS by a direct dialer: require tor:.
  if (kind === 'tcp' && info.kind === 'onion') throw valueError(`hint ${quoteUntrusted(raw)}: use tor:ONION.onion:PORT for onion services`, raw);
  const host = info.kind === 'ipv4' || info.kind === 'ipv6' ? info.address : info.name;
  return { kind, host, port: parsePort(portText) };
}

/** Parses one connection hint. Throws VEIL_CONFIG_VALUE. */
export function parseConnectionHint(text: string, options: HintParseOptions = {}): ConnectionHint {
  const raw = text.trim();
  if (raw === '') throw valueError('empty connection hint', text);
  if (raw.length > MAX_HINT_CHARS) throw valueError(`connection hint is longer than ${MAX_HINT_CHARS} characters`, raw.slice(0, 80));
  // foolscap's legacy form HOST:PORT (no type) is a tcp hint.
  if (/^[^:[\]]+:\d+$/.test(raw) || /^\[[^\]]+\]:\d+$/.test(raw)) return hostPort('tcp', splitEndpoint(raw), raw);
  const colon = raw.indexOf(':');
  const type = colon < 0 ? raw : raw.slice(0, colon);
  const args = colon < 0 ? [] : splitEndpoint(raw.slice(colon + 1));
  switch (type) {
    case 'tcp':
    case 'tor':
      return hostPort(type, args, raw);
    case 'i2p': {
      if (args.length < 1 || args.length > 2) throw valueError(`i2p hint ${quoteUntrusted(raw)} is not i2p:ADDR.i2p[:PORT]`, raw);
      const info = classifyHost(args[0] ?? '');
      if (info.kind !== 'i2p') throw valueError(`hint ${quoteUntrusted(raw)}: ${quoteUntrusted(args[0] ?? '')} is not an .i2p address`, raw);
      return args[1] === undefined ? { kind: 'i2p', address: info.name } : { kind: 'i2p', address: info.name, port: parsePort(args[1]) };
    }
    default:
      if (options.allowOther && /^[a-z][a-z0-9+.-]{0,31}$/.test(type) && colon > 0) return { kind: 'other', type, raw };
      throw valueError(`unknown connection hint type ${quoteUntrusted(type)} in ${quoteUntrusted(raw)} (use tcp:, tor: or i2p:)`, raw);
  }
}

/** Splits a comma-separated list, refusing empty entries and overlong lists. */
export function splitList(text: string, what: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw valueError(`${what} ${quoteUntrusted(text)} has an empty entry`, text);
  if (items.length > MAX_HINTS) throw valueError(`${what} has more than ${MAX_HINTS} entries`, text.slice(0, 80));
  return items;
}

/** Parses a comma-separated list of hints. Throws VEIL_CONFIG_VALUE. */
export function parseConnectionHints(text: string, options: HintParseOptions = {}): ConnectionHint[] {
  return splitList(text, 'connection hint list').map((s) => parseConnectionHint(s, options));
}

/** Parses tub.location (not `disabled`, which validation handles): hints and AUTO entries. */
export function parseLocation(text: string): LocationEntry[] {
  return splitList(text, 'tub.location').map((s) => (s.toUpperCase() === 'AUTO' ? { kind: 'auto' } : parseConnectionHint(s)));
}

/**
 * Replaces each AUTO entry by `tcp:<address>:<port>` for every local address (P11, Tahoe's
 * get_local_addresses_sync). The caller lists the addresses (os.networkInterfaces()); invalid ones are skipped.
 */
export function expandAutoLocation(entries: readonly LocationEntry[], port: number, localAddresses: readonly string[]): ConnectionHint[] {
  const out: ConnectionHint[] = [];
  for (const e of entries) {
    if (e.kind !== 'auto') {
      out.push(e);
      continue;
    }
    for (const a of localAddresses) {
      const info = classifyHost(a);
      if (info.kind === 'ipv4' || info.kind === 'ipv6') out.push({ kind: 'tcp', host: info.address, port });
    }
  }
  return out;
}

/** A foolscap FURL: `pb://TUBID@HINT,HINT/NAME`. */
export interface Furl {
  readonly tubId: string;
  readonly hints: readonly ConnectionHint[];
  readonly name: string;
}

/** Parses a FURL; hints of unknown types are kept as `other`. Throws VEIL_CONFIG_VALUE. */
export function parseFurl(text: string): Furl {
  const t = text.trim();
  const m = /^pb:\/\/([a-z2-7]{1,128})@([^/]*)\/([A-Za-z0-9_-]{1,128})$/.exec(t);
  if (!m) throw valueError(`${quoteUntrusted(t)} is not a FURL (pb://TUBID@HINTS/NAME)`, t);
  return { tubId: m[1] ?? '', hints: parseConnectionHints(m[2] ?? '', { allowOther: true }), name: m[3] ?? '' };
}

export function formatFurl(f: Furl): string {
  return `pb://${f.tubId}@${f.hints.map(formatConnectionHint).join(',')}/${f.name}`;
}
