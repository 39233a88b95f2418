/**
 * The Tor dialer: streams through a local Tor SocksPort (RFC 1928 with Tor's extensions, socks-extensions).
 *
 * - Host names are always sent to Tor as names (ATYP 0x03) and resolved at the exit: never locally.
 * - Onion service addresses are validated before any socket opens (VEIL_TOR_ONION_ADDRESS_INVALID).
 * - Every stream authenticates with username `<torS0X>0` and the isolation token as password
 *   (socks-extensions "Interpreting usernames and passwords"); Tor's IsolateSOCKSAuth (on by default) then
 *   puts streams with different tokens on different circuits. The default token is derived from the
 *   destination, so different peers never share a circuit.
 * - Extended error codes 0xF0-0xF7 need the SocksPort flag `ExtendedErrors` (tor(1) SocksPort); without it
 *   Tor reports onion service failures as general failures.
 */
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { VeilError, isVeilError, logger, sensitive, throwIfAborted, withTimeout, type AbortOptions } from '../core/index.js';
import { formatLocalEndpoint, type LocalEndpoint } from '../config/endpoint.js';
import {
  TOR_ISOLATION_USERNAME,
  addressForHost,
  isOnionHost,
  parseOnionAddress,
  socks,
  socksHandshake,
  type SocksAddress,
  type SocksReply,
} from '../tor/index.js';
import { DIALER_DEFAULTS, checkDialTarget, type DialOptions, type Dialer } from './dialer.js';
import { connectLocal, type LocalDialer } from './local-daemon.js';

const log = logger('veil:net:tor-dialer');

export interface TorDialerOptions {
  /** The Tor SocksPort (from `[tor] socks.port` or a tor Veil launched). */
  readonly socks: LocalEndpoint;
  /** Default deadline of a whole dial, resolve or resolvePtr (ms; DIALER_DEFAULTS.torTimeoutMs). */
  readonly timeoutMs?: number | undefined;
  /** Deadline for connecting to the SocksPort itself (ms; DIALER_DEFAULTS.socksConnectTimeoutMs). */
  readonly socksConnectTimeoutMs?: number | undefined;
  /** Opens the socket to the SocksPort (default connectLocal; tests may wrap it to watch sockets). */
  readonly connect?: LocalDialer | undefined;
}

