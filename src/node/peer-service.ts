/**
 * What a node serves to its peers on its tub listeners (TCP, the onion service's local port, accepted I2P
 * streams). Every listener feeds one peer stream server (src/net peer-listeners) that speaks HTTPS with the
 * node's long-term TLS key (NODEDIR/private/node-tls.*; clients pin its KEYHASH); plain HTTP is answered only for
 * the public identity `GET /veil/v1/node` (used by `veil ping`). With `[storage] enabled = true` the storage
 * server (src/grid) is served under /veil/v1/storage/<SWISSNUM>/, and its service address is written to
 * NODEDIR/private/storage.furl; its leases live under NODEDIR/leases, and with `[storage] expire.enabled = true` a
 * lease crawler (owned here, stopped by close()) deletes blocks without a live lease.
 * With `[introducer] enabled = true` the introducer is served under
 * /veil/v1/introducer/<SWISSNUM>/ (its own swissnum), its fURL written to NODEDIR/private/introducer.furl and its
 * announcements kept in NODEDIR/private/introducer-announcements.json across restarts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createPrivateKey } from 'node:crypto';
import { readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger, type Closable } from '../core/index.js';
import type { ConnectionHint, NodeConfig } from '../config/index.js';
import { createPeerStreamServer, type HttpListener, type HttpListenTarget, type PeerListenOptions } from '../net/index.js';
import { FsBlockstore } from '../content/index.js';
import { FsRecordStore } from '../names/index.js';
import { ipnsRecordPolicy } from './grid-records.js';
import {
  LeaseCrawler,
  LeaseStore,
  createStorageHandler,
  formatServiceAddress,
  loadOrCreateTlsIdentity,
  newSwissnum,
  nextSeq,
  openIntroducerServer,
  signAnnouncement,
  type IntroducerServer,
  type SignedAnnouncement,
  type StorageHandler,
} from '../grid/index.js';

const log = logger('veil:node:peer');
export const STORAGE_DIR = 'storage';
export const LEASES_DIR = 'leases';
export const STORAGE_SWISSNUM_FILE = 'private/storage.swissnum';
export const STORAGE_FURL_FILE = 'private/storage.furl';
/** IPNS records the storage server keeps for other nodes (apart from the node's own NODEDIR/names). */
export const STORAGE_NAMES_DIR = 'storage-names';
export const INTRODUCER_SWISSNUM_FILE = 'private/introducer.swissnum';
export const INTRODUCER_FURL_FILE = 'private/introducer.furl';
export const INTRODUCER_STATE_FILE = 'private/introducer-announcements.json';

