/**
 * Uploads and downloads over storage servers (issue #4 §4). Replication for now: every block goes to each of
 * up to `[client] shares.total` servers, and an upload succeeds only when at least `shares.happy` distinct
 * servers hold a full copy. Private files (the default) are convergently encrypted (convergent.ts) and imported
 * with the kubo-v1-raw profile; private directories are encrypted manifests (directory-manifest.ts) of private
 * files and directories. Public files and directories keep Kubo's default CIDs (UnixFS). Every block is stored
 * with a lease whose secrets are derived for that server and block (lease-secrets.ts); when a server already holds
 * the first block, blocks get their lease alone (no body) and only missing ones are sent. Downloads take each block
 * from the first server that returns a copy matching its CID, so a tampered or missing block is fetched from
 * another server.
 *
 * Progress: `grid:import` { phase: 'encrypt' | 'import', bytesDone, bytesTotal } while the content is prepared
 * (private files are read twice: hashed, then encrypted; both passes count), `grid:upload` { bytesDone,
 * bytesTotal } as blocks reach servers (bytes of blocks times servers), `grid:upload-block` per server.
 * TODO(#4): erasure coding (shares.needed of shares.total); streaming uploads without holding the DAG in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, isVeilError, logger, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { MemoryBlockstore, ReadAheadGetter, importDirectory, importFile, readFile, type BlockGetter, type CID } from '../content/index.js';
import { aesCtr, convergentKey, decryptCtr, formatCapability, type Capability } from './convergent.js';
import { encodeManifest, type ManifestEntry } from './directory-manifest.js';
import { leaseSecretsFor } from './lease-secrets.js';
import type { StorageClient } from './storage-client.js';
import { DagStreamGetter, isDagStreamSource, type DagStreamSource } from './dag-stream-getter.js';

const log = logger('veil:grid:transfer');
/** Blocks in flight per server during an upload. */
const UPLOAD_CONCURRENCY = 4;
/** File reads while hashing and encrypting. */
const READ_CHUNK_BYTES = 1 << 20;
/** Deepest directory tree uploaded. */
const MAX_TREE_DEPTH = 64;
/**
 * Blocks a download fetches ahead of the reader (content/read-ahead.ts): twice a server's connections, so each
 * connection has its next request queued. One 256 KiB block at a time gave 0.2 of curl's speed over Tor (bench).
 */
const DOWNLOAD_READ_AHEAD_BLOCKS = 8;
/** Blocks of a file's stream held before the reader asks for them (256 KiB each at most); then the stream waits. */
const DOWNLOAD_STREAM_BUFFER_BLOCKS = 32;
/** Rounds over the servers for one block when the failures include network errors. */
const BLOCK_FETCH_PASSES = 2;

export interface UploadOptions extends AbortOptions, ProgressOptions {
  readonly sharesHappy: number;
  readonly sharesTotal: number;
  /** Plaintext with Kubo's default CIDs instead of convergent encryption. */
  readonly isPublic: boolean;
  /** Required unless isPublic. */
  readonly convergenceSecret?: Uint8Array | undefined;
  /** The node's lease secret (NODEDIR/private/secret): every block is stored with a lease. None: no leases. */
  readonly leaseSecret?: Uint8Array | undefined;
}

export interface UploadResult {
  readonly capability: string;
  readonly cid: CID;
  readonly bytes: number;
  readonly blocks: number;
  /** Servers that hold a full copy. */
  readonly servers: number;
  /** Per-server failures (server name → message). */
  readonly failures: Readonly<Record<string, string>>;
  readonly isDirectory: boolean;
}

/** Counts prepared bytes for `grid:import` events (at most one event per MiB). */
class ImportMeter {
  done = 0;
  #last = 0;
  constructor(
    readonly phase: 'encrypt' | 'import',
    readonly total: number,
    private readonly options: ProgressOptions,
  ) {}
  add(n: number): void {
    this.done += n;
    if (this.done - this.#last >= READ_CHUNK_BYTES || this.done === this.total) {
      this.#last = this.done;
      report(this.options, 'grid:import', { phase: this.phase, bytesDone: this.done, bytesTotal: this.total });
    }
  }
  async *wrap(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.add(chunk.length);
      yield chunk;
    }
  }
}

