/**
 * `veil lease renew|cancel CAP` (issue #4 §3): finds every block a capability needs — the DAG of a file, and for
 * a private directory its manifest's DAG plus, recursively, every entry's — then renews or cancels this node's
 * lease on each block at each server, with the secrets derived for that server, this capability's root and the
 * block (lease-secrets.ts): the leases of this upload, not those of other uploads sharing blocks.
 * Raw leaves are never fetched (only dag-pb nodes and manifests are read), so a walk costs little next to a
 * download. All blocks are found before any lease is cancelled: a cancel may delete blocks.
 *
 * Progress: `grid:lease` { done, total } per block and server.
 */
import * as dagPb from '@ipld/dag-pb';
import { VeilError, isVeilError, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { CODEC, cidKey, isIdentityCid, type BlockGetter, type CID } from '../content/index.js';
import { parseCapability, type Capability } from './convergent.js';
import { parseManifest } from './directory-manifest.js';
import { readManifest } from './directory-transfer.js';
import { leaseSecretsFor } from './lease-secrets.js';
import type { StorageClient } from './storage-client.js';

const MAX_BLOCKS = 10_000_000;

/** Every block CID (identity CIDs excluded) that `cap` needs, deduplicated. Honours `signal`. */
export async function capabilityBlocks(cap: Capability, getter: BlockGetter, options: AbortOptions = {}): Promise<CID[]> {
  const seen = new Map<string, CID>();
  const walkDag = async (root: CID): Promise<void> => {
    const stack = [root];
    while (stack.length > 0) {
      throwIfAborted(options.signal, 'walk DAG');
      const cid = stack.pop()!;
      const key = cidKey(cid);
      if (seen.has(key) || isIdentityCid(cid)) continue;
      if (seen.size >= MAX_BLOCKS) throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', `the DAG has more than ${MAX_BLOCKS} blocks`);
      seen.set(key, cid);
      if (cid.code !== CODEC.dagPb) continue;
      let node: dagPb.PBNode;
      try {
        node = dagPb.decode(await getter.get(cid, options));
      } catch (err) {
        if (isVeilError(err)) throw err;
        throw new VeilError('VEIL_CONTENT_NOT_UNIXFS', 'block is not valid dag-pb', { cause: err });
      }
      for (const link of node.Links) stack.push(link.Hash);
    }
  };
  const visit = async (c: Capability, depth: number): Promise<void> => {
    if (depth > 64) throw new VeilError('VEIL_GRID_DIRECTORY_INVALID', 'directories nested deeper than 64');
    await walkDag(c.cid);
    if (c.kind !== 'dir') return;
    for (const e of parseManifest(await readManifest(c, getter, options))) {
      if (e.type !== 'symlink') await visit(parseCapability(e.cap), depth + 1);
    }
  };
  await visit(cap, 0);
  return [...seen.values()];
}

export interface LeaseWalkResult {
  readonly blocks: number;
  /** Per server name: blocks whose lease was renewed/cancelled, and blocks it had no (matching) lease for. */
  readonly servers: Readonly<Record<string, { readonly done: number; readonly missing: number; readonly error?: string }>>;
}

/**
 * Renews (`renew`: adds or renews, so a server that lost the lease gets it back while it holds the block) or
 * cancels (`cancel`) this node's lease on every block of `cap` at every server. A server's failure is recorded,
 * not thrown; throws VEIL_GRID_BLOCK_UNAVAILABLE when the blocks cannot be found, VEIL_ABORTED. Honours `signal`.
 */
export async function walkLeases(
  action: 'renew' | 'cancel',
  cap: Capability,
  servers: readonly StorageClient[],
  getter: BlockGetter,
  leaseSecret: Uint8Array,
  options: AbortOptions & ProgressOptions = {},
): Promise<LeaseWalkResult> {
  if (servers.length === 0) throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers are known');
  const blocks = await capabilityBlocks(cap, getter, options);
  const total = blocks.length * servers.length;
  let done = 0;
  const results: Record<string, { done: number; missing: number; error?: string }> = Object.create(null) as Record<string, { done: number; missing: number }>;
  await Promise.all(
    servers.map(async (server) => {
      const secretsFor = leaseSecretsFor(leaseSecret, server.address.keyHash, cap.cid);
      const r: { done: number; missing: number; error?: string } = { done: 0, missing: 0 };
      results[server.name] = r;
      try {
        for (const cid of blocks) {
          throwIfAborted(options.signal, `lease ${action}`);
          const secrets = secretsFor(cid);
          try {
            if (action === 'renew') await server.addLease(cid, secrets, options);
            else await server.cancelLease(cid, secrets.cancel, options);
            r.done++;
          } catch (err) {
            if (!isVeilError(err, 'VEIL_GRID_LEASE_NOT_FOUND')) throw err;
            r.missing++;
          }
          report(options, 'grid:lease', { done: ++done, total });
        }
      } catch (err) {
        if (isVeilError(err, 'VEIL_ABORTED')) throw err;
        r.error = isVeilError(err) ? `${err.code}: ${err.message}` : String(err);
      }
    }),
  );
  return { blocks: blocks.length, servers: results };
}
