/**
 * Reading UnixFS DAGs: path resolution, entry stat, directory listing and file content.
 *
 * File content is our own depth-first walk rather than ipfs-unixfs-exporter's `content()`: that one fetches every
 * block in the range as fast as it can into an unbounded queue, so a slow HTTP client would make the whole file
 * sit in memory. Here each block is fetched when the consumer pulls, so memory stays at one block per DAG level.
 * Path resolution and HAMT directories reuse the exporter's resolvers (UnixFS spec: HAMT sharding).
 */
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { exporter, resolvers } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import { VeilError, isVeilError, throwIfAborted, type AbortOptions } from '../core/index.js';
import type { BlockGetter } from './blockstore.js';
import { CODEC, MULTIHASH } from './cid.js';
import { CONTENT_DEFAULTS } from './defaults.js';

export type EntryKind = 'file' | 'directory' | 'symlink';

export interface Entry {
  cid: CID;
  kind: EntryKind;
  /** File size in bytes (0 for directories and symlinks). */
  size: number;
  /** Symlink target (symlinks only). */
  target?: string;
}

export interface DirectoryListing {
  name: string;
  cid: CID;
  /** Cumulative DAG size from the link (Tsize), not the file size. */
  linkSize: number;
}

export interface ResolvedPath {
  /** One CID per logical segment (root first); the last is the terminus (X-Ipfs-Roots). */
  roots: CID[];
  cid: CID;
}

/** Adapts our blockstore to the `get` shape the exporter expects (a generator of chunks). */
function readable(store: BlockGetter, options: AbortOptions): { get(cid: CID): AsyncGenerator<Uint8Array> } {
  return {
    async *get(cid: CID): AsyncGenerator<Uint8Array> {
      yield await store.get(cid, { signal: options.signal });
    },
  };
}

