/**
 * Pure, incremental SOCKS5 codec (RFC 1928, RFC 1929, Tor's socks-extensions). No sockets, no timers.
 *
 * Every decoder takes the bytes received so far and returns either NEED_MORE (not an error: wait for more
 * bytes) or the value plus the number of bytes it consumed. Malformed input throws VEIL_SOCKS_PROTOCOL, quoting
 * the offending bytes. Both directions are here (client and server messages): the client side drives Tor; the
 * server side serves tests and round-trip checks. Encoders check limits and throw VEIL_SOCKS_REQUEST_INVALID.
 */
import { VeilError } from '../../core/index.js';
import { ATYP, COMMAND, LIMITS, SOCKS_VERSION, USERPASS_VERSION } from './constants.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-address.js';

/** A decoder's answer: more bytes are needed, or a value and how many bytes it used. */
export type Decoded<T> = { readonly done: false } | { readonly done: true; readonly value: T; readonly consumed: number };
export const NEED_MORE: { readonly done: false } = Object.freeze({ done: false });

/** RFC 1928 §5 address. `host` is dotted IPv4, full-form lower-case IPv6 (8 groups) or the domain name. */
export type SocksAddress =
  | { readonly type: 'ipv4'; readonly host: string }
  | { readonly type: 'ipv6'; readonly host: string }
  | { readonly type: 'domain'; readonly host: string };

export interface Greeting {
  readonly methods: readonly number[];
}
export interface MethodSelection {
  readonly method: number;
}
export interface UserPassRequest {
  readonly username: Uint8Array;
  readonly password: Uint8Array;
}
export interface UserPassReply {
  /** RFC 1929 §2: 0 is success, anything else failure. */
  readonly status: number;
}
/** RFC 1928 §4 request (CONNECT, or Tor's RESOLVE/RESOLVE_PTR). */
export interface SocksRequest {
  readonly command: number;
  readonly address: SocksAddress;
  readonly port: number;
}
/** RFC 1928 §6 reply. For RESOLVE the address holds the answer (IPv4/IPv6); for RESOLVE_PTR, the name. */
export interface SocksReply {
  readonly reply: number;
  readonly address: SocksAddress;
  readonly port: number;
}

