/**
 * Sockets to local daemons (Tor's control and SOCKS ports, I2P's SAM bridge). src/net is the only code that
 * opens sockets; lower layers (tor/, i2p/) receive connected sockets from here through the `LocalDialer`
 * interface they declare.
 */
import net from 'node:net';
import { VeilError, throwIfAborted, withTimeout, type AbortOptions } from '../core/index.js';
import { connectSocket } from './connect.js';
import { formatLocalEndpoint, type LocalEndpoint } from '../config/endpoint.js';

export interface ConnectLocalOptions extends AbortOptions {
  /** Deadline for the TCP/Unix connect, in milliseconds (default 10 000). */
  timeoutMs?: number;
}

/**
 * Opens a stream socket to a local daemon endpoint. Does not check the endpoint against the privacy
 * policy: callers that take endpoints from config rely on the config's safety check having run.
 * Throws VEIL_LOCAL_DAEMON_UNREACHABLE, VEIL_ABORTED or VEIL_TIMEOUT. Honours `signal`.
 */
export async function connectLocal(endpoint: LocalEndpoint, options: ConnectLocalOptions = {}): Promise<net.Socket> {
  const what = `connect to ${formatLocalEndpoint(endpoint)}`;
  throwIfAborted(options.signal, what);
  const signal = withTimeout(options.signal, options.timeoutMs ?? 10_000);
  const target: net.NetConnectOpts = endpoint.kind === 'unix' ? { path: endpoint.path } : { host: endpoint.host, port: endpoint.port };
  return connectSocket(target, signal, what, (err) =>
    new VeilError('VEIL_LOCAL_DAEMON_UNREACHABLE', `cannot ${what}: ${err.code ?? err.message}`, {
      cause: err,
      details: { endpoint: formatLocalEndpoint(endpoint), errno: err.code },
    }),
  );
}

/** The narrow interface lower layers declare for "give me a socket to that local daemon". */
export type LocalDialer = (endpoint: LocalEndpoint, options?: ConnectLocalOptions) => Promise<net.Socket>;
