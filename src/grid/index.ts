/**
 * src/grid: the grid of issue #4 — service addresses (pb://KEYHASH@HINTS/SWISSNUM), the node's TLS identity,
 * the storage server, storage clients, convergent encryption and uploads/downloads. Never opens a socket:
 * streams come from the router through src/net (pinned TLS); servers are fed streams by the node's listeners.
 */
export { generateTlsIdentity, loadOrCreateTlsIdentity, keyHashOf, selfSignedCertificate, TLS_KEY_FILE, TLS_CERT_FILE } from './tls-identity.js';
export type { TlsIdentity } from './tls-identity.js';
export { parseServiceAddress, formatServiceAddress, newSwissnum, KEY_HASH_CHARS } from './service-address.js';
export type { ServiceAddress } from './service-address.js';
export { createStorageHandler, STORAGE_PATH_PREFIX } from './storage-server.js';
export type { StorageServerOptions, StorageHandler } from './storage-server.js';
export { StorageClient, STORAGE_CLIENT_DEFAULTS } from './storage-client.js';
export type { StorageClientOptions } from './storage-client.js';
export { loadOrCreateConvergenceSecret, convergentKey, aesCtr, decryptCtr, decryptCtrAt, hashFile, formatCapability, parseCapability, CONVERGENCE_FILE } from './convergent.js';
export type { Capability } from './convergent.js';
export { uploadFile, downloadCapability, gridBlockGetter } from './transfer.js';
export type { UploadOptions, UploadResult } from './transfer.js';
export { ServerDirectory } from './server-directory.js';
export type { KnownServer, DirectoryListener } from './server-directory.js';
export { createRecordHandler, IPNS_RECORD_CONTENT_TYPE, MAX_RECORD_BYTES } from './record-server.js';
export type { RecordPolicy, ServerRecordStore, RecordServerOptions } from './record-server.js';
