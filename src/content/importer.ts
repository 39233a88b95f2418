/**
 * Import files and directories into UnixFS DAGs (ipfs-unixfs-importer, with every knob pinned by a profile from
 * defaults.ts so CIDs match Kubo's `ipfs add`).
 *
 * Sources: a path on disk, bytes, or a byte stream (files); a path or a list of entries (directories).
 * Progress: `content:import-bytes` { bytesDone } at most every CONTENT_DEFAULTS.progressIntervalBytes, and
 * `content:import-done` { bytesDone }. All functions honour `signal` (VEIL_ABORTED) and throw
 * VEIL_CONTENT_IMPORT_FAILED for unreadable sources plus whatever the blockstore throws.
 */
import { createReadStream } from 'node:fs';
import { lstat, opendir, readlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { importer, type ImportCandidate, type ImporterOptions } from 'ipfs-unixfs-importer';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import type { CID } from 'multiformats/cid';
import { VeilError, isVeilError, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import type { BlockPutter } from './blockstore.js';
import { CONTENT_DEFAULTS, IMPORT_PROFILES, type ImportProfileName } from './defaults.js';

/** File reads of 1 MiB: four 256 KiB chunks per read (the default 64 KiB reads left the importer waiting on I/O). */
const READ_CHUNK_BYTES = 1 << 20;

export interface ImportOptions extends AbortOptions, ProgressOptions {
  /** Default CONTENT_DEFAULTS.importProfile (`kubo-v0`, Kubo's `ipfs add` default). */
  profile?: ImportProfileName;
  /** Directory imports from disk: include names starting with `.` (Kubo's `--hidden`; default false like Kubo). */
  includeHidden?: boolean;
}

export interface ImportResult {
  cid: CID;
  /** Bytes of file content read (not the DAG size). */
  bytesDone: number;
}

export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** One entry of a directory import: a file (with content), an empty directory (no content) or a symlink. */
export interface DirectoryEntry {
  /** Relative path inside the imported directory, `/`-separated, e.g. `docs/readme.txt`. */
  path: string;
  content?: ByteSource;
  symlinkTarget?: string;
}

/** Builds the importer options for a profile; a fresh object each time (the importer writes into it). */
export function importerOptions(profile: ImportProfileName = CONTENT_DEFAULTS.importProfile): ImporterOptions {
  const p = IMPORT_PROFILES[profile];
  return {
    cidVersion: p.cidVersion,
    rawLeaves: p.rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: p.reduceSingleLeafToSelf,
    chunker: fixedSize({ chunkSize: p.chunkSizeBytes }),
    layout: balanced({ maxChildrenPerNode: p.maxChildrenPerNode }),
    shardSplitThresholdBytes: p.shardSplitThresholdBytes,
    shardSplitStrategy: p.shardSplitStrategy,
    shardFanoutBits: p.shardFanoutBits,
    fieldOrder: 'links-first',
    wrapWithDirectory: false,
  };
}

/** Counts bytes, reports progress and checks the signal between chunks. */
class ByteMeter {
  bytesDone = 0;
  #lastReported = 0;
  constructor(private readonly options: ImportOptions) {}

  async *wrap(source: ByteSource): AsyncGenerator<Uint8Array> {
    const iterable: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = source instanceof Uint8Array ? [source] : source;
    for await (const chunk of iterable) {
      throwIfAborted(this.options.signal, 'import');
      this.bytesDone += chunk.length;
      if (this.bytesDone - this.#lastReported >= CONTENT_DEFAULTS.progressIntervalBytes) {
        this.#lastReported = this.bytesDone;
        report(this.options, 'content:import-bytes', { bytesDone: this.bytesDone });
      }
      yield chunk;
    }
  }
}

function storage(store: BlockPutter, options: AbortOptions): { put(cid: CID, bytes: unknown): Promise<CID> } {
  return {
    async put(cid: CID, bytes: unknown): Promise<CID> {
      if (!(bytes instanceof Uint8Array)) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): importer passed a non-Uint8Array block');
      await store.put(cid, bytes, { signal: options.signal });
      return cid;
    },
  };
}

async function run(candidates: AsyncIterable<ImportCandidate> | Iterable<ImportCandidate>, store: BlockPutter, meter: ByteMeter, options: ImportOptions): Promise<ImportResult> {
  throwIfAborted(options.signal, 'import');
  let last: CID | undefined;
  try {
    for await (const entry of importer(candidates, storage(store, options) as never, importerOptions(options.profile))) {
      last = entry.cid;
    }
  } catch (err) {
    throwIfAborted(options.signal, 'import');
    if (isVeilError(err)) throw err;
    throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', `import failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!last) throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'import produced no root (empty source)');
  report(options, 'content:import-done', { bytesDone: meter.bytesDone });
  return { cid: last, bytesDone: meter.bytesDone };
}

/** Imports one file from bytes, a byte stream, or a path on disk (a string). */
export async function importFile(source: string | ByteSource, store: BlockPutter, options: ImportOptions = {}): Promise<ImportResult> {
  const meter = new ByteMeter(options);
  let content: ByteSource;
  if (typeof source === 'string') {
    const info = await statOrThrow(source);
    if (!info.isFile()) throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: the path is not a regular file');
    content = createReadStream(source, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Uint8Array>;
  } else {
    content = source;
  }
  return run([{ content: meter.wrap(content) }], store, meter, options);
}

/**
 * Imports a directory, from a path on disk (walked recursively, sorted, hidden names skipped unless
 * includeHidden) or from a list of entries. The root is named after the directory; its CID is returned.
 */
export async function importDirectory(
  source: string | Iterable<DirectoryEntry> | AsyncIterable<DirectoryEntry>,
  store: BlockPutter,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const meter = new ByteMeter(options);
  const rootName = typeof source === 'string' ? basename(resolve(source)) || 'root' : 'root';
  if (typeof source === 'string') {
    const info = await statOrThrow(source);
    if (!info.isDirectory()) throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: the path is not a directory');
  }
  const entries = typeof source === 'string' ? walkDirectory(source, '', options) : source;
  // A directory candidate makes the importer store an empty-directory block; only send one when the directory
  // really is empty (the next entry is not inside it), so no unreachable blocks are left behind.
  async function* candidates(): AsyncGenerator<ImportCandidate> {
    let pendingDir: string | undefined = rootName;
    for await (const entry of entries) {
      const path = `${rootName}/${entry.path}`;
      if (pendingDir !== undefined && !path.startsWith(pendingDir + '/')) yield { path: pendingDir };
      pendingDir = undefined;
      if (entry.symlinkTarget !== undefined) yield { path, link: entry.symlinkTarget };
      else if (entry.content !== undefined) yield { path, content: meter.wrap(entry.content) };
      else pendingDir = path;
    }
    if (pendingDir !== undefined) yield { path: pendingDir };
  }
  return run(candidates(), store, meter, options);
}

async function statOrThrow(path: string): Promise<import('node:fs').Stats> {
  try {
    return await lstat(path);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: the path cannot be read', { cause: err });
  }
}

async function* walkDirectory(root: string, prefix: string, options: ImportOptions): AsyncGenerator<DirectoryEntry> {
  const dir = join(root, prefix);
  let names: string[];
  try {
    names = [];
    for await (const d of await opendir(dir)) names.push(d.name);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: a directory cannot be listed', { cause: err });
  }
  names.sort();
  for (const name of names) {
    if (!options.includeHidden && name.startsWith('.')) continue;
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const full = join(root, rel);
    const info = await statOrThrow(full);
    if (info.isDirectory()) {
      yield { path: rel };
      yield* walkDirectory(root, rel, options);
    } else if (info.isFile()) {
      yield { path: rel, content: createReadStream(full, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Uint8Array> };
    } else if (info.isSymbolicLink()) {
      yield { path: rel, symlinkTarget: await readlink(full) };
    } else {
      throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: unsupported file type (only files, directories and symlinks)');
    }
  }
}