function readChunks(path: string, options: AbortOptions): AsyncIterable<Uint8Array> {
  return createReadStream(path, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Uint8Array>;
}

/** Total bytes of the regular files under `path` (hidden names skipped, as uploads do). */
async function treeBytes(path: string, depth = 0): Promise<number> {
  const info = await lstat(path);
  if (info.isFile()) return info.size;
  if (!info.isDirectory() || depth > MAX_TREE_DEPTH) return 0;
  let total = 0;
  for await (const d of await opendir(path)) if (!d.name.startsWith('.')) total += await treeBytes(join(path, d.name), depth + 1);
  return total;
}

/** Encrypts and imports one private file into `blocks`: its chk capability. */
async function encodePrivateFile(path: string, secret: Uint8Array, blocks: MemoryBlockstore, meter: ImportMeter, options: UploadOptions): Promise<{ cap: Capability; bytes: number }> {
  const hash = createHash('sha256');
  for await (const chunk of meter.wrap(readChunks(path, options))) hash.update(chunk);
  const key = convergentKey(secret, hash.digest());
  const ciphertext = aesCtr(key, meter.wrap(readChunks(path, options)), options);
  const r = await importFile(ciphertext, blocks, { profile: 'kubo-v1-raw', signal: options.signal });
  return { cap: { kind: 'chk', key, cid: r.cid }, bytes: r.bytesDone };
}

/** Encodes a private directory tree into `blocks`: manifests of chk files and dir subdirectories. */
async function encodePrivateDirectory(path: string, secret: Uint8Array, blocks: MemoryBlockstore, meter: ImportMeter, options: UploadOptions, depth = 0): Promise<{ cap: Capability; bytes: number }> {
  if (depth > MAX_TREE_DEPTH) throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', `cannot import: directories nested deeper than ${MAX_TREE_DEPTH}`);
  const names: string[] = [];
  try {
    for await (const d of await opendir(path)) if (!d.name.startsWith('.')) names.push(d.name);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: a directory cannot be listed', { cause: err });
  }
  const entries: ManifestEntry[] = [];
  let bytes = 0;
  for (const name of names.sort()) {
    throwIfAborted(options.signal, 'upload');
    const full = join(path, name);
    const info = await lstat(full);
    if (info.isFile()) {
      const r = await encodePrivateFile(full, secret, blocks, meter, options);
      entries.push({ name, type: 'file', size: r.bytes, cap: formatCapability(r.cap) });
      bytes += r.bytes;
    } else if (info.isDirectory()) {
      const r = await encodePrivateDirectory(full, secret, blocks, meter, options, depth + 1);
      entries.push({ name, type: 'directory', size: r.bytes, cap: formatCapability(r.cap) });
      bytes += r.bytes;
    } else if (info.isSymbolicLink()) {
      entries.push({ name, type: 'symlink', size: 0, target: await readlink(full) });
    } else {
      throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: unsupported file type (only files, directories and symlinks)');
    }
  }
  const manifest = encodeManifest(entries);
  const key = convergentKey(secret, createHash('sha256').update(manifest).digest(), 'veil-dir-v1');
  const r = await importFile(aesCtr(key, [manifest], options), blocks, { profile: 'kubo-v1-raw', signal: options.signal });
  return { cap: { kind: 'dir', key, cid: r.cid }, bytes };
}

/** Sends every block to one server (with its leases). Reports `grid:upload-block` and calls `onBytes`. */
async function putAll(server: StorageClient, root: CID, all: readonly { cid: CID; bytes: Uint8Array }[], options: UploadOptions, onBytes: (n: number) => void): Promise<void> {
  const secretsFor = options.leaseSecret ? leaseSecretsFor(options.leaseSecret, server.address.keyHash, root) : undefined;
  // One request alone first: connection, key pin and swissnum errors surface as themselves, not as the
  // follow-on errors of parallel requests on a destroyed connection. When the server already holds that block
  // (a file uploaded before), blocks get a lease alone (POST, no body) and are sent only where missing.
  const isKnown = all[0] ? await server.has(all[0].cid, options) : false;
  const store = async (item: { cid: CID; bytes: Uint8Array }): Promise<void> => {
    const lease = secretsFor?.(item.cid);
    if (isKnown && lease) {
      try {
        await server.addLease(item.cid, lease, { signal: options.signal });
        return;
      } catch (err) {
        if (!isVeilError(err, 'VEIL_GRID_LEASE_NOT_FOUND')) throw err;
      }
    }
    await server.put(item.cid, item.bytes, { signal: options.signal, lease });
  };
  let next = 0;
  let done = 0;
  // The first failure in time is the cause; parallel requests then fail with follow-on errors ("client destroyed").
  let first: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < all.length && !first) {
      const item = all[next++]!;
      throwIfAborted(options.signal, 'upload');
      try {
        await store(item);
      } catch (err) {
        first ??= { error: err };
        return;
      }
      done++;
      onBytes(item.bytes.length);
      report(options, 'grid:upload-block', { server: server.name, done, total: all.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, all.length) }, worker));
  if (first) throw first.error;
}

