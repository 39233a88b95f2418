/**
 * src/content: blocks, UnixFS import/export and CAR, through the IPFS libraries (multiformats,
 * ipfs-unixfs-importer/exporter, @ipld/dag-pb, @ipld/car). Never opens a socket; missing blocks come from a
 * caller-supplied fetcher (see gateway/resolver.ts).
 */
export { parseCid, decodeCid, cidKey, cidFor, verifyBlock, isIdentityCid, CODEC, MULTIHASH } from './cid.js';
export { CONTENT_DEFAULTS, IMPORT_PROFILES } from './defaults.js';
export type { ImportProfile, ImportProfileName } from './defaults.js';
export { MemoryBlockstore, blockNotFound } from './blockstore.js';
export type { Blockstore, BlockGetter, BlockPutter } from './blockstore.js';
export { FsBlockstore } from './fs-blockstore.js';
export type { FsBlockstoreOptions } from './fs-blockstore.js';
export { importFile, importDirectory, importerOptions } from './importer.js';
export type { ImportOptions, ImportResult, ByteSource, DirectoryEntry } from './importer.js';
export { resolvePath, statEntry, listDirectory, readFile } from './unixfs-reader.js';
export type { Entry, EntryKind, DirectoryListing, ResolvedPath, ReadOptions } from './unixfs-reader.js';
export { carBlocks, exportCar, importCar, walkDag, CAR_CONTENT_TYPE } from './car.js';
export type { CarImportOptions, CarImportResult, ExportCarOptions } from './car.js';
export { CarFrameLimiter } from './car-limits.js';
export type { CarLimits } from './car-limits.js';
export { readThrough } from './read-through.js';
export { BlockCache } from './block-cache.js';
export { ReadAheadGetter } from './read-ahead.js';
export type { ReadAheadOptions } from './read-ahead.js';
export type { FetchMissingBlock } from './read-through.js';
export type { CID } from 'multiformats/cid';
