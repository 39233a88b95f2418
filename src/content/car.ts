/**
 * CARv1 export and import (CARv1 spec: https://ipld.io/specs/transport/car/carv1/).
 *
 * Export streams: the header comes from @ipld/car's CarBufferWriter, then one `varint | CID | bytes` frame per
 * block, produced only when the consumer pulls (so a slow HTTP client holds one block in memory). Blocks are in
 * depth-first pre-order without duplicates: the trustless gateway's `order=dfs; dups=n`.
 * Import verifies every block (the blockstore's put hashes it) behind CarFrameLimiter.
 */
import * as dagPb from '@ipld/dag-pb';
import { CarBlockIterator } from '@ipld/car/iterator';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { varint } from 'multiformats';
import type { CID } from 'multiformats/cid';
import { VeilError, isVeilError, throwIfAborted, type AbortOptions } from '../core/index.js';
import type { BlockGetter, BlockPutter } from './blockstore.js';
import { CODEC, cidKey, isIdentityCid } from './cid.js';
import { CarFrameLimiter, type CarLimits } from './car-limits.js';
import { CONTENT_DEFAULTS } from './defaults.js';

/** Trustless gateway spec §CAR Responses: version, order and dups parameters. */
export const CAR_CONTENT_TYPE = 'application/vnd.ipld.car; version=1; order=dfs; dups=n';

export type DagScope = 'all' | 'entity' | 'block';

export interface ExportCarOptions extends AbortOptions {
  /**
   * Trustless gateway `dag-scope`: `all` (default) walks the whole DAG; `block` only the root; `entity` the whole
   * file, or only the directory node for directories.
   */
  scope?: DagScope;
  /** Blocks sent before the root's DAG (the blocks needed to verify a path down to it), in order. */
  pathCids?: readonly CID[];
}

/** Depth-first pre-order walk of the blocks under `root`, without duplicates. Identity CIDs are skipped. */
export async function* walkDag(root: CID, store: BlockGetter, options: ExportCarOptions = {}): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const scope = options.scope ?? 'all';
  const seen = new Set<string>();
  const stack: Array<{ cid: CID; depth: number }> = [];
  for (const cid of [...(options.pathCids ?? [])].reverse()) stack.push({ cid, depth: 0 });
  // path blocks are emitted first: they sit on top of the stack, the root's DAG below them
  stack.unshift({ cid: root, depth: 0 });
  const pathCount = options.pathCids?.length ?? 0;
  let emitted = 0;
  while (stack.length > 0) {
    throwIfAborted(options.signal, 'walk DAG');
    const { cid, depth } = stack.pop()!;
    const key = cidKey(cid);
    if (seen.has(key)) continue;
    seen.add(key);
    if (depth > CONTENT_DEFAULTS.maxDagDepth) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'DAG is deeper than allowed');
    const isPathBlock = emitted < pathCount;
    if (isIdentityCid(cid)) {
      emitted++;
      continue;
    }
    const bytes = await store.get(cid, options);
    emitted++;
    yield { cid, bytes };
    if (isPathBlock || cid.code !== CODEC.dagPb || scope === 'block') continue;
    let node: dagPb.PBNode;
    try {
      node = dagPb.decode(bytes);
    } catch (err) {
      throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'block is not valid dag-pb', { cause: err });
    }
    if (scope === 'entity' && depth === 0 && isDirectoryNode(node)) continue;
    for (let i = node.Links.length - 1; i >= 0; i--) stack.push({ cid: node.Links[i]!.Hash, depth: depth + 1 });
  }
}

function isDirectoryNode(node: dagPb.PBNode): boolean {
  // UnixFS Data field 1 (Type) = 1 (Directory) or 5 (HAMTShard): bytes 0x08 0x01 / 0x08 0x05 (UnixFS spec §Data).
  const data = node.Data;
  return data !== undefined && data.length >= 2 && data[0] === 0x08 && (data[1] === 0x01 || data[1] === 0x05);
}