/**
 * Imports `path` (a file or a directory) and places its blocks on the servers. Throws VEIL_GRID_NO_SERVERS
 * (fewer servers than shares.happy), VEIL_GRID_NOT_HAPPY (details.failures), content import errors,
 * VEIL_ABORTED. Honours `signal`.
 */
export async function uploadFile(path: string, servers: readonly StorageClient[], options: UploadOptions): Promise<UploadResult> {
  throwIfAborted(options.signal, 'upload');
  if (servers.length < options.sharesHappy) {
    throw new VeilError('VEIL_GRID_NO_SERVERS', `${servers.length} storage server(s) known, but [client] shares.happy = ${options.sharesHappy}`);
  }
  let info;
  try {
    info = await lstat(path);
  } catch (err) {
    throw new VeilError('VEIL_CONTENT_IMPORT_FAILED', 'cannot import: the path cannot be read', { cause: err });
  }
  const isDirectory = info.isDirectory();
  const blocks = new MemoryBlockstore();
  let capability: Capability;
  let bytes: number;
  const size = isDirectory ? await treeBytes(path) : info.size;
  if (options.isPublic) {
    const meter = new ImportMeter('import', size, options);
    let last = 0;
    const onProgress = (e: { type: string; detail: Record<string, unknown> }): void => {
      if (e.type !== 'content:import-bytes' && e.type !== 'content:import-done') return;
      const n = Number(e.detail['bytesDone'] ?? 0);
      meter.add(n - last);
      last = n;
    };
    const r = isDirectory ? await importDirectory(path, blocks, { signal: options.signal, onProgress }) : await importFile(path, blocks, { signal: options.signal, onProgress });
    capability = { kind: 'public', cid: r.cid };
    bytes = r.bytesDone;
  } else {
    if (!options.convergenceSecret) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): private upload without a convergence secret');
    const meter = new ImportMeter('encrypt', 2 * size, options);
    const r = isDirectory ? await encodePrivateDirectory(path, options.convergenceSecret, blocks, meter, options) : await encodePrivateFile(path, options.convergenceSecret, blocks, meter, options);
    capability = r.cap;
    bytes = r.bytes;
  }
  const all: { cid: CID; bytes: Uint8Array }[] = [];
  for await (const cid of blocks.list()) all.push({ cid, bytes: await blocks.get(cid) });
  const chosen = servers.slice(0, Math.max(options.sharesTotal, options.sharesHappy));
  const bytesTotal = all.reduce((n, b) => n + b.bytes.length, 0) * chosen.length;
  let bytesDone = 0;
  const onBytes = (n: number): void => {
    bytesDone += n;
    report(options, 'grid:upload', { bytesDone, bytesTotal });
  };
  const failures: Record<string, string> = Object.create(null) as Record<string, string>;
  const results = await Promise.allSettled(chosen.map((s) => putAll(s, capability.cid, all, options, onBytes)));
  let held = 0;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') held++;
    else {
      const name = chosen[i]!.name;
      failures[name] = r.reason instanceof Error ? `${isVeilError(r.reason) ? r.reason.code + ': ' : ''}${r.reason.message}` : String(r.reason);
      log.debug('upload to', name, 'failed:', failures[name]);
    }
  });
  throwIfAborted(options.signal, 'upload');
  if (held < options.sharesHappy) {
    const list = Object.entries(failures).map(([n, m]) => `${n}: ${m}`).join('; ');
    throw new VeilError('VEIL_GRID_NOT_HAPPY', `only ${held} of ${chosen.length} servers hold a full copy; shares.happy = ${options.sharesHappy} (${list})`, { details: { failures } });
  }
  return { capability: formatCapability(capability), cid: capability.cid, bytes, blocks: blocks.size, servers: held, failures, isDirectory };
}

