/**
 * A blockstore on disk under the node directory (NODEDIR/blocks).
 *
 * Layout: `<dir>/<shard>/<key>.data`, key = CIDv1 base32 (lower case, safe on every filesystem), shard = the two
 * characters before the last one (flatfs "next-to-last/2", as Kubo does).
 *
 * Crash safety: a put writes `<shard>/.tmp-<random>`, fsyncs it, renames it over the final name (atomic on
 * POSIX) and fsyncs the shard directory. A crash leaves at most a temp file, which is never read as a block and
 * is swept by open(). Reads verify the hash again, so disk corruption surfaces as VEIL_CONTENT_BLOCK_MISMATCH.
 */
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { ATOMIC_TEMP_PREFIX, VeilError, logger, removeShardTempFiles, sensitive, syncDirectory, throwIfAborted, writeFileAtomic, type AbortOptions } from '../core/index.js';
import { blockNotFound, checkBlock, type Blockstore } from './blockstore.js';
import { cidKey, isIdentityCid, parseCid, verifyBlock } from './cid.js';
import { CONTENT_DEFAULTS } from './defaults.js';

const log = logger('veil:content:blockstore');
const SUFFIX = '.data';

export interface FsBlockstoreOptions {
  /** Largest block accepted by put (bytes). Default CONTENT_DEFAULTS.maxBlockBytes. */
  maxBlockBytes?: number;
  /** Re-hash blocks on get (default true): catches disk corruption. */
  verifyOnRead?: boolean;
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function ioError(what: string, err: unknown): VeilError {
  return new VeilError('VEIL_CONTENT_STORE_IO', `blockstore: cannot ${what}: ${errno(err) ?? 'I/O error'}`, { cause: err });
}

export class FsBlockstore implements Blockstore {
  readonly #dir: string;
  readonly #maxBlockBytes: number;
  readonly #verifyOnRead: boolean;

  private constructor(dir: string, options: FsBlockstoreOptions) {
    this.#dir = dir;
    this.#maxBlockBytes = options.maxBlockBytes ?? CONTENT_DEFAULTS.maxBlockBytes;
    this.#verifyOnRead = options.verifyOnRead ?? true;
  }

  /**
   * Opens (creating if needed) a blockstore rooted at `dir`, and removes temp files left by a crash.
   * Throws VEIL_CONTENT_STORE_IO.
   */
  static async open(dir: string, options: FsBlockstoreOptions = {}): Promise<FsBlockstore> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await removeShardTempFiles(dir, ATOMIC_TEMP_PREFIX);
    } catch (err) {
      throw ioError('open the block directory', err);
    }
    return new FsBlockstore(dir, options);
  }

  get directory(): string {
    return this.#dir;
  }

  #paths(cid: CID): { shardDir: string; file: string } {
    const key = cidKey(cid);
    const shardDir = join(this.#dir, key.slice(-3, -1));
    return { shardDir, file: join(shardDir, key + SUFFIX) };
  }

  async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal, 'blockstore get');
    if (isIdentityCid(cid)) return cid.multihash.digest;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#paths(cid).file, { signal: options.signal });
    } catch (err) {
      if (errno(err) === 'ENOENT') throw blockNotFound();
      throwIfAborted(options.signal, 'blockstore get');
      throw ioError('read a block', err);
    }
    if (this.#verifyOnRead) verifyBlock(cid, bytes);
    return bytes;
  }

  async has(cid: CID, options: AbortOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal, 'blockstore has');
    if (isIdentityCid(cid)) return true;
    try {
      const handle = await open(this.#paths(cid).file, 'r');
      await handle.close();
      return true;
    } catch (err) {
      if (errno(err) === 'ENOENT') return false;
      throw ioError('check a block', err);
    }
  }

  async put(cid: CID, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal, 'blockstore put');
    checkBlock(cid, bytes, this.#maxBlockBytes);
    if (isIdentityCid(cid)) return;
    if (await this.has(cid)) return;
    const { shardDir, file } = this.#paths(cid);
    try {
      await mkdir(shardDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, bytes, {
        mode: 0o600,
        syncDirectory: true,
        signal,
        what: 'blockstore put',
        // open() sweeps leftovers; the original error is what the caller needs to see.
        onCleanupError: (temp, cleanupErr) => log.warn('cannot remove a temp block file', sensitive(temp), cleanupErr),
      });
    } catch (err) {
      if (err instanceof VeilError) throw err;
      throw ioError('write a block', err);
    }
  }

  async delete(cid: CID, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'blockstore delete');
    if (isIdentityCid(cid)) return;
    const { shardDir, file } = this.#paths(cid);
    try {
      await unlink(file);
      await syncDirectory(shardDir);
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw ioError('delete a block', err);
    }
  }

  async *list(options: AbortOptions = {}): AsyncIterable<CID> {
    let shards: string[];
    try {
      shards = (await readdir(this.#dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (err) {
      throw ioError('list the block directory', err);
    }
    for (const shard of shards.sort()) {
      throwIfAborted(options.signal, 'blockstore list');
      let names: string[];
      try {
        names = await readdir(join(this.#dir, shard));
      } catch (err) {
        if (errno(err) === 'ENOENT') continue;
        throw ioError('list a shard directory', err);
      }
      for (const name of names.sort()) {
        if (name.startsWith(ATOMIC_TEMP_PREFIX) || !name.endsWith(SUFFIX)) continue;
        try {
          yield parseCid(name.slice(0, -SUFFIX.length));
        } catch (err) {
          log.warn('ignoring a file that is not a block', sensitive(name), err);
        }
      }
    }
  }
}
