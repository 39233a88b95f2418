/**
 * Endpoints in Tahoe's (Twisted's) endpoint syntax.
 *  - Local daemons Veil connects to (Tor SOCKS/control, I2P SAM): `tcp:HOST:PORT`, `tcp:PORT` (host 127.0.0.1),
 *    `tcp:host=HOST:port=PORT`, `unix:PATH`. IPv6 hosts are written in brackets (`tcp:[::1]:9050`) or with
 *    escaped colons (`tcp:\:\:1:9050`).
 *  - Listeners (tub.port, web.port): `tcp:PORT`, `tcp:PORT:interface=ADDR`, a bare integer (= tcp:PORT),
 *    `unix:PATH`, `listen:tor`, `listen:i2p`.
 * Parsers throw VEIL_CONFIG_VALUE; error wording follows Tahoe's cases (T4: unknown endpoint type, port not
 * an integer), each naming the offending value.
 */
import { isAbsolute, resolve } from 'node:path';
import { quoteUntrusted } from '../core/index.js';
import { classifyHost, isLoopbackAddress } from './host.js';
import { valueError } from './problems.js';
import { parsePort } from './values.js';

export type LocalEndpoint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** A listener: TCP (interface undefined = all interfaces), a Unix socket, or one from the Tor / I2P provider. */
export type ListenEndpoint =
  | { readonly kind: 'tcp'; readonly port: number; readonly interface?: string | undefined }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tor' }
  | { readonly kind: 'i2p' };

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The canonical string form, e.g. `tcp:127.0.0.1:9050` or `unix:/run/tor/control`. */
export function formatLocalEndpoint(e: LocalEndpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `tcp:${bracket(e.host)}:${e.port}`;
}

/** The canonical string form of a listener, e.g. `tcp:2000:interface=127.0.0.1` or `listen:tor`. */
export function formatListenEndpoint(e: ListenEndpoint): string {
  switch (e.kind) {
    case 'tcp':
      return e.interface === undefined ? `tcp:${e.port}` : `tcp:${e.port}:interface=${bracket(e.interface)}`;
    case 'unix':
      return `unix:${e.path}`;
    case 'tor':
    case 'i2p':
      return `listen:${e.kind}`;
  }
}

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses that never leave the machine. */
export function isLoopbackHost(host: string): boolean {
  return isLoopbackAddress(host);
}

/** True when the endpoint cannot reveal the node's address: a Unix socket or a loopback TCP address. */
export function isLocalOnly(e: LocalEndpoint): boolean {
  return e.kind === 'unix' || isLoopbackHost(e.host);
}