/**
 * A BlockGetter over servers: the first verified copy wins; VEIL_GRID_BLOCK_UNAVAILABLE when none has one. When
 * every server failed and a failure was a network one (a Tor stream reset, a timeout), the servers are asked once
 * more: one dropped stream among the hundreds of a large download must not fail it.
 */
export function gridBlockGetter(servers: readonly StorageClient[]): BlockGetter & DagStreamSource {
  let preferred = 0;
  return {
    /** The whole DAG from one server in one response (the one that last answered; none without servers). */
    async *streamDag(root: CID, options: AbortOptions) {
      const server = servers[preferred];
      if (server) yield* server.streamDag(root, options);
    },
    async get(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
      const answers: string[] = [];
      for (let pass = 0; pass < BLOCK_FETCH_PASSES; pass++) {
        let networkFailure = false;
        for (let i = 0; i < servers.length; i++) {
          const index = (preferred + i) % servers.length;
          const server = servers[index]!;
          try {
            const bytes = await server.get(cid, options);
            if (bytes) {
              preferred = index;
              return bytes;
            }
            answers.push(`${server.name}: not found`);
          } catch (err) {
            if (isVeilError(err, 'VEIL_ABORTED')) throw err;
            if (isVeilError(err) && err.category === 'network') networkFailure = true;
            answers.push(`${server.name}: ${isVeilError(err) ? err.code : (err as Error).message}`);
          }
        }
        if (!networkFailure) break;
        log.debug('network failures fetching a block; asking the servers again:', answers.join('; '));
      }
      throw new VeilError('VEIL_GRID_BLOCK_UNAVAILABLE', `no server returned a valid copy of a block (${answers.join('; ')})`, { details: { answers } });
    },
  };
}

/**
 * The plaintext of a file's capability (for a `veil:dir:` capability: its decrypted manifest), streamed; every
 * block is verified against its CID, and up to DOWNLOAD_READ_AHEAD_BLOCKS are fetched ahead of the reader.
 * Honours `signal`.
 */
export async function* downloadCapability(cap: Capability, servers: readonly StorageClient[] | BlockGetter, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  if (Array.isArray(servers) && servers.length === 0) throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers are known to download from');
  const getter = Array.isArray(servers) ? gridBlockGetter(servers) : (servers as BlockGetter);
  // One stream of the whole DAG from a server when the getter offers it (block requests for what it lacks), and
  // read-ahead over that.
  const streamed = isDagStreamSource(getter) ? new DagStreamGetter(getter, (signal) => getter.streamDag(cap.cid, { signal }), { maxBufferedBlocks: DOWNLOAD_STREAM_BUFFER_BLOCKS, signal: options.signal }) : undefined;
  const blocks = new ReadAheadGetter(streamed ?? getter, { windowBlocks: DOWNLOAD_READ_AHEAD_BLOCKS, signal: options.signal });
  try {
    const content = readFile(cap.cid, blocks, options);
    yield* cap.kind === 'public' ? content : decryptCtr(cap.key, content, options);
  } finally {
    await blocks.close();
    await streamed?.close();
  }
}
