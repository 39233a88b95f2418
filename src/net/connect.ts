/**
 * The one place where src/net turns `net.createConnection` into a promise: resolves with the connected socket,
 * rejects with the error `mapError` makes of a socket error, and destroys the socket on abort or timeout.
 */
import net from 'node:net';
import { raceAbort } from '../core/index.js';
import type { VeilError } from '../core/index.js';

export function connectSocket(
  options: net.NetConnectOpts,
  signal: AbortSignal | undefined,
  what: string,
  mapError: (err: NodeJS.ErrnoException) => VeilError,
): Promise<net.Socket> {
  const socket = net.createConnection(options);
  const connected = new Promise<net.Socket>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.off('connect', onConnect);
      socket.destroy();
      reject(mapError(err));
    };
    const onConnect = (): void => {
      socket.off('error', onError);
      resolve(socket);
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
  return raceAbort(connected, signal, what, () => socket.destroy());
}
