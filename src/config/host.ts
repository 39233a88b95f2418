/**
 * Host classification for connection hints and endpoints: IPv4 / IPv6 literals, DNS names, .onion and .i2p
 * names, and the scope of an address (loopback, private, link-local, multicast, reserved, public).
 * Pure string code: it never resolves names (STYLE.md: no system DNS for peer names).
 *
 * Used by the IP-leak check (listeners and daemons must be loopback when the IP is hidden) and by the Tor
 * dialer's exit policy (C8: foolscap refuses IPv6 literals and loopback/RFC 1918/multicast/reserved IPv4
 * over Tor; DNS names go to the exit unresolved).
 */

export type AddressScope = 'loopback' | 'private' | 'link-local' | 'multicast' | 'reserved' | 'unspecified' | 'public';

export type HostInfo =
  | { readonly kind: 'ipv4'; readonly address: string; readonly scope: AddressScope }
  | { readonly kind: 'ipv6'; readonly address: string; readonly scope: AddressScope }
  | { readonly kind: 'onion'; readonly name: string }
  | { readonly kind: 'i2p'; readonly name: string }
  | { readonly kind: 'dns'; readonly name: string; readonly isLocalhost: boolean }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Parses strict dotted-quad IPv4 (no leading zeros, no short forms), or undefined. */
export function parseIPv4(text: string): [number, number, number, number] | undefined {
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const o = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
  return o.every((x) => x <= 255) ? o : undefined;
}

/** Parses an IPv6 literal (RFC 4291 section 2.2 text forms, no zone id) into 8 groups, or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let s = text;
  let v4tail: number[] = [];
  if (s.includes('.')) {
    const i = s.lastIndexOf(':');
    const v4 = i < 0 ? undefined : parseIPv4(s.slice(i + 1));
    if (!v4) return undefined;
    v4tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    s = s.slice(0, i + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const want = 8 - v4tail.length;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const g = part.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g.map((x) => parseInt(x, 16)) : undefined;
  };
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 1) {
    const g = groups(s);
    return g && g.length === want ? [...g, ...v4tail] : undefined;
  }
  const left = groups(halves[0] ?? '');
  const right = groups(halves[1] ?? '');
  if (!left || !right) return undefined;
  const fill = want - left.length - right.length;
  return fill >= 1 ? [...left, ...new Array<number>(fill).fill(0), ...right, ...v4tail] : undefined;
}

type Range4 = readonly [number, number, number, number, number, AddressScope];

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates): [a, b, c, d, prefix length, scope].
const IPV4_RANGES: readonly Range4[] = [
  [0, 0, 0, 0, 32, 'unspecified'],
  [0, 0, 0, 0, 8, 'reserved'],
  [10, 0, 0, 0, 8, 'private'], // RFC 1918
  [100, 64, 0, 0, 10, 'private'], // RFC 6598 shared address space (carrier-grade NAT)
  [127, 0, 0, 0, 8, 'loopback'],
  [169, 254, 0, 0, 16, 'link-local'],
  [172, 16, 0, 0, 12, 'private'], // RFC 1918
  [192, 0, 0, 0, 24, 'reserved'], // IETF protocol assignments
  [192, 0, 2, 0, 24, 'reserved'], // TEST-NET-1 (RFC 5737)
  [192, 88, 99, 0, 24, 'reserved'], // 6to4 relay anycast (deprecated, RFC 7526)
  [192, 168, 0, 0, 16, 'private'], // RFC 1918
  [198, 18, 0, 0, 15, 'reserved'], // benchmarking (RFC 2544)
  [198, 51, 100, 0, 24, 'reserved'], // TEST-NET-2
  [203, 0, 113, 0, 24, 'reserved'], // TEST-NET-3
  [224, 0, 0, 0, 4, 'multicast'],
  [240, 0, 0, 0, 4, 'reserved'], // includes 255.255.255.255
];

function toUint32(o: readonly number[]): number {
  return (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0;
}

export function ipv4Scope(octets: readonly number[]): AddressScope {
  const a = toUint32(octets);
  for (const [w, x, y, z, len, scope] of IPV4_RANGES) {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if ((a & mask) >>> 0 === (toUint32([w, x, y, z]) & mask) >>> 0) return scope;
  }
  return 'public';
}

/** RFC 4291 / IANA IPv6 special-purpose ranges; IPv4-mapped addresses take the IPv4 scope. */
export function ipv6Scope(g: readonly number[]): AddressScope {
  const [g0 = 0, g1 = 0, , , , g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g7 === 1) return 'loopback';
  if (zeroUpTo(5) && g5 === 0xffff) return ipv4Scope([g6 >> 8, g6 & 255, g7 >> 8, g7 & 255]);
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'reserved'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x0100 && zeroUpTo(4)) return 'reserved'; // discard-only 100::/64
  if (zeroUpTo(1)) return 'reserved'; // remaining ::/16: deprecated IPv4-compatible forms
  return 'public';
}

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const BASE32_RE = /^[a-z2-7]+$/;

