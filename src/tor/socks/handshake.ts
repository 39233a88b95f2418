/**
 * Runs the SOCKS5 client handshake over an already connected stream (src/net opens it; this layer never opens
 * sockets). On success the stream is positioned just after the SOCKS reply: any bytes the server sent after
 * the reply are pushed back (unshift) for the caller to read, and the stream is left neither flowing nor
 * paused, so attaching a 'data' listener or piping starts the data.
 */
import type { Duplex } from 'node:stream';
import { VeilError, abortError, throwIfAborted, type AbortOptions } from '../../core/index.js';
import { SocksClientMachine, type SocksClientOptions } from './client-machine.js';
import type { SocksReply } from './codec.js';

/** The longest handshake we accept from a server: greeting reply + auth reply + a reply with a 255-byte name. */
const MAX_HANDSHAKE_BYTES = 2 + 2 + 4 + 1 + 255 + 2;

/**
 * Performs the handshake. Resolves with the success reply; rejects with the error the reply maps to
 * (VEIL_TOR_ONION_*, VEIL_DIAL_*, VEIL_SOCKS_*), VEIL_SOCKS_PROTOCOL if the stream closes or breaks
 * the protocol, or VEIL_ABORTED / VEIL_TIMEOUT from `signal`. On any rejection the stream is destroyed.
 */
export function socksHandshake(stream: Duplex, options: SocksClientOptions & AbortOptions): Promise<SocksReply> {
  const what = 'SOCKS handshake';
  try {
    throwIfAborted(options.signal, what);
  } catch (err) {
    stream.destroy();
    return Promise.reject(err);
  }
  let machine: SocksClientMachine;
  try {
    machine = new SocksClientMachine(options);
  } catch (err) {
    stream.destroy();
    return Promise.reject(err);
  }
  const { signal } = options;
  return new Promise<SocksReply>((resolve, reject) => {
    let received = 0;
    let settled = false;
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      stream.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(abortError(signal!, what));
    const onEnd = (): void =>
      fail(new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS server closed the connection during the handshake (after ${received} bytes)`));
    const onError = (err: NodeJS.ErrnoException): void =>
      fail(new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS connection failed during the handshake: ${err.code ?? err.message}`, { cause: err }));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = stream.read() as Buffer | null) !== null) {
        received += chunk.length;
        try {
          const step = machine.receive(chunk);
          if (step.send.length > 0) stream.write(step.send);
          if (step.result) {
            settled = true;
            cleanup();
            if (step.result.rest.length > 0) stream.unshift(step.result.rest);
            resolve(step.result.reply);
            return;
          }
          if (received > MAX_HANDSHAKE_BYTES) {
            throw new VeilError('VEIL_SOCKS_PROTOCOL', `SOCKS server sent more than ${MAX_HANDSHAKE_BYTES} bytes without completing the handshake`);
          }
        } catch (err) {
          fail(err);
        }
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.on('error', onError);
    stream.write(machine.start());
  });
}
