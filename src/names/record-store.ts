/**
 * Where IPNS records live. `RecordStore` is the narrow interface the resolver and publisher use; this file has
 * the local one, NODEDIR/names/<k51 name>.ipns-record (the marshalled protobuf, served as
 * application/vnd.ipfs.ipns-record), written atomically (temp file, fsync, rename).
 *
 * The RecordStore over the grid's storage servers (put on publish, get on a local miss) is src/node
 * grid-records.ts: it needs both this folder and src/grid.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, throwIfAborted, type AbortOptions } from '../core/index.js';
import { NAMES_DEFAULTS } from './defaults.js';

export interface RecordStore {
  /** The stored record for a canonical IPNS name (k51…), unverified, or undefined. */
  get(name: string, options?: AbortOptions): Promise<Uint8Array | undefined>;
  /** Stores a record the caller has verified (and selected over the previous one). */
  put(name: string, record: Uint8Array, options?: AbortOptions): Promise<void>;
}

const SUFFIX = '.ipns-record';

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function ioError(what: string, err: unknown): VeilError {
  return new VeilError('VEIL_IPNS_RECORD_STORE_IO', `cannot ${what} an IPNS record: ${errno(err) ?? 'I/O error'}`, { cause: err });
}

/** Records under NODEDIR/names. Names must be canonical (from parseIpnsName), so they are safe file names. */
export class FsRecordStore implements RecordStore {
  readonly #dir: string;

  /** `dir`: the directory inside NODEDIR (default NAMES_DEFAULTS.recordsDir; a storage server keeps others' records apart). */
  constructor(nodeDir: string, dir: string = NAMES_DEFAULTS.recordsDir) {
    this.#dir = join(nodeDir, dir);
  }

  #path(name: string): string {
    if (!/^[a-z0-9]{1,128}$/.test(name)) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): record store got a non-canonical name');
    return join(this.#dir, name + SUFFIX);
  }

  /** Throws VEIL_IPNS_RECORD_STORE_IO, VEIL_IPNS_RECORD_INVALID (file over the size limit), VEIL_ABORTED. */
  async get(name: string, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    throwIfAborted(options.signal, 'read IPNS record');
    const path = this.#path(name);
    try {
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        if (size > NAMES_DEFAULTS.maxRecordBytes) throw new VeilError('VEIL_IPNS_RECORD_INVALID', `stored IPNS record is ${size} bytes, over the 10 KiB limit`);
        return new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err instanceof VeilError) throw err;
      if (errno(err) === 'ENOENT') return undefined;
      throw ioError('read', err);
    }
  }

  /** Throws VEIL_IPNS_RECORD_STORE_IO, VEIL_ABORTED. */
  async put(name: string, record: Uint8Array, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'store IPNS record');
    const path = this.#path(name);
    const temp = join(this.#dir, `.tmp-${randomBytes(8).toString('hex')}`);
    let isRenamed = false;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(record);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      isRenamed = true;
    } catch (err) {
      throw ioError('write', err);
    } finally {
      if (!isRenamed) await rm(temp, { force: true });
    }
  }
}

/** An in-memory store (tests; a cache in front of the grid later). */
export class MemoryRecordStore implements RecordStore {
  readonly #records = new Map<string, Uint8Array>();

  async get(name: string): Promise<Uint8Array | undefined> {
    return this.#records.get(name);
  }

  async put(name: string, record: Uint8Array): Promise<void> {
    this.#records.set(name, Uint8Array.from(record));
  }
}