/** Classifies a host as written in a hint or endpoint (IPv6 may be in brackets). Never resolves names. */
export function classifyHost(host: string): HostInfo {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const v4 = parseIPv4(bare);
  if (v4) return { kind: 'ipv4', address: bare, scope: ipv4Scope(v4) };
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined;
  if (v6) return { kind: 'ipv6', address: bare.toLowerCase(), scope: ipv6Scope(v6) };
  if (bare.includes(':')) return { kind: 'invalid', reason: `${bare.slice(0, 60)} is not a valid IPv6 address` };
  const name = (bare.endsWith('.') ? bare.slice(0, -1) : bare).toLowerCase();
  if (name === '' || name.length > 253) return { kind: 'invalid', reason: 'host name is empty or longer than 253 characters' };
  const labels = name.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return { kind: 'invalid', reason: `${name.slice(0, 60)} is not a valid host name` };
  // A name whose last label is a number (127.1, 0x7f000001, 10.0x1) is read as an IPv4 address by inet_aton-style
  // parsers (WHATWG URL: "ends in a number"): refuse it as a name. Other labels may be anything (0x.example).
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1] ?? '')) {
    return { kind: 'invalid', reason: `${name.slice(0, 60)} looks like a numeric address but is not a dotted-quad IPv4 address` };
  }
  const last = labels[labels.length - 1];
  if (last === 'onion') {
    const id = labels[labels.length - 2];
    if (id === undefined || !BASE32_RE.test(id)) return { kind: 'invalid', reason: `${name.slice(0, 60)} is not an onion address` };
    return { kind: 'onion', name };
  }
  if (last === 'i2p') {
    if (labels.length < 2) return { kind: 'invalid', reason: '"i2p" alone is not an I2P address' };
    if (labels[labels.length - 2] === 'b32' && !BASE32_RE.test(labels[labels.length - 3] ?? '')) {
      return { kind: 'invalid', reason: `${name.slice(0, 60)} is not a valid .b32.i2p address` };
    }
    return { kind: 'i2p', name };
  }
  return { kind: 'dns', name, isLocalhost: last === 'localhost' };
}

/** True for 127.0.0.0/8, ::1 (and IPv4-mapped loopback) and `localhost`: addresses that never leave the machine. */
export function isLoopbackAddress(host: string): boolean {
  const info = classifyHost(host);
  if (info.kind === 'ipv4' || info.kind === 'ipv6') return info.scope === 'loopback';
  return info.kind === 'dns' && info.isLocalhost;
}

export interface TorExitPolicyOptions {
  /** `[testnet] allow-loopback-exit`: lets 127.0.0.0/8 and localhost through (private test networks only). */
  readonly allowLoopbackExit?: boolean;
}

/**
 * Why a tcp: hint's host must not be sent through a Tor exit, or undefined when it may (C8). Follows foolscap's
 * tor handler: IPv6 literals and non-public IPv4 are refused; DNS names go to the exit unresolved.
 */
export function torExitRefusal(host: string, options: TorExitPolicyOptions = {}): string | undefined {
  const info = classifyHost(host);
  switch (info.kind) {
    case 'onion':
    case 'dns':
      if (info.kind === 'dns' && info.isLocalhost && !options.allowLoopbackExit) return 'localhost is not reachable through Tor';
      return undefined;
    case 'ipv4':
      if (info.scope === 'public') return undefined;
      if (info.scope === 'loopback' && options.allowLoopbackExit) return undefined;
      return `${info.scope} IPv4 address is not reachable through Tor`;
    case 'ipv6':
      return 'IPv6 literals are not sent through Tor';
    case 'i2p':
      return '.i2p names are only reachable through I2P';
    case 'invalid':
      return info.reason;
  }
}
