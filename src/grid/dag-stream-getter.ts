/**
 * A BlockGetter fed by one stream of a file's blocks in reading order (StorageClient.streamDag: the server's CAR,
 * depth-first, every block verified), with a per-block getter behind it for whatever the stream does not bring.
 *
 * Over Tor or I2P a request per 256 KiB block costs a round trip each; the stream is one long response, like a
 * plain HTTP download. The reader asks for blocks in the stream's order, so few wait: blocks that arrive before they
 * are asked for are kept, at most `maxBufferedBlocks`; then the stream is paused until the reader takes one. The
 * stream is given up, and every block not yet delivered comes from the fallback, when: it fails or ends (a server
 * that lacks a block, a stall, a block that does not match its CID), the reader asks for a block while the buffer
 * is full (it reads out of the stream's order), or close() is called. A block asked for twice (a file with
 * repeated chunks; the CAR carries each block once) comes from the fallback the second time.
 */
import { anySignal, isVeilError, logger, raceAbort, throwIfAborted, type AbortOptions, type Closable } from '../core/index.js';
import { cidKey, type BlockGetter, type CID } from '../content/index.js';

const log = logger('veil:grid:download');

export interface DagStreamGetterOptions extends AbortOptions {
  /** Blocks received and not yet asked for, before the stream is paused (≥ 1). */
  readonly maxBufferedBlocks: number;
}

type Waiter = { resolve: (bytes: Uint8Array | undefined) => void };

export class DagStreamGetter implements BlockGetter, Closable {
  readonly #fallback: BlockGetter;
  readonly #maxBuffered: number;
  readonly #stop = new AbortController();
  /** Received, not yet asked for. */
  readonly #buffered = new Map<string, Uint8Array>();
  /** Asked for, not yet received. */
  readonly #waiting = new Map<string, Waiter[]>();
  /** Every block the stream brought (a second ask for one goes to the fallback). */
  readonly #delivered = new Set<string>();
  #isStreaming = true;
  #resumePump: (() => void) | undefined;
  readonly #pump: Promise<void>;

  /** `open` starts the stream; it receives a signal that close() and give-ups fire. */
  constructor(fallback: BlockGetter, open: (signal: AbortSignal) => AsyncIterable<{ cid: CID; bytes: Uint8Array }>, options: DagStreamGetterOptions) {
    this.#fallback = fallback;
    this.#maxBuffered = Math.max(1, Math.floor(options.maxBufferedBlocks));
    const signal = anySignal([options.signal, this.#stop.signal]);
    this.#pump = this.#run(open(signal), signal);
  }

  /** Blocks that came from the stream so far (for tests and logs). */
  get streamedBlocks(): number {
    return this.#delivered.size;
  }

  async #run(source: AsyncIterable<{ cid: CID; bytes: Uint8Array }>, signal: AbortSignal): Promise<void> {
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        // A stream that never answers must not hold close(): the wait ends with the signal.
        const next = await raceAbort(iterator.next(), signal, 'block stream');
        if (next.done || !this.#isStreaming) break;
        const { cid, bytes } = next.value;
        const key = cidKey(cid);
        this.#delivered.add(key);
        const waiters = this.#waiting.get(key);
        if (waiters) {
          this.#waiting.delete(key);
          for (const w of waiters) w.resolve(bytes);
          continue;
        }
        this.#buffered.set(key, bytes);
        while (this.#buffered.size >= this.#maxBuffered && this.#isStreaming && !signal.aborted) {
          await new Promise<void>((resolve) => (this.#resumePump = resolve));
        }
      }
    } catch (err) {
      if (!this.#stop.signal.aborted) log.debug('the block stream ended early; fetching the rest block by block:', isVeilError(err) ? err.code : err);
    } finally {
      this.#giveUp();
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }

  /** Ends streaming: whoever waits is sent to the fallback (the buffered blocks stay available). */
  #giveUp(): void {
    this.#isStreaming = false;
    this.#stop.abort();
    this.#resumePump?.();
    const waiting = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    for (const w of waiting) w.resolve(undefined);
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal, 'read block');
    const key = cidKey(cid);
    const held = this.#buffered.get(key);
    if (held) {
      this.#buffered.delete(key);
      const resume = this.#resumePump;
      this.#resumePump = undefined;
      resume?.();
      return held;
    }
    if (this.#isStreaming && this.#buffered.size >= this.#maxBuffered) {
      log.debug('the reader left the stream order; fetching block by block');
      this.#giveUp();
    }
    if (this.#isStreaming && !this.#delivered.has(key)) {
      const got = await raceAbort(
        new Promise<Uint8Array | undefined>((resolve) => {
          const list = this.#waiting.get(key) ?? [];
          list.push({ resolve });
          this.#waiting.set(key, list);
        }),
        options.signal,
        'read block',
      );
      if (got) return got;
    }
    return this.#fallback.get(cid, options);
  }

  /** Stops the stream and waits for it to end. Idempotent. */
  async close(): Promise<void> {
    this.#giveUp();
    await this.#pump;
  }
}

/** A getter that can also stream a whole DAG (gridBlockGetter). */
export interface DagStreamSource {
  streamDag(root: CID, options: AbortOptions): AsyncIterable<{ cid: CID; bytes: Uint8Array }>;
}

export function isDagStreamSource(getter: unknown): getter is DagStreamSource {
  return typeof (getter as Partial<DagStreamSource> | undefined)?.streamDag === 'function';
}