function protocolError(what: string, bytes: Uint8Array): VeilError {
  return new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS protocol error: ${what} in ${quoteHex(bytes)}`, {
    details: { bytes: Buffer.from(bytes.subarray(0, 32)).toString('hex') },
  });
}

function quoteHex(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.subarray(0, 24)).toString('hex');
  return bytes.length > 24 ? `${hex}…` : hex || '(no bytes)';
}

function invalid(what: string): VeilError {
  return new VeilError('VEIL_SOCKS_REQUEST_INVALID', `cannot encode SOCKS request: ${what}`);
}

function checkVersion(bytes: Uint8Array, expected: number, what: string): void {
  if (bytes.length > 0 && bytes[0] !== expected) {
    throw protocolError(`${what} has version ${bytes[0]} (expected ${expected})`, bytes);
  }
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

// --- RFC 1928 §3: method negotiation ------------------------------------------------------------------------

export function encodeGreeting(greeting: Greeting): Buffer {
  const n = greeting.methods.length;
  if (n < 1 || n > LIMITS.maxMethods) throw invalid(`${n} methods (1-${LIMITS.maxMethods} allowed)`);
  for (const m of greeting.methods) if (!isOctet(m)) throw invalid(`method ${m} is not an octet`);
  return Buffer.from([SOCKS_VERSION, n, ...greeting.methods]);
}

export function decodeGreeting(bytes: Uint8Array): Decoded<Greeting> {
  checkVersion(bytes, SOCKS_VERSION, 'greeting');
  if (bytes.length < 2) return NEED_MORE;
  const n = bytes[1]!;
  if (n === 0) throw protocolError('greeting offers no methods', bytes);
  if (bytes.length < 2 + n) return NEED_MORE;
  return { done: true, value: { methods: [...bytes.subarray(2, 2 + n)] }, consumed: 2 + n };
}

export function encodeMethodSelection(selection: MethodSelection): Buffer {
  if (!isOctet(selection.method)) throw invalid(`method ${selection.method} is not an octet`);
  return Buffer.from([SOCKS_VERSION, selection.method]);
}

export function decodeMethodSelection(bytes: Uint8Array): Decoded<MethodSelection> {
  checkVersion(bytes, SOCKS_VERSION, 'method selection');
  if (bytes.length < 2) return NEED_MORE;
  return { done: true, value: { method: bytes[1]! }, consumed: 2 };
}

// --- RFC 1929 §2: username/password subnegotiation ----------------------------------------------------------

export function encodeUserPassRequest(username: string | Uint8Array, password: string | Uint8Array): Buffer {
  const u = toBytes(username);
  const p = toBytes(password);
  // RFC 1929 asks for 1-255 bytes of each; Tor documents an empty password (isolation parameter "").
  if (u.length < 1 || u.length > LIMITS.maxUsernameBytes) throw invalid(`username of ${u.length} bytes (1-255 allowed)`);
  if (p.length > LIMITS.maxPasswordBytes) throw invalid(`password (isolation token) of ${p.length} bytes (at most 255)`);
  return Buffer.concat([Buffer.from([USERPASS_VERSION, u.length]), u, Buffer.from([p.length]), p]);
}

export function decodeUserPassRequest(bytes: Uint8Array): Decoded<UserPassRequest> {
  checkVersion(bytes, USERPASS_VERSION, 'username/password request');
  if (bytes.length < 2) return NEED_MORE;
  const ulen = bytes[1]!;
  if (bytes.length < 3 + ulen) return NEED_MORE;
  const plen = bytes[2 + ulen]!;
  const total = 3 + ulen + plen;
  if (bytes.length < total) return NEED_MORE;
  return {
    done: true,
    value: { username: Uint8Array.from(bytes.subarray(2, 2 + ulen)), password: Uint8Array.from(bytes.subarray(3 + ulen, total)) },
    consumed: total,
  };
}

export function encodeUserPassReply(reply: UserPassReply): Buffer {
  if (!isOctet(reply.status)) throw invalid(`status ${reply.status} is not an octet`);
  return Buffer.from([USERPASS_VERSION, reply.status]);
}

export function decodeUserPassReply(bytes: Uint8Array): Decoded<UserPassReply> {
  checkVersion(bytes, USERPASS_VERSION, 'username/password reply');
  if (bytes.length < 2) return NEED_MORE;
  return { done: true, value: { status: bytes[1]! }, consumed: 2 };
}

// --- RFC 1928 §4-6: requests and replies (same layout: VER CMD|REP RSV ATYP ADDR PORT) -----------------------

/** CONNECT needs a port 1-65535; Tor ignores the port of RESOLVE/RESOLVE_PTR, which may be 0. */
export function encodeRequest(request: SocksRequest): Buffer {
  return encodeFrame(request.command, request.address, request.port, request.command === COMMAND.CONNECT ? 1 : 0);
}

export function decodeRequest(bytes: Uint8Array): Decoded<SocksRequest> {
  const frame = decodeFrame(bytes, 'request');
  if (!frame.done) return frame;
  const { code, address, port } = frame.value;
  return { done: true, value: { command: code, address, port }, consumed: frame.consumed };
}

/** Replies may carry port 0 (Tor sends 0 for RESOLVE and failures). */
export function encodeReply(reply: SocksReply): Buffer {
  return encodeFrame(reply.reply, reply.address, reply.port, 0);
}

export function decodeReply(bytes: Uint8Array): Decoded<SocksReply> {
  const frame = decodeFrame(bytes, 'reply');
  if (!frame.done) return frame;
  const { code, address, port } = frame.value;
  return { done: true, value: { reply: code, address, port }, consumed: frame.consumed };
}

function encodeFrame(code: number, address: SocksAddress, port: number, minPort: number): Buffer {
  if (!isOctet(code)) throw invalid(`command ${code} is not an octet`);
  if (!Number.isInteger(port) || port < minPort || port > 0xffff) throw invalid(`port ${port} is out of range (${minPort}-65535)`);
  const addr = encodeAddress(address);
  const out = Buffer.alloc(3 + addr.length + 2);
  out[0] = SOCKS_VERSION;
  out[1] = code;
  out[2] = 0x00; // RSV
  addr.copy(out, 3);
  out.writeUInt16BE(port, 3 + addr.length);
  return out;
}

function decodeFrame(bytes: Uint8Array, what: string): Decoded<{ code: number; address: SocksAddress; port: number }> {
  checkVersion(bytes, SOCKS_VERSION, what);
  if (bytes.length >= 3 && bytes[2] !== 0x00) throw protocolError(`${what} has reserved byte ${bytes[2]} (expected 0)`, bytes);
  if (bytes.length < 5) return NEED_MORE;
  const atyp = bytes[3]!;
  let addrLen: number;
  let addrStart = 4;
  if (atyp === ATYP.IPV4) addrLen = 4;
  else if (atyp === ATYP.IPV6) addrLen = 16;
  else if (atyp === ATYP.DOMAIN) {
    addrLen = bytes[4]!;
    addrStart = 5;
  } else throw protocolError(`${what} has unknown address type ${atyp}`, bytes);
  const total = addrStart + addrLen + 2;
  if (bytes.length < total) return NEED_MORE;
  const raw = bytes.subarray(addrStart, addrStart + addrLen);
  const address: SocksAddress =
    atyp === ATYP.IPV4
      ? { type: 'ipv4', host: formatIPv4(raw) }
      : atyp === ATYP.IPV6
        ? { type: 'ipv6', host: formatIPv6(raw) }
        : { type: 'domain', host: Buffer.from(raw).toString('latin1') };
  const port = (bytes[total - 2]! << 8) | bytes[total - 1]!;
  return { done: true, value: { code: bytes[1]!, address, port }, consumed: total };
}

/** RFC 1928 §5: ATYP then the address. Domain names must be 1-255 printable ASCII bytes. */
export function encodeAddress(address: SocksAddress): Buffer {
  switch (address.type) {
    case 'ipv4': {
      const b = parseIPv4(address.host);
      if (!b) throw invalid(`${JSON.stringify(address.host.slice(0, 60))} is not an IPv4 address`);
      return Buffer.from([ATYP.IPV4, ...b]);
    }
    case 'ipv6': {
      const b = parseIPv6(address.host);
      if (!b) throw invalid(`${JSON.stringify(address.host.slice(0, 60))} is not an IPv6 address`);
      return Buffer.from([ATYP.IPV6, ...b]);
    }
    case 'domain': {
      const name = address.host;
      if (name.length < 1 || name.length > LIMITS.maxDomainBytes) {
        throw invalid(`host name of ${name.length} characters (1-${LIMITS.maxDomainBytes} allowed)`);
      }
      if (!/^[\x21-\x7e]+$/.test(name)) throw invalid(`host name ${JSON.stringify(name.slice(0, 60))} has characters outside printable ASCII`);
      return Buffer.concat([Buffer.from([ATYP.DOMAIN, name.length]), Buffer.from(name, 'latin1')]);
    }
  }
}

/** Picks the address type for a host: IP literals as such (`[v6]` brackets allowed), anything else as a name. */
export function addressForHost(host: string): SocksAddress {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (parseIPv4(bare)) return { type: 'ipv4', host: bare };
  if (parseIPv6(bare)) return { type: 'ipv6', host: bare };
  return { type: 'domain', host };
}

function isOctet(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xff;
}
