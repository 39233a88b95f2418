/**
 * Uploads and downloads over storage servers (issue #4 §4). Replication for now: every block goes to each of
 * up to `[client] shares.total` servers, and an upload succeeds only when at least `shares.happy` distinct
 * servers hold a full copy. Private files (the default) are convergently encrypted (convergent.ts) and imported
 * with the kubo-v1-raw profile; public files keep Kubo's default CIDs. Downloads take each block from the first
 * server that returns a copy matching its CID, so a tampered or missing block is fetched from another server.
 * TODO(#4): erasure coding (shares.needed of shares.total); streaming uploads without holding the DAG in memory.
 */
import { createReadStream } from 'node:fs';
import { VeilError, isVeilError, logger, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { MemoryBlockstore, ReadAheadGetter, importFile, readFile, type BlockGetter, type CID } from '../content/index.js';
import { aesCtr, convergentKey, decryptCtr, formatCapability, hashFile, type Capability } from './convergent.js';
import type { StorageClient } from './storage-client.js';

const log = logger('veil:grid:transfer');
/** Blocks in flight per server during an upload. */
const UPLOAD_CONCURRENCY = 4;
/**
 * Blocks a download fetches ahead of the reader (content/read-ahead.ts): twice a server's connections, so each
 * connection has its next request queued. One 256 KiB block at a time gave 0.2 of curl's speed over Tor (bench).
 */
const DOWNLOAD_READ_AHEAD_BLOCKS = 8;
/** Rounds over the servers for one block when the failures include network errors. */
const BLOCK_FETCH_PASSES = 2;

export interface UploadOptions extends AbortOptions, ProgressOptions {
  readonly sharesHappy: number;
  readonly sharesTotal: number;
  /** Plaintext with Kubo's default CIDs instead of convergent encryption. */
  readonly isPublic: boolean;
  /** Required unless isPublic. */
  readonly convergenceSecret?: Uint8Array | undefined;
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
}

async function putAll(server: StorageClient, blocks: MemoryBlockstore, options: UploadOptions): Promise<void> {
  const all: { cid: CID; bytes: Uint8Array }[] = [];
  for await (const cid of blocks.list()) all.push({ cid, bytes: await blocks.get(cid) });
  // One request alone first: connection, key pin and swissnum errors surface as themselves, not as the
  // follow-on errors of parallel requests on a destroyed connection.
  if (all[0]) await server.has(all[0].cid, options);
  let next = 0;
  let done = 0;
  // The first failure in time is the cause; parallel requests then fail with follow-on errors ("client destroyed").
  let first: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < all.length && !first) {
      const item = all[next++]!;
      throwIfAborted(options.signal, 'upload');
      try {
        await server.put(item.cid, item.bytes, options);
      } catch (err) {
        first ??= { error: err };
        return;
      }
      done++;
      report(options, 'grid:upload-block', { server: server.name, done, total: all.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, all.length) }, worker));
  if (first) throw first.error;
}

/**
 * Imports `path` and places its blocks on the servers. Throws VEIL_GRID_NO_SERVERS (fewer servers than
 * shares.happy), VEIL_GRID_NOT_HAPPY (details.failures), content import errors, VEIL_ABORTED. Honours `signal`.
 */
export async function uploadFile(path: string, servers: readonly StorageClient[], options: UploadOptions): Promise<UploadResult> {
  throwIfAborted(options.signal, 'upload');
  if (servers.length < options.sharesHappy) {
    throw new VeilError('VEIL_GRID_NO_SERVERS', `${servers.length} storage server(s) known, but [client] shares.happy = ${options.sharesHappy}`);
  }
  const blocks = new MemoryBlockstore();
  let capability: Capability;
  let bytes: number;
  if (options.isPublic) {
    const r = await importFile(path, blocks, { signal: options.signal, onProgress: options.onProgress });
    capability = { kind: 'public', cid: r.cid };
    bytes = r.bytesDone;
  } else {
    if (!options.convergenceSecret) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): private upload without a convergence secret');
    const key = convergentKey(options.convergenceSecret, await hashFile(path, options));
    const ciphertext = aesCtr(key, createReadStream(path, { signal: options.signal }) as AsyncIterable<Uint8Array>, options);
    const r = await importFile(ciphertext, blocks, { profile: 'kubo-v1-raw', signal: options.signal, onProgress: options.onProgress });
    capability = { kind: 'chk', key, cid: r.cid };
    bytes = r.bytesDone;
  }
  const chosen = servers.slice(0, Math.max(options.sharesTotal, options.sharesHappy));
  const failures: Record<string, string> = Object.create(null) as Record<string, string>;
  const results = await Promise.allSettled(chosen.map((s) => putAll(s, blocks, options)));
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
  return { capability: formatCapability(capability), cid: capability.cid, bytes, blocks: blocks.size, servers: held, failures };
}

/**
 * A BlockGetter over servers: the first verified copy wins; VEIL_GRID_BLOCK_UNAVAILABLE when none has one. When
 * every server failed and a failure was a network one (a Tor stream reset, a timeout), the servers are asked once
 * more: one dropped stream among the hundreds of a large download must not fail it.
 */
export function gridBlockGetter(servers: readonly StorageClient[]): BlockGetter {
  let preferred = 0;
  return {
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

/** The plaintext of a capability, streamed; every block is verified against its CID. Honours `signal`. */
export async function* downloadCapability(cap: Capability, servers: readonly StorageClient[], options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  if (servers.length === 0) throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers are known to download from');
  const blocks = new ReadAheadGetter(gridBlockGetter(servers), { windowBlocks: DOWNLOAD_READ_AHEAD_BLOCKS, signal: options.signal });
  try {
    const content = readFile(cap.cid, blocks, options);
    yield* cap.kind === 'chk' ? decryptCtr(cap.key, content, options) : content;
  } finally {
    await blocks.close();
  }
}
