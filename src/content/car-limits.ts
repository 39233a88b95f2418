/**
 * A pure, incremental guard for untrusted CARv1 streams (CARv1 spec: https://ipld.io/specs/transport/car/carv1/
 * §Format: `varint(len) | header` then `varint(len) | CID | block` frames).
 *
 * @ipld/car buffers a whole frame before it looks at it, so a forged length would make it buffer without bound.
 * This limiter sees every chunk first (bytes in, nothing out: it only tracks frame boundaries) and throws as
 * soon as a frame length or the total exceeds its limit. Chunk boundaries do not matter.
 */
import { VeilError } from '../core/index.js';

export interface CarLimits {
  maxHeaderBytes: number;
  /** Largest frame after the header: CID bytes plus block bytes. */
  maxFrameBytes: number;
  maxTotalBytes: number;
}

/** A length varint is at most 9 bytes (63 bits), multiformats unsigned-varint spec. */
const MAX_VARINT_BYTES = 9;

export class CarFrameLimiter {
  readonly #limits: CarLimits;
  #total = 0;
  #frames = 0;
  /** Bytes left in the current frame body; -1 while reading a length varint. */
  #remaining = -1;
  #varint = 0;
  #varintBytes = 0;

  constructor(limits: CarLimits) {
    this.#limits = limits;
  }

  /** Frames fully seen so far (the header counts as one). */
  get frames(): number {
    return this.#frames;
  }

  get totalBytes(): number {
    return this.#total;
  }

  /** Feeds the next chunk; throws VEIL_CONTENT_CAR_LIMIT or VEIL_CONTENT_CAR_INVALID. */
  feed(chunk: Uint8Array): void {
    this.#total += chunk.length;
    if (this.#total > this.#limits.maxTotalBytes) {
      throw new VeilError('VEIL_CONTENT_CAR_LIMIT', `CAR stream exceeds ${this.#limits.maxTotalBytes} bytes`);
    }
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) this.#endFrame();
        continue;
      }
      const byte = chunk[i]!;
      i++;
      this.#varint += (byte & 0x7f) * 2 ** (7 * this.#varintBytes);
      this.#varintBytes++;
      const limit = this.#frames === 0 ? this.#limits.maxHeaderBytes : this.#limits.maxFrameBytes;
      if (this.#varint > limit) {
        const what = this.#frames === 0 ? 'header' : 'block frame';
        throw new VeilError('VEIL_CONTENT_CAR_LIMIT', `CAR ${what} of at least ${this.#varint} bytes exceeds the limit of ${limit} bytes`);
      }
      if (byte & 0x80) {
        if (this.#varintBytes >= MAX_VARINT_BYTES) throw new VeilError('VEIL_CONTENT_CAR_INVALID', 'CAR frame length varint is too long');
        continue;
      }
      if (this.#varint === 0) throw new VeilError('VEIL_CONTENT_CAR_INVALID', 'CAR frame of length 0');
      this.#remaining = this.#varint;
      this.#varint = 0;
      this.#varintBytes = 0;
    }
  }

  #endFrame(): void {
    this.#frames++;
    this.#remaining = -1;
  }

  /** Call at end of stream: throws VEIL_CONTENT_CAR_INVALID if the stream stopped inside a frame or had no header. */
  end(): void {
    if (this.#remaining > 0 || this.#varintBytes > 0) throw new VeilError('VEIL_CONTENT_CAR_INVALID', 'CAR stream is truncated inside a frame');
    if (this.#frames === 0) throw new VeilError('VEIL_CONTENT_CAR_INVALID', 'CAR stream has no header');
  }
}
