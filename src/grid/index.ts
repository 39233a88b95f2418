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
export { sendError } from './swissnum-route.js';
export { createStorageHandler, STORAGE_PATH_PREFIX, LEASE_RENEW_HEADER, LEASE_CANCEL_HEADER, DEFAULT_CONNECTION_MAX_BYTES } from './storage-server.js';
export type { StorageServerOptions, StorageHandler, StorageRoute } from './storage-server.js';
export { LeaseStore, leaseExpiry, parseLeaseFile, DEFAULT_LEASE_DURATION_MS, MAX_LEASES_PER_BLOCK } from './lease-store.js';
export type { LeaseSecrets, StoredLease, LeaseStoreOptions } from './lease-store.js';
export { LeaseCrawler, LEASE_CRAWL_INTERVAL_MS } from './lease-crawler.js';
export type { CrawlResult, LeaseCrawlerOptions } from './lease-crawler.js';
export { loadOrCreateLeaseSecret, leaseSecretsFor, LEASE_SECRET_FILE } from './lease-secrets.js';
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
export { encodeManifest, parseManifest, isSafeEntryName, MAX_MANIFEST_BYTES, MANIFEST_VERSION } from './directory-manifest.js';
export type { ManifestEntry } from './directory-manifest.js';
export { listCapability, downloadTree, readManifest } from './directory-transfer.js';
export type { ListedEntry, Listing, DownloadTreeOptions } from './directory-transfer.js';
export { capabilityBlocks, walkLeases } from './lease-walk.js';
export type { LeaseWalkResult } from './lease-walk.js';
export { signAnnouncement, verifyAnnouncement, parseAnnouncement, nextSeq, keyHashOfRawEd25519, ANNOUNCEMENT_LIMITS, ANNOUNCEMENT_CONTEXT } from './announcement.js';
export type { AnnouncementFields, SignedAnnouncement, VerifiedAnnouncement } from './announcement.js';
export { openIntroducerServer, INTRODUCER_PATH_PREFIX, INTRODUCER_SERVER_DEFAULTS } from './introducer-server.js';
export type { IntroducerServer, IntroducerServerOptions } from './introducer-server.js';
export { IntroducerClient, Announcer, IntroducerSubscription, applyAnnouncements, INTRODUCER_CLIENT_DEFAULTS } from './introducer-client.js';
export type { IntroducerClientOptions, AnnouncementList, AnnouncerOptions, SubscriptionOptions } from './introducer-client.js';
