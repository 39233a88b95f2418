/**
 * One socket to the SAM bridge, seen as a sequence of reply lines. It owns the Duplex until `detach()`
 * hands the raw stream (with any bytes already buffered pushed back) to the caller, after a successful
 * STREAM CONNECT/ACCEPT. Each wait takes a signal; on abort the socket is destroyed.
 */
import type { Duplex } from 'node:stream';
import { VeilError, abortError, logger, quoteUntrusted } from '../../core/index.js';
import { NEED_MORE, decodePeerLine, decodeReply, type Decoded, type NeedMore, type SamCodecLimits, type SamPeerLine, type SamReply } from './codec.js';

const log = logger('veil:i2p:sam');

export class SamConnection {
  readonly #socket: Duplex;
  readonly #limits: SamCodecLimits;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #detached = false;
  readonly #closed: Promise<void>;
  // Paused-mode reading ('readable' + read()), never 'data': once our listener is removed in detach(), the
  // stream is neither flowing nor explicitly paused, so the new owner's 'data' listener or pipe() starts it.
  readonly #onReadable = (): void => {
    let chunk: unknown;
    while ((chunk = this.#socket.read()) !== null) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
      this.#buffer = this.#buffer.length === 0 ? b : Buffer.concat([this.#buffer, b]);
    }
    this.#wake?.();
  };
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#wake?.();
  };
  readonly #onError = (err: unknown): void => {
    this.#error ??= err;
    this.#ended = true;
    this.#wake?.();
  };

  constructor(socket: Duplex, limits: SamCodecLimits = {}) {
    this.#socket = socket;
    this.#limits = limits;
    this.#closed = new Promise<void>((resolve) => {
      if (socket.destroyed && socket.closed) resolve();
      else socket.once('close', () => resolve());
    });
    socket.on('readable', this.#onReadable);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  /** Resolves when the socket has closed (for whatever reason). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get isOpen(): boolean {
    return !this.#ended && !this.#socket.destroyed;
  }

  /** Writes one encoded command line. */
  write(line: string): void {
    if (this.#detached) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): write on a detached SAM connection');
    log.debug('send', line.split(' ').slice(0, 2).join(' '));
    this.#socket.write(line, 'latin1');
  }

  /** Reads the next reply line. Throws VEIL_SAM_PROTOCOL/LINE_TOO_LONG/TRUNCATED, VEIL_TIMEOUT/ABORTED. */
  readReply(what: string, signal: AbortSignal | undefined): Promise<SamReply> {
    return this.#read(what, signal, (b) => decodeReply(b, this.#limits));
  }

  /** Reads the peer-destination line that starts an accepted stream. */
  readPeerLine(what: string, signal: AbortSignal | undefined): Promise<SamPeerLine> {
    return this.#read(what, signal, (b) => decodePeerLine(b, this.#limits));
  }

  async #read<T>(what: string, signal: AbortSignal | undefined, decode: (b: Uint8Array) => Decoded<T> | NeedMore): Promise<T> {
    if (this.#wake) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): two concurrent reads on one SAM connection');
    const onAbort = (): void => this.#wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal?.aborted) {
          this.destroy();
          throw abortError(signal, what);
        }
        let decoded: Decoded<T> | NeedMore;
        try {
          decoded = decode(this.#buffer);
        } catch (err) {
          this.destroy();
          throw err;
        }
        if (decoded !== NEED_MORE) {
          this.#buffer = this.#buffer.subarray(decoded.consumed);
          return decoded.value;
        }
        if (this.#ended) {
          const partial = this.#buffer.length > 0 ? `after ${quoteUntrusted(this.#buffer)}` : 'before any reply';
          this.destroy();
          throw new VeilError('VEIL_SAM_TRUNCATED', `${what}: the SAM bridge closed the connection ${partial}`, { cause: this.#error });
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      this.#wake = undefined;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Stops reading lines and hands over the raw stream: bytes already buffered are pushed back with unshift,
   * so the caller sees exactly what followed the last reply line. The caller becomes the socket's owner.
   */
  detach(): Duplex {
    this.#detached = true;
    const s = this.#socket;
    s.off('readable', this.#onReadable);
    s.off('end', this.#onEnd);
    s.off('close', this.#onEnd);
    s.off('error', this.#onError);
    if (this.#buffer.length > 0) s.unshift(this.#buffer);
    this.#buffer = Buffer.alloc(0);
    return s;
  }

  destroy(): void {
    if (!this.#socket.destroyed) this.#socket.destroy();
  }

  /** Destroys the socket and resolves once it has closed. Idempotent. */
  async close(): Promise<void> {
    this.destroy();
    await this.#closed;
  }
}