export interface ResolveOptions extends AbortOptions {
  /** As DialOptions.isolationToken; default: one token per name. */
  isolationToken?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface TorDialer extends Dialer {
  /**
   * Resolves `name` at a Tor exit (Tor's RESOLVE, 0xF0) to an IPv4 or IPv6 address string. Throws
   * VEIL_DIAL_UNREACHABLE when Tor cannot resolve it (reply 0x04), VEIL_SOCKS_REQUEST_INVALID for onion
   * service addresses (they have no IP address), the dial codes, VEIL_TIMEOUT, VEIL_ABORTED. Honours `signal`.
   */
  resolve(name: string, options?: ResolveOptions): Promise<string>;
  /** Reverse-resolves an IPv4 address at a Tor exit (RESOLVE_PTR, 0xF1) to a host name. Same errors as resolve. */
  resolvePtr(ip: string, options?: ResolveOptions): Promise<string>;
}

/** The default isolation token: a hash of the purpose and destination (short, and no host name inside). */
function defaultToken(kind: string, target: string): string {
  return `veil-${kind}-${createHash('sha256').update(target.toLowerCase()).digest('hex').slice(0, 32)}`;
}

/** Creates a Tor dialer; it holds no resources of its own (each dial owns its socket). */
export function createTorDialer(options: TorDialerOptions): TorDialer {
  const endpoint = formatLocalEndpoint(options.socks);
  const connect = options.connect ?? connectLocal;
  const defaultTimeoutMs = options.timeoutMs ?? DIALER_DEFAULTS.torTimeoutMs;

  /** Connects to the SocksPort and runs one request; resolves with the socket (handshake done) and reply. */
  async function request(
    command: number,
    address: SocksAddress,
    port: number,
    token: string,
    what: string,
    opts: AbortOptions & { timeoutMs?: number | undefined },
  ): Promise<{ socket: net.Socket; reply: SocksReply }> {
    const credentials = { username: TOR_ISOLATION_USERNAME, password: token };
    // Encode first: a request we cannot express fails before any socket opens.
    socks.encodeRequest({ command, address, port });
    socks.encodeUserPassRequest(credentials.username, credentials.password);
    throwIfAborted(opts.signal, what);
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const signal = withTimeout(opts.signal, timeoutMs);
    try {
      const socket = await connect(options.socks, { signal, timeoutMs: options.socksConnectTimeoutMs ?? DIALER_DEFAULTS.socksConnectTimeoutMs });
      const reply = await socksHandshake(socket, { request: { command, address, port }, credentials, signal });
      return { socket, reply };
    } catch (err) {
      if (isVeilError(err, 'VEIL_TIMEOUT') && signal?.aborted) {
        throw new VeilError('VEIL_TIMEOUT', `${what}: no answer from Tor within ${timeoutMs} ms`, {
          cause: err,
          hint: 'check that Tor has bootstrapped (`veil status`) and that the peer is online, or raise the timeout',
        });
      }
      throw err;
    }
  }

  async function closeSocket(socket: net.Socket): Promise<void> {
    if (socket.closed) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await closed;
  }

  async function lookup(command: number, address: SocksAddress, shown: string, options: ResolveOptions, expect: 'ip' | 'name'): Promise<string> {
    const what = `Tor ${command === socks.COMMAND.RESOLVE ? 'RESOLVE' : 'RESOLVE_PTR'} of ${sensitive(shown)}`;
    const token = options.isolationToken ?? defaultToken(command === socks.COMMAND.RESOLVE ? 'resolve' : 'ptr', shown);
    const { socket, reply } = await request(command, address, 0, token, what, options);
    await closeSocket(socket);
    const isIp = reply.address.type !== 'domain';
    if ((expect === 'ip') !== isIp) {
      throw new VeilError('VEIL_SOCKS_PROTOCOL', `${what}: Tor answered with a ${reply.address.type} address`);
    }
    return reply.address.host;
  }

  return {
    describe: () => `Tor via SOCKS ${endpoint}`,

    async dial(host: string, port: number, opts: DialOptions = {}): Promise<net.Socket> {
      checkDialTarget(host, port);
      const target = isOnionHost(host) ? parseOnionAddress(host) : undefined;
      const name = target ? (target.subdomain ? `${target.subdomain}.${target.hostname}` : target.hostname) : host;
      const what = `Tor connect to ${sensitive(name)}:${port}`;
      const token = opts.isolationToken ?? defaultToken('dial', `${name}:${port}`);
      log.debug('dialing', `${sensitive(name)}:${port}`, 'via', endpoint);
      const { socket } = await request(socks.COMMAND.CONNECT, addressForHost(name), port, token, what, opts);
      log.debug('connected', `${sensitive(name)}:${port}`);
      return socket;
    },

    async resolve(name: string, opts: ResolveOptions = {}): Promise<string> {
      checkDialTarget(name, 1);
      if (isOnionHost(name)) {
        throw new VeilError('VEIL_SOCKS_REQUEST_INVALID', `cannot resolve ${sensitive(name)}: onion service addresses have no IP address`, {
          hint: 'dial the onion service address directly',
        });
      }
      return lookup(socks.COMMAND.RESOLVE, { type: 'domain', host: name }, name, opts, 'ip');
    },

    async resolvePtr(ip: string, opts: ResolveOptions = {}): Promise<string> {
      const address = addressForHost(ip);
      if (address.type === 'domain') {
        throw new VeilError('VEIL_SOCKS_REQUEST_INVALID', `cannot reverse-resolve ${sensitive(ip)}: not an IP address`);
      }
      return lookup(socks.COMMAND.RESOLVE_PTR, address, ip, opts, 'name');
    },
  };
}