export interface PeerService extends Closable {
  /** KEYHASH of the node's TLS key (what clients pin). */
  readonly keyHash: string;
  /** The storage server's service address, when storage is enabled and the node has connection hints. */
  readonly storageFurl: string | undefined;
  /** The lease crawler, with `[storage] expire.enabled = true` (started; close() stops it). */
  readonly leaseCrawler: LeaseCrawler | undefined;
  /** The introducer, when this node is one ([introducer] enabled), and its service address. */
  readonly introducer: IntroducerServer | undefined;
  readonly introducerFurl: string | undefined;
  /**
   * This storage server's announcement, signed with the node's TLS key, with a fresh seq and the current free
   * space; undefined when the node offers no storage (or has no storage fURL).
   */
  readonly announcement: (() => Promise<SignedAnnouncement>) | undefined;
  /** Listens on a tub listener endpoint. Throws VEIL_LISTEN_FAILED; honours `signal`. */
  listen(target: HttpListenTarget, options?: PeerListenOptions): Promise<HttpListener>;
  /** Serves an accepted stream (I2P). */
  accept(stream: Duplex): void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function loadOrCreateSwissnum(nodeDir: string, name: string): Promise<string> {
  const file = join(nodeDir, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const swissnum = newSwissnum();
    await writeFile(file, `${swissnum}\n`, { mode: 0o600, flag: 'wx' });
    return swissnum;
  }
}

/** The node's own connection hints (tub.location without AUTO entries). */
export function ownHints(config: NodeConfig): ConnectionHint[] {
  if (config.node.tubLocation.kind !== 'entries') return [];
  return config.node.tubLocation.entries.filter((e): e is ConnectionHint => e.kind !== 'auto');
}

/** Loads (or creates) the TLS identity and, with storage enabled, opens NODEDIR/storage and writes storage.furl. */
export async function createPeerService(config: NodeConfig, version: string): Promise<PeerService> {
  const identity = await loadOrCreateTlsIdentity(config.nodeDir);
  let storage: StorageHandler | undefined;
  let storageFurl: string | undefined;
  let crawler: LeaseCrawler | undefined;
  if (config.storage.enabled) {
    const blockstore = await FsBlockstore.open(join(config.nodeDir, STORAGE_DIR));
    const leases = await LeaseStore.open(join(config.nodeDir, LEASES_DIR));
    const swissnum = await loadOrCreateSwissnum(config.nodeDir, STORAGE_SWISSNUM_FILE);
    const records = { policy: ipnsRecordPolicy(), store: new FsRecordStore(config.nodeDir, STORAGE_NAMES_DIR) };
    storage = createStorageHandler({
      blockstore,
      leases,
      swissnum,
      version,
      reservedSpaceBytes: config.storage.reservedSpaceBytes,
      connectionMaxBytes: config.storage.connectionMaxBytes,
      records,
    });
    if (config.storage.expireEnabled) {
      crawler = new LeaseCrawler({ blockstore, leases, policy: config.storage.expire });
      crawler.start();
    }
    const hints = ownHints(config);
    if (hints.length > 0) {
      storageFurl = formatServiceAddress({ keyHash: identity.keyHash, hints, swissnum });
      await writeFile(join(config.nodeDir, STORAGE_FURL_FILE), `${storageFurl}\n`, { mode: 0o600 });
    } else log.warn('storage is enabled but tub.location has no connection hints: no storage.furl written');
  }
  let announcement: PeerService['announcement'];
  if (storageFurl) {
    const furl = storageFurl;
    const key = createPrivateKey(identity.keyPem);
    const storageDir = join(config.nodeDir, STORAGE_DIR);
    let lastSeq: number | undefined;
    announcement = async () => {
      const s = await statfs(storageDir);
      lastSeq = nextSeq(lastSeq);
      return signAnnouncement(
        {
          // Announcements refuse control and direction-override characters: a nickname never stops announcing.
          nickname: config.node.nickname.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '?').slice(0, 64),
          storageFurl: furl,
          availableBytes: Math.max(0, Math.floor(s.bavail * s.bsize - config.storage.reservedSpaceBytes)),
          version,
          seq: lastSeq,
          issuedAt: Date.now(),
        },
        key,
      );
    };
  }
  let introducer: IntroducerServer | undefined;
  let introducerFurl: string | undefined;
  if (config.introducer.enabled) {
    introducerFurl = await writeIntroducerFurl(config, identity.keyHash);
    introducer = await openIntroducerServer({ swissnum: await loadOrCreateSwissnum(config.nodeDir, INTRODUCER_SWISSNUM_FILE), stateFile: join(config.nodeDir, INTRODUCER_STATE_FILE) });
  }
  const identityHandler = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || req.url !== '/veil/v1/node') return false;
    sendJson(res, 200, { nickname: config.node.nickname, version });
    return true;
  };
  const server = createPeerStreamServer({
    keyPem: identity.keyPem,
    certPem: identity.certPem,
    tlsHandler: (req, res) => {
      if (!identityHandler(req, res) && !storage?.(req, res) && !introducer?.handle(req, res)) sendJson(res, 404, { error: 'not found' });
    },
    plainHandler: (req, res) => {
      if (!identityHandler(req, res)) sendJson(res, 404, { error: 'not found (grid services need HTTPS)' });
    },
  });
  return {
    keyHash: identity.keyHash,
    storageFurl,
    leaseCrawler: crawler,
    introducer,
    introducerFurl,
    announcement,
    listen: (target, options) => server.listen(target, options),
    accept: (stream) => server.accept(stream),
    close: async () => {
      await crawler?.close();
      // Answer waiting long polls first, then close the listeners and connections.
      await introducer?.close();
      await server.close();
    },
  };
}

/**
 * Writes NODEDIR/private/introducer.furl (0600) from the node's TLS key hash, its introducer swissnum (created on
 * first use) and tub.location; resolves with the fURL, or undefined when the node has no connection hints.
 * Used by create-introducer (so the fURL can be handed out before the first run) and at every start.
 */
export async function writeIntroducerFurl(config: NodeConfig, keyHash?: string): Promise<string | undefined> {
  const hints = ownHints(config);
  if (hints.length === 0) {
    log.warn('this node is the introducer but tub.location has no connection hints: no introducer.furl written');
    return undefined;
  }
  const swissnum = await loadOrCreateSwissnum(config.nodeDir, INTRODUCER_SWISSNUM_FILE);
  const furl = formatServiceAddress({ keyHash: keyHash ?? (await loadOrCreateTlsIdentity(config.nodeDir)).keyHash, hints, swissnum });
  await writeFile(join(config.nodeDir, INTRODUCER_FURL_FILE), `${furl}\n`, { mode: 0o600 });
  return furl;
}