/** Maps an exporter error to a VeilError, keeping VeilErrors from the blockstore as they are. */
function mapError(err: unknown, options: AbortOptions): VeilError {
  if (options.signal?.aborted) return new VeilError('VEIL_ABORTED', 'read aborted', { cause: err });
  if (isVeilError(err)) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotFoundError') return new VeilError('VEIL_CONTENT_PATH_NOT_FOUND', 'no such path in the DAG', { cause: err });
  return new VeilError('VEIL_CONTENT_NOT_UNIXFS', `cannot read the DAG as UnixFS: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * Walks `segments` (already decoded, never containing '/') from `root`. Throws VEIL_CONTENT_PATH_NOT_FOUND,
 * VEIL_CONTENT_BLOCK_NOT_FOUND, VEIL_CONTENT_NOT_UNIXFS. Honours `signal`.
 */
export async function resolvePath(root: CID, segments: readonly string[], store: BlockGetter, options: AbortOptions = {}): Promise<ResolvedPath> {
  const roots: CID[] = [root];
  let cid = root;
  const storage = readable(store, options);
  for (const segment of segments) {
    throwIfAborted(options.signal, 'resolve path');
    const resolver = resolvers[cid.code];
    if (!resolver || (cid.code !== CODEC.dagPb)) {
      throw new VeilError('VEIL_CONTENT_PATH_NOT_FOUND', 'path continues below a block that is not a directory');
    }
    let next: CID | undefined;
    try {
      for await (const result of resolver(cid, [segment], storage as never, { signal: options.signal })) {
        if (result.name === segment && result.rest.length === 0 && !result.cid.equals(cid)) {
          next = result.cid;
          break;
        }
        if (result.cid.equals(cid)) break; // a file or symlink: cannot descend
      }
    } catch (err) {
      throw mapError(err, options);
    }
    if (!next) throw new VeilError('VEIL_CONTENT_PATH_NOT_FOUND', 'no such path in the DAG');
    cid = next;
    roots.push(cid);
  }
  return { roots, cid };
}

/** Reads the kind and size of the entry at `cid` (one block fetched). */
export async function statEntry(cid: CID, store: BlockGetter, options: AbortOptions = {}): Promise<Entry> {
  if (cid.code === CODEC.raw) {
    if (cid.multihash.code === MULTIHASH.identity) return { cid, kind: 'file', size: cid.multihash.digest.length };
    const bytes = await store.get(cid, options);
    return { cid, kind: 'file', size: bytes.length };
  }
  if (cid.code !== CODEC.dagPb) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `codec 0x${cid.code.toString(16)} is not UnixFS`);
  const node = decodePb(await store.get(cid, options));
  const fs = unmarshal(node);
  switch (fs.type) {
    case 'file':
    case 'raw':
      return { cid, kind: 'file', size: Number(fs.fileSize()) };
    case 'directory':
    case 'hamt-sharded-directory':
      return { cid, kind: 'directory', size: 0 };
    case 'symlink':
      return { cid, kind: 'symlink', size: 0, target: Buffer.from(fs.data ?? new Uint8Array()).toString('utf8') };
    default:
      throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `unsupported UnixFS node type ${JSON.stringify(fs.type)}`);
  }
}

/** Lists a directory (plain or HAMT-sharded) without fetching the children. */
export async function* listDirectory(cid: CID, store: BlockGetter, options: AbortOptions = {}): AsyncGenerator<DirectoryListing> {
  let entry;
  try {
    entry = await exporter(cid, readable(store, options) as never, { signal: options.signal });
  } catch (err) {
    throw mapError(err, options);
  }
  if (entry.type !== 'directory') throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'not a directory');
  try {
    for await (const child of entry.entries({ signal: options.signal })) {
      yield { name: child.name, cid: child.cid, linkSize: Number(child.size) };
    }
  } catch (err) {
    throw mapError(err, options);
  }
}

function decodePb(bytes: Uint8Array): dagPb.PBNode {
  try {
    return dagPb.decode(bytes);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'block is not valid dag-pb', { cause: err });
  }
}

function unmarshal(node: dagPb.PBNode): UnixFS {
  if (!node.Data) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'dag-pb node has no UnixFS data');
  try {
    return UnixFS.unmarshal(node.Data);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'dag-pb node has invalid UnixFS data', { cause: err });
  }
}

export interface ReadOptions extends AbortOptions {
  /** First byte (inclusive). Default 0. */
  offset?: number;
  /** Bytes to read. Default: to the end. */
  length?: number;
}

/**
 * Streams a UnixFS file (dag-pb or raw) from `offset` for `length` bytes, pulling one block at a time.
 * Throws VEIL_CONTENT_NOT_UNIXFS when the DAG is inconsistent (block sizes disagree with the data) and whatever
 * the blockstore throws. Honours `signal`.
 */
export async function* readFile(cid: CID, store: BlockGetter, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
  const start = options.offset ?? 0;
  const end = options.length === undefined ? Number.MAX_SAFE_INTEGER : start + options.length;
  if (end <= start) return;
  let produced = 0;
  const expected = options.length;
  // Read one block ahead: the next block is fetched while the caller writes this one, so a slow consumer (a socket
  // over Tor) never waits on the disk or the grid between blocks. At most one extra block is held.
  const blocks = walk(cid, 0, start, end, 0, store, options);
  let next = blocks.next();
  next.catch(() => undefined); // observed below; this only keeps an early failure from being "unhandled"
  try {
    for (;;) {
      const r = await next;
      if (r.done) break;
      next = blocks.next();
      next.catch(() => undefined);
      produced += r.value.length;
      yield r.value;
    }
  } finally {
    await blocks.return(undefined);
  }
  if (expected !== undefined && produced !== expected) {
    throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `file DAG ended after ${produced} of ${expected} bytes: sizes in the DAG are inconsistent`);
  }
}

function slice(data: Uint8Array, position: number, start: number, end: number): Uint8Array | undefined {
  const from = Math.max(start - position, 0);
  const to = Math.min(end - position, data.length);
  return to > from ? data.subarray(from, to) : undefined;
}

async function* walk(cid: CID, position: number, start: number, end: number, depth: number, store: BlockGetter, options: AbortOptions): AsyncGenerator<Uint8Array> {
  throwIfAborted(options.signal, 'read file');
  if (depth > CONTENT_DEFAULTS.maxDagDepth) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'file DAG is deeper than allowed');
  const block = await store.get(cid, options);
  if (cid.code === CODEC.raw) {
    const part = slice(block, position, start, end);
    if (part) yield part;
    return;
  }
  if (cid.code !== CODEC.dagPb) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `codec 0x${cid.code.toString(16)} inside a file DAG`);
  const node = decodePb(block);
  const fs = unmarshal(node);
  if (fs.type !== 'file' && fs.type !== 'raw') throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `expected a file node, found ${JSON.stringify(fs.type)}`);
  let pos = position;
  if (fs.data && fs.data.length > 0) {
    const part = slice(fs.data, pos, start, end);
    if (part) yield part;
    pos += fs.data.length;
  }
  if (node.Links.length !== fs.blockSizes.length) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'file node: links and block sizes disagree');
  for (let i = 0; i < node.Links.length && pos < end; i++) {
    const size = Number(fs.blockSizes[i]);
    const link = node.Links[i]!;
    if (pos + size > start) yield* walk(link.Hash, pos, start, end, depth + 1, store, options);
    pos += size;
  }
}