/** The CARv1 header for `roots`, encoded by @ipld/car. */
export function carHeader(roots: readonly CID[]): Uint8Array {
  const buffer = new ArrayBuffer(CarBufferWriter.headerLength({ roots: [...roots] }));
  const writer = CarBufferWriter.createWriter(buffer, { roots: [...roots] });
  return writer.close();
}

/** One CARv1 block frame: varint(len(CID)+len(bytes)) | CID | bytes. */
export function carFrame(cid: CID, bytes: Uint8Array): Uint8Array {
  const length = cid.bytes.length + bytes.length;
  const prefix = varint.encodeTo(length, new Uint8Array(varint.encodingLength(length)));
  const out = new Uint8Array(prefix.length + length);
  out.set(prefix, 0);
  out.set(cid.bytes, prefix.length);
  out.set(bytes, prefix.length + cid.bytes.length);
  return out;
}

/**
 * Streams a CARv1 of the DAG rooted at `root`. Throws (mid-stream) VEIL_CONTENT_BLOCK_NOT_FOUND when a block is
 * missing, VEIL_ABORTED on `signal`.
 */
export async function* exportCar(root: CID, store: BlockGetter, options: ExportCarOptions = {}): AsyncGenerator<Uint8Array> {
  throwIfAborted(options.signal, 'export CAR');
  yield carHeader([root]);
  for await (const { cid, bytes } of walkDag(root, store, options)) yield carFrame(cid, bytes);
}

export interface CarImportOptions extends AbortOptions {
  limits?: Partial<CarLimits>;
}

export interface CarImportResult {
  roots: CID[];
  blocks: number;
}

/**
 * The blocks of an untrusted CARv1 stream, in stream order, under the size limits (CarFrameLimiter). Blocks are
 * NOT verified against their CIDs here: the caller does (a blockstore's put, or verifyBlock). Resolves the roots
 * first through `onRoots`. Throws VEIL_CONTENT_CAR_INVALID (malformed, not version 1), VEIL_CONTENT_CAR_LIMIT,
 * VEIL_ABORTED.
 */
export async function* carBlocks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: CarImportOptions & { onRoots?: (roots: CID[]) => void } = {},
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const limiter = new CarFrameLimiter({
    maxHeaderBytes: options.limits?.maxHeaderBytes ?? CONTENT_DEFAULTS.maxCarHeaderBytes,
    maxFrameBytes: options.limits?.maxFrameBytes ?? CONTENT_DEFAULTS.maxBlockBytes + 128,
    maxTotalBytes: options.limits?.maxTotalBytes ?? CONTENT_DEFAULTS.maxCarBytes,
  });
  async function* guarded(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      throwIfAborted(options.signal, 'read CAR');
      limiter.feed(chunk);
      yield chunk;
    }
    limiter.end();
  }
  let blocks = 0;
  try {
    const iterator = await CarBlockIterator.fromIterable(guarded());
    if (iterator.version !== 1) throw new VeilError('VEIL_CONTENT_CAR_INVALID', `CAR version ${iterator.version} is not supported (only CARv1)`);
    options.onRoots?.((await iterator.getRoots()) as unknown as CID[]);
    for await (const { cid, bytes } of iterator) {
      blocks++;
      yield { cid: cid as unknown as CID, bytes };
    }
  } catch (err) {
    throwIfAborted(options.signal, 'read CAR');
    if (isVeilError(err)) throw err;
    throw new VeilError('VEIL_CONTENT_CAR_INVALID', `malformed CAR after ${blocks} blocks: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Imports a CARv1 stream, verifying and storing every block. Throws VEIL_CONTENT_CAR_INVALID (malformed, not
 * version 1), VEIL_CONTENT_CAR_LIMIT, VEIL_CONTENT_BLOCK_MISMATCH (a block lies about its CID; the blocks before
 * it are kept, as they were verified), VEIL_ABORTED.
 */
export async function importCar(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, store: BlockPutter, options: CarImportOptions = {}): Promise<CarImportResult> {
  let roots: CID[] = [];
  let blocks = 0;
  for await (const { cid, bytes } of carBlocks(source, { ...options, onRoots: (r) => (roots = r) })) {
    await store.put(cid, bytes, { signal: options.signal });
    blocks++;
  }
  return { roots, blocks };
}
