/**
 * startGateway: the listening HTTP server. Creating a listening server is allowed here (the brief's exception
 * to "only src/net opens sockets"); it binds exactly the configured address, default 127.0.0.1:8080, and the
 * config layer's IP-leak check decides whether a non-loopback host is acceptable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VeilError, abortError, logger, sensitive, type AbortOptions, type Closable } from '../core/index.js';
import { GATEWAY_DEFAULTS } from './defaults.js';
import { createGatewayHandler, type GatewayHandlerOptions } from './handler.js';

const log = logger('veil:gateway');

export interface StartGatewayOptions extends GatewayHandlerOptions, AbortOptions {
  listen?: { host?: string; port?: number };
}

export interface Gateway extends Closable, AsyncDisposable {
  /** The bound address (port is the real one when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
}

/**
 * Starts the gateway. Throws VEIL_GATEWAY_LISTEN_FAILED (port in use, address not available) and VEIL_ABORTED.
 * close() stops accepting, drops open connections and resolves once the server has closed; safe to call twice.
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const host = options.listen?.host ?? GATEWAY_DEFAULTS.host;
  const port = options.listen?.port ?? GATEWAY_DEFAULTS.port;
  options.signal?.throwIfAborted();
  const server = createServer(createGatewayHandler(options));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      cleanup();
      reject(new VeilError('VEIL_GATEWAY_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
    };
    const onAbort = (): void => {
      cleanup();
      server.close();
      reject(abortError(options.signal!, 'start gateway'));
    };
    const cleanup = (): void => {
      server.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    server.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    server.listen({ host, port, exclusive: true }, () => {
      cleanup();
      resolve();
    });
  });
  server.on('error', (err) => log.error('gateway server error:', err));
  const address = server.address() as AddressInfo;
  log.info('gateway listening on', sensitive(`${address.address}:${address.port}`));
  return wrap(server, address);
}

function wrap(server: Server, address: AddressInfo): Gateway {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  const host = address.address;
  return {
    host,
    port: address.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
