/**
 * What a node serves to its peers on its tub listeners (TCP, the onion service's local port, accepted I2P
 * streams). Every listener feeds one peer stream server (src/net peer-listeners) that speaks HTTPS with the
 * node's long-term TLS key (NODEDIR/private/node-tls.*; clients pin its KEYHASH); plain HTTP is answered only for
 * the public identity `GET /veil/v1/node` (used by `veil ping`). With `[storage] enabled = true` the storage
 * server (src/grid) is served under /veil/v1/storage/<SWISSNUM>/, and its service address is written to
 * NODEDIR/private/storage.furl. TODO(#4): the introducer is served here too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger, type Closable } from '../core/index.js';
import type { ConnectionHint, NodeConfig } from '../config/index.js';
import { createPeerStreamServer, type HttpListener, type HttpListenTarget, type PeerListenOptions } from '../net/index.js';
import { FsBlockstore } from '../content/index.js';
import { createStorageHandler, formatServiceAddress, loadOrCreateTlsIdentity, newSwissnum, type StorageHandler } from '../grid/index.js';

const log = logger('veil:node:peer');
export const STORAGE_DIR = 'storage';
export const STORAGE_SWISSNUM_FILE = 'private/storage.swissnum';
export const STORAGE_FURL_FILE = 'private/storage.furl';

export interface PeerService extends Closable {
  /** KEYHASH of the node's TLS key (what clients pin). */
  readonly keyHash: string;
  /** The storage server's service address, when storage is enabled and the node has connection hints. */
  readonly storageFurl: string | undefined;
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

async function loadOrCreateSwissnum(nodeDir: string): Promise<string> {
  const file = join(nodeDir, STORAGE_SWISSNUM_FILE);
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
function ownHints(config: NodeConfig): ConnectionHint[] {
  if (config.node.tubLocation.kind !== 'entries') return [];
  return config.node.tubLocation.entries.filter((e): e is ConnectionHint => e.kind !== 'auto');
}

/** Loads (or creates) the TLS identity and, with storage enabled, opens NODEDIR/storage and writes storage.furl. */
export async function createPeerService(config: NodeConfig, version: string): Promise<PeerService> {
  const identity = await loadOrCreateTlsIdentity(config.nodeDir);
  let storage: StorageHandler | undefined;
  let storageFurl: string | undefined;
  if (config.storage.enabled) {
    const blockstore = await FsBlockstore.open(join(config.nodeDir, STORAGE_DIR));
    const swissnum = await loadOrCreateSwissnum(config.nodeDir);
    storage = createStorageHandler({ blockstore, swissnum, version, reservedSpaceBytes: config.storage.reservedSpaceBytes });
    const hints = ownHints(config);
    if (hints.length > 0) {
      storageFurl = formatServiceAddress({ keyHash: identity.keyHash, hints, swissnum });
      await writeFile(join(config.nodeDir, STORAGE_FURL_FILE), `${storageFurl}\n`, { mode: 0o600 });
    } else log.warn('storage is enabled but tub.location has no connection hints: no storage.furl written');
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
      if (!identityHandler(req, res) && !storage?.(req, res)) sendJson(res, 404, { error: 'not found' });
    },
    plainHandler: (req, res) => {
      if (!identityHandler(req, res)) sendJson(res, 404, { error: 'not found (grid services need HTTPS)' });
    },
  });
  return {
    keyHash: identity.keyHash,
    storageFurl,
    listen: (target, options) => server.listen(target, options),
    accept: (stream) => server.accept(stream),
    close: () => server.close(),
  };
}
