/**
 * Names and targets of `veil onion add` services (pure).
 *
 * A target is the local service the onion service forwards to (ADD_ONION `Port=VIRTPORT,TARGET`,
 * control-spec 3.27). Veil accepts only targets on this machine: 127.0.0.0/8, ::1, or a unix socket. A
 * LAN or public address is refused whatever reveal-IP-address says: such a service is not "local", tor
 * would connect to it over the network in the clear, and the operator almost certainly meant a local
 * forward. Host names are refused too (tor would resolve them with the system resolver); `localhost` is
 * read as 127.0.0.1.
 */
import { isAbsolute } from 'node:path';
import { VeilError, quoteUntrusted } from '../core/index.js';
import { isLoopbackAddress } from '../config/index.js';

export type OnionTarget = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** Throws VEIL_ONION_NAME_INVALID unless `name` is 1-32 of [A-Za-z0-9_-], starting with a letter or digit. */
export function assertOnionName(name: string, what = 'onion service name'): void {
  if (!NAME.test(name)) {
    throw new VeilError('VEIL_ONION_NAME_INVALID', `invalid ${what} ${quoteUntrusted(name, 40)}: use 1-32 letters, digits, "-" or "_"`);
  }
}

function invalid(text: string, why: string): VeilError {
  return new VeilError('VEIL_ONION_TARGET_INVALID', `invalid onion service target ${quoteUntrusted(text, 80)}: ${why}`);
}

/** Parses a port 1-65535 (digits only). Throws VEIL_ONION_TARGET_INVALID. */
export function parseServicePort(text: string, what = 'port'): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(text, `the ${what} is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(text, `the ${what} is not 1-65535`);
  return port;
}

/**
 * Parses `PORT` (127.0.0.1:PORT), `IP:PORT`, `[IPv6]:PORT`, `localhost:PORT` or `unix:/absolute/path`.
 * Throws VEIL_ONION_TARGET_INVALID (malformed) or VEIL_ONION_TARGET_NOT_LOCAL (not on this machine).
 */
export function parseOnionTarget(text: string): OnionTarget {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (!isAbsolute(path)) throw invalid(text, 'a unix socket path must be absolute');
    // ADD_ONION arguments are space-separated and unquoted (control-spec 3.27): no spaces or control characters.
    if (/[\s\x00-\x1f\x7f]/.test(path) || path.length > 100) throw invalid(text, 'a unix socket path must have no spaces or control characters and at most 100 characters');
    return { kind: 'unix', path };
  }
  if (/^\d+$/.test(text)) return { kind: 'tcp', host: '127.0.0.1', port: parseServicePort(text) };
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  if (!m) throw invalid(text, 'expected PORT, IP:PORT, [IPv6]:PORT or unix:/path');
  const rawHost = (m[1] ?? m[2])!;
  const port = parseServicePort(m[3]!);
  const host = rawHost.toLowerCase() === 'localhost' ? '127.0.0.1' : rawHost;
  if (!/^[0-9.]+$/.test(host) && m[1] === undefined) {
    throw new VeilError('VEIL_ONION_TARGET_NOT_LOCAL', `onion service target ${quoteUntrusted(text, 80)} is a host name: give a loopback IP address`, {
      hint: 'use --target 127.0.0.1:PORT (host names would be resolved by the system resolver)',
    });
  }
  if (!isLoopbackAddress(host)) {
    throw new VeilError('VEIL_ONION_TARGET_NOT_LOCAL', `onion service target ${quoteUntrusted(text, 80)} is not on this machine`);
  }
  return { kind: 'tcp', host, port };
}

/** The target as ADD_ONION takes it: `127.0.0.1:22`, `[::1]:22` or `unix:/path`. */
export function formatOnionTarget(t: OnionTarget): string {
  if (t.kind === 'unix') return `unix:${t.path}`;
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}
