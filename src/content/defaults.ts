/**
 * Defaults for src/content, in one table (STYLE: "All defaults live in one table").
 *
 * Import profiles pin every importer knob explicitly, so a change of default in ipfs-unixfs-importer can never
 * silently change our CIDs. Names and values follow IPIP-499 (UnixFS CID profiles) and Kubo's defaults:
 *  - `kubo-v0`        = Kubo `ipfs add` default = IPIP-499 `unixfs-v0-2015` (CIDv0, dag-pb leaves, 256 KiB, 174 links)
 *  - `kubo-v1-raw`    = Kubo `ipfs add --cid-version=1` (implies --raw-leaves; 256 KiB chunks, 174 links)
 *  - `unixfs-v1-2025` = IPIP-499 `unixfs-v1-2025` (CIDv1, raw leaves, 1 MiB chunks, 1024 links, block-bytes HAMT)
 */

export interface ImportProfile {
  readonly cidVersion: 0 | 1;
  readonly rawLeaves: boolean;
  readonly chunkSizeBytes: number;
  /** Balanced layout: most children per dag-pb node before the tree grows a level. */
  readonly maxChildrenPerNode: number;
  readonly reduceSingleLeafToSelf: boolean;
  /** A directory is turned into a HAMT shard when its estimated size exceeds this. */
  readonly shardSplitThresholdBytes: number;
  readonly shardSplitStrategy: 'links-bytes' | 'block-bytes';
  readonly shardFanoutBits: number;
}

export const IMPORT_PROFILES = Object.freeze({
  'kubo-v0': Object.freeze({
    cidVersion: 0,
    rawLeaves: false,
    chunkSizeBytes: 262_144,
    maxChildrenPerNode: 174,
    reduceSingleLeafToSelf: true,
    shardSplitThresholdBytes: 262_144,
    shardSplitStrategy: 'links-bytes',
    shardFanoutBits: 8,
  }),
  'kubo-v1-raw': Object.freeze({
    cidVersion: 1,
    rawLeaves: true,
    chunkSizeBytes: 262_144,
    maxChildrenPerNode: 174,
    reduceSingleLeafToSelf: true,
    shardSplitThresholdBytes: 262_144,
    shardSplitStrategy: 'links-bytes',
    shardFanoutBits: 8,
  }),
  'unixfs-v1-2025': Object.freeze({
    cidVersion: 1,
    rawLeaves: true,
    chunkSizeBytes: 1_048_576,
    maxChildrenPerNode: 1024,
    reduceSingleLeafToSelf: true,
    shardSplitThresholdBytes: 262_144,
    shardSplitStrategy: 'block-bytes',
    shardFanoutBits: 8,
  }),
} satisfies Record<string, ImportProfile>);

export type ImportProfileName = keyof typeof IMPORT_PROFILES;

export const CONTENT_DEFAULTS = Object.freeze({
  importProfile: 'kubo-v0' as ImportProfileName,
  /** Largest block accepted by a blockstore or a CAR import (1 MiB chunks plus dag-pb framing fit easily). */
  maxBlockBytes: 2 * 1024 * 1024,
  /** Largest CARv1 header accepted (a header holds the roots only). */
  maxCarHeaderBytes: 64 * 1024,
  /** Largest CAR stream accepted by importCar(). */
  maxCarBytes: 64 * 1024 * 1024 * 1024,
  /** Deepest DAG walked by the file reader and the CAR exporter (balanced trees are a few levels deep). */
  maxDagDepth: 64,
  /** Longest CID string parsed. */
  maxCidChars: 512,
  /** Minimum bytes between two `content:import-bytes` progress events. */
  progressIntervalBytes: 1024 * 1024,
});
