/**
 * The only direct TCP dial in Veil. It reveals this machine's IP address to the peer and to the network, so it
 * is named to warn and must only be reachable when the user set `reveal-IP-address = true` (or for loopback in
 * tests). Host names are refused unless `allowNameLookup` is set, because they would be resolved by the system
 * resolver (a DNS leak); `localhost` is always allowed.
 */
import net from 'node:net';
import { connectSocket } from './connect.js';
import { VeilError, logger, sensitive, throwIfAborted, withTimeout } from '../core/index.js';
import { DIALER_DEFAULTS, checkDialTarget, type DialOptions, type Dialer } from './dialer.js';

const log = logger('veil:net:direct');

export interface DirectDialOptions extends DialOptions {
  /** Resolve host names with the system resolver (leaks the name to the local DNS servers). Default false. */
  allowNameLookup?: boolean | undefined;
}

const ERRNO_CODES: Readonly<Record<string, 'VEIL_DIAL_REFUSED' | 'VEIL_DIAL_UNREACHABLE' | 'VEIL_TIMEOUT'>> = Object.freeze({
  ECONNREFUSED: 'VEIL_DIAL_REFUSED',
  ENETUNREACH: 'VEIL_DIAL_UNREACHABLE',
  EHOSTUNREACH: 'VEIL_DIAL_UNREACHABLE',
  ENOTFOUND: 'VEIL_DIAL_UNREACHABLE',
  EAI_AGAIN: 'VEIL_DIAL_UNREACHABLE',
  ETIMEDOUT: 'VEIL_TIMEOUT',
});

/**
 * Opens a TCP connection straight to `host:port`, revealing our IP address. Throws VEIL_INPUT_INVALID (bad
 * target, or a name without allowNameLookup), VEIL_DIAL_REFUSED, VEIL_DIAL_UNREACHABLE, VEIL_DIAL_FAILED,
 * VEIL_TIMEOUT (after `timeoutMs`, default 30 s) and VEIL_ABORTED. Honours `signal`.
 */
export async function dialDirectDangerously(host: string, port: number, options: DirectDialOptions = {}): Promise<net.Socket> {
  const target = `${sensitive(host)}:${port}`;
  const what = `direct TCP connect to ${target}`;
  checkDialTarget(host, port);
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(bare) === 0 && bare.toLowerCase() !== 'localhost' && options.allowNameLookup !== true) {
    throw new VeilError('VEIL_INPUT_INVALID', `refusing to resolve ${sensitive(host)} with the system resolver for a direct connection`, {
      hint: 'give an IP address, or connect through Tor, which resolves names at the exit',
    });
  }
  throwIfAborted(options.signal, what);
  const signal = withTimeout(options.signal, options.timeoutMs ?? DIALER_DEFAULTS.directTimeoutMs);
  log.debug('dialing directly', target);
  return connectSocket({ host: bare, port }, signal, what, (err) => {
    const code = (err.code && ERRNO_CODES[err.code]) || 'VEIL_DIAL_FAILED';
    return new VeilError(code, `cannot ${what}: ${err.code ?? err.message}`, { cause: err, details: { errno: err.code } });
  });
}

/** A Dialer over dialDirectDangerously (for `reveal-IP-address = true` and loopback tests). */
export function createDirectDialerDangerously(defaults: Pick<DirectDialOptions, 'allowNameLookup' | 'timeoutMs'> = {}): Dialer {
  return {
    dial: (host, port, options = {}) => dialDirectDangerously(host, port, { ...defaults, ...options }),
    describe: () => 'direct TCP (reveals this IP address)',
  };
}
