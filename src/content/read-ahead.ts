/**
 * Read-ahead over a slow BlockGetter (a storage server over Tor): while a UnixFS file is read, the blocks the
 * reader will ask for next are already being fetched, up to `windowBlocks` at a time.
 *
 * The reader (unixfs-reader.ts readFile) walks the DAG depth-first and asks for one block at a time. Over Tor a
 * 256 KiB block request costs a round trip plus a transfer that never reaches the circuit's speed, so one request
 * at a time gives about a quarter of what one long stream gets. Here the order of future requests is predicted
 * from the dag-pb nodes already fetched (their links, in order, come next: depth-first, pre-order), and the first
 * `windowBlocks` predictions are fetched, at most `windowBlocks` at a time (one more when the reader asks for a
 * block nobody predicted while the window is full). A request that is not the next prediction (a range read skips
 * children) drops the predictions before it; their fetches finish unread. Memory: the fetched blocks not yet read
 * (about `windowBlocks`; a dag-pb node fetched early can be pushed back by the children of an earlier one) and
 * the links of the dag-pb nodes on the current path. `close()` aborts what is in flight.
 */
import * as dagPb from '@ipld/dag-pb';
import type { CID } from 'multiformats/cid';
import { anySignal, raceAbort, throwIfAborted, type AbortOptions, type Closable } from '../core/index.js';
import type { BlockGetter } from './blockstore.js';
import { CODEC } from './cid.js';

interface Predicted {
  readonly cid: CID;
  /** Set once the fetch has started; settles with the block (or its error). */
  fetch?: Promise<Uint8Array>;
}

export interface ReadAheadOptions extends AbortOptions {
  /** Blocks fetched ahead of the reader, in flight or waiting to be read (≥ 1). */
  readonly windowBlocks: number;
}

export class ReadAheadGetter implements BlockGetter, Closable {
  readonly #inner: BlockGetter;
  readonly #windowBlocks: number;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  /** The blocks the reader will ask for next, in order. */
  #upcoming: Predicted[] = [];
  /** Fetches started and not settled, including those of dropped predictions. */
  #inFlight = 0;

  constructor(inner: BlockGetter, options: ReadAheadOptions) {
    this.#inner = inner;
    this.#windowBlocks = Math.max(1, Math.floor(options.windowBlocks));
    this.#signal = anySignal([options.signal, this.#stop.signal]);
  }

  /** Fetches in flight (for tests and status). */
  get inFlightBlocks(): number {
    return this.#inFlight;
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal, 'read block');
    const index = this.#upcoming.findIndex((p) => p.cid.equals(cid));
    let entry: Predicted;
    if (index < 0) {
      entry = { cid };
      this.#upcoming.unshift(entry);
    } else {
      entry = this.#upcoming[index]!;
      // The reader skipped the predictions before this one: forget them (their fetches finish unobserved).
      this.#upcoming.splice(0, index);
    }
    this.#pump(entry);
    try {
      return await raceAbort(entry.fetch!, options.signal, 'read block');
    } finally {
      const at = this.#upcoming.indexOf(entry);
      if (at >= 0) this.#upcoming.splice(at, 1);
      this.#pump();
    }
  }

  /**
   * Starts fetches of the first `windowBlocks` predictions while fewer than `windowBlocks` are in flight; `first`
   * (the block the reader waits for) always starts.
   */
  #pump(first?: Predicted): void {
    if (first) this.#start(first);
    for (let i = 0; i < this.#upcoming.length && i < this.#windowBlocks && this.#inFlight < this.#windowBlocks; i++) this.#start(this.#upcoming[i]!);
  }

  #start(entry: Predicted): void {
    if (entry.fetch !== undefined) return;
    this.#inFlight++;
    entry.fetch = this.#inner.get(entry.cid, { signal: this.#signal }).then(
      (bytes) => {
        this.#inFlight--;
        this.#predictChildren(entry, bytes);
        this.#pump();
        return bytes;
      },
      (err: unknown) => {
        this.#inFlight--;
        this.#pump();
        throw err;
      },
    );
    entry.fetch.catch(() => undefined); // observed by get(); a dropped prediction's failure is of no interest
  }

  /** A dag-pb node's links are read next, right after the node itself. Undecodable nodes predict nothing. */
  #predictChildren(entry: Predicted, bytes: Uint8Array): void {
    if (entry.cid.code !== CODEC.dagPb) return;
    let links: CID[];
    try {
      links = dagPb.decode(bytes).Links.map((l) => l.Hash);
    } catch {
      return; // the reader reports the bad block itself
    }
    const at = this.#upcoming.indexOf(entry);
    if (at < 0) return; // already taken by the reader, which has moved on
    this.#upcoming.splice(at + 1, 0, ...links.map((cid) => ({ cid })));
  }

  /** Aborts the fetches in flight and forgets the predictions. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort();
    const pending = this.#upcoming.map((p) => p.fetch).filter((f): f is Promise<Uint8Array> => f !== undefined);
    this.#upcoming = [];
    await Promise.allSettled(pending);
  }
}