/** Splits on `:` outside brackets; `\x` escapes x (Twisted's endpoint quoting). */
export function splitEndpoint(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
    } else if (c === '[') {
      depth++;
      cur += c;
    } else if (c === ']') {
      depth = Math.max(0, depth - 1);
      cur += c;
    } else if (c === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Checks a host for an endpoint (an IP literal or DNS name; not .onion / .i2p). Returns it unbracketed. */
function checkDaemonHost(host: string, what: string): string {
  const bare = unbracket(host);
  const info = classifyHost(host);
  if (info.kind === 'invalid') throw valueError(`${what}: ${info.reason}`, host);
  if (info.kind === 'onion' || info.kind === 'i2p') throw valueError(`${what}: ${quoteUntrusted(bare)} is not a local address`, host);
  return bare;
}

function unixPath(rest: string, baseDir: string | undefined, text: string): string {
  const path = rest.startsWith('path=') ? rest.slice(5) : rest;
  if (path === '') throw valueError(`unix endpoint ${quoteUntrusted(text)} has no path`, text);
  if (path.includes('\0')) throw valueError('unix endpoint path contains a NUL character', text);
  return baseDir === undefined || isAbsolute(path) ? path : resolve(baseDir, path);
}

function endpointType(text: string): { type: string; rest: string } {
  const i = text.indexOf(':');
  return i < 0 ? { type: text, rest: '' } : { type: text.slice(0, i), rest: text.slice(i + 1) };
}

/**
 * Parses a local daemon endpoint. Relative unix paths resolve against `baseDir` (the node directory) when given.
 * Throws VEIL_CONFIG_VALUE, e.g. "unknown endpoint type 'meow'" or "port 'kumquat' is not an integer".
 */
export function parseLocalEndpoint(text: string, baseDir?: string): LocalEndpoint {
  const t = text.trim();
  const { type, rest } = endpointType(t);
  if (type === 'unix') return { kind: 'unix', path: unixPath(rest, baseDir, t) };
  if (type !== 'tcp') {
    throw valueError(`unknown endpoint type ${quoteUntrusted(type)} in ${quoteUntrusted(t)} (use tcp:HOST:PORT or unix:PATH)`, t);
  }
  const args = splitEndpoint(rest);
  let host: string | undefined;
  let port: string | undefined;
  const positional: string[] = [];
  for (const a of args) {
    if (a.startsWith('host=')) host = a.slice(5);
    else if (a.startsWith('port=')) port = a.slice(5);
    else if (/^[a-z]+=/i.test(a)) throw valueError(`unsupported endpoint argument ${quoteUntrusted(a)} in ${quoteUntrusted(t)}`, t);
    else positional.push(a);
  }
  if (positional.length === 1 && host === undefined && port === undefined) port = positional[0];
  else if (positional.length === 2 && host === undefined && port === undefined) [host, port] = positional;
  else if (positional.length > 0 || port === undefined) {
    throw valueError(`endpoint ${quoteUntrusted(t)} is not tcp:HOST:PORT`, t);
  }
  return { kind: 'tcp', host: checkDaemonHost(host ?? '127.0.0.1', `endpoint ${quoteUntrusted(t)}`), port: parsePort(port ?? '') };
}

export type ListenKind = ListenEndpoint['kind'];

/**
 * Parses one listener. `allowed` limits the kinds (web.port takes tcp and unix; tub.port tcp, tor, i2p).
 * Throws VEIL_CONFIG_VALUE.
 */
export function parseListenEndpoint(text: string, allowed: readonly ListenKind[], baseDir?: string): ListenEndpoint {
  const t = text.trim();
  const e = parseAnyListener(t, baseDir);
  if (!allowed.includes(e.kind)) {
    throw valueError(`${quoteUntrusted(t)}: a ${e.kind} listener cannot be used here (allowed: ${allowed.join(', ')})`, t);
  }
  return e;
}

function parseAnyListener(t: string, baseDir: string | undefined): ListenEndpoint {
  if (/^\d+$/.test(t)) return { kind: 'tcp', port: parsePort(t) }; // L4: a bare integer means tcp:PORT
  const { type, rest } = endpointType(t);
  if (type === 'listen') {
    if (rest === 'tor' || rest === 'i2p') return { kind: rest };
    throw valueError(`unknown listener ${quoteUntrusted(t)} (use listen:tor or listen:i2p)`, t);
  }
  if (type === 'unix') return { kind: 'unix', path: unixPath(rest, baseDir, t) };
  if (type !== 'tcp') {
    throw valueError(`unknown endpoint type ${quoteUntrusted(type)} in ${quoteUntrusted(t)} (use tcp:PORT[:interface=ADDR])`, t);
  }
  let port: string | undefined;
  let iface: string | undefined;
  for (const a of splitEndpoint(rest)) {
    if (a.startsWith('interface=')) iface = a.slice(10);
    else if (a.startsWith('port=')) port = a.slice(5);
    else if (port === undefined && !a.includes('=')) port = a;
    else {
      const v6 = /^[0-9a-f]*$/i.test(a) ? ' (write IPv6 addresses in brackets, e.g. interface=[::1])' : '';
      throw valueError(`unsupported listener argument ${quoteUntrusted(a)} in ${quoteUntrusted(t)}${v6}`, t);
    }
  }
  if (port === undefined) throw valueError(`listener ${quoteUntrusted(t)} has no port`, t);
  const p = parsePort(port);
  if (iface === undefined) return { kind: 'tcp', port: p };
  if (iface === '') throw valueError(`listener ${quoteUntrusted(t)}: interface= is empty (e.g. interface=127.0.0.1)`, t);
  const info = classifyHost(iface);
  if (info.kind !== 'ipv4' && info.kind !== 'ipv6') {
    throw valueError(`listener ${quoteUntrusted(t)}: interface must be an IP address, not ${quoteUntrusted(iface)}`, t);
  }
  return { kind: 'tcp', port: p, interface: info.address };
}

/** True when a listener accepts connections only from this machine (a Unix socket or a loopback interface). */
export function isLocalOnlyListener(e: ListenEndpoint): boolean {
  if (e.kind === 'unix') return true;
  if (e.kind === 'tcp') return e.interface !== undefined && isLoopbackHost(e.interface);
  return true; // listen:tor / listen:i2p bind loopback by construction (T9: 127.0.0.1:onion.local_port)
}
