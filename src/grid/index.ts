/**
 * src/grid: the grid of issue #4 — service addresses (pb://KEYHASH@HINTS/SWISSNUM), the node's TLS identity,
 * the storage server, storage clients, convergent encryption and uploads/downloads, signed announcements and
 * the introducer (server and client). Never opens a socket:
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
export { loadOrCreateConvergenceSecret, convergentKey, aesCtr, decryptCtr, hashFile, formatCapability, parseCapability, CONVERGENCE_FILE } from './convergent.js';
export type { Capability } from './convergent.js';
export { uploadFile, downloadCapability, gridBlockGetter } from './transfer.js';
export type { UploadOptions, UploadResult } from './transfer.js';
export { ServerDirectory } from './server-directory.js';
export type { KnownServer, DirectoryListener } from './server-directory.js';
export { signAnnouncement, verifyAnnouncement, parseAnnouncement, nextSeq, keyHashOfRawEd25519, ANNOUNCEMENT_LIMITS, ANNOUNCEMENT_CONTEXT } from './announcement.js';
export type { AnnouncementFields, SignedAnnouncement, VerifiedAnnouncement } from './announcement.js';
export { openIntroducerServer, INTRODUCER_PATH_PREFIX, INTRODUCER_SERVER_DEFAULTS } from './introducer-server.js';
export type { IntroducerServer, IntroducerServerOptions } from './introducer-server.js';
export { IntroducerClient, Announcer, IntroducerSubscription, applyAnnouncements, INTRODUCER_CLIENT_DEFAULTS } from './introducer-client.js';
export type { IntroducerClientOptions, AnnouncementList, AnnouncerOptions, SubscriptionOptions } from './introducer-client.js';
