/**
 * `veil put` / `veil get` without a running node (issue #4 §4): like `veil ping`, the command opens Tor/I2P
 * access per veil.cfg in-process, builds the same router `veil run` uses, and talks to each storage server given
 * by its service address. Each server gets its own Tor isolation token (the router's token for the server's
 * KEYHASH) and no client identity at all (no client certificate), so two servers cannot link the client by keys
 * or circuits. Without --server the servers come from the introducer (`[client] introducer.furl`): one request
 * for its current announcements, each verified here (signature and key binding) before its server is used.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Scope, VeilError, isVeilError, raceAbort, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { loadNodeConfig, type NodeConfig } from '../config/index.js';
import type { Router } from '../net/index.js';
import { statEntry } from '../content/index.js';
import {
  IntroducerClient,
  StorageClient,
  downloadCapability,
  downloadTree,
  gridBlockGetter,
  listCapability,
  loadOrCreateConvergenceSecret,
  loadOrCreateLeaseSecret,
  parseCapability,
  parseServiceAddress,
  uploadFile,
  walkLeases,
  type LeaseWalkResult,
  type Listing,
  type ServiceAddress,
  type UploadResult,
} from '../grid/index.js';
import { buildRouter } from './peer-client.js';
import { GridRecordStore, type GridPutResult } from './grid-records.js';
import { openTransports } from './transports.js';
import { readTestnetJoin } from './testnet-join.js';
import { introducerAddress } from './grid-membership.js';

export interface GridCommandOptions extends AbortOptions, ProgressOptions {
  /** Service addresses of storage servers (pb://KEYHASH@HINTS/SWISSNUM); none: ask the introducer. */
  readonly servers: readonly string[];
}

/** A client of one storage server whose connections the router opens, with the server's own isolation token. */
export function storageClientFor(router: Pick<Router, 'dialFirst'>, address: ServiceAddress): StorageClient {
  return new StorageClient(address, {
    open: async (_host, _port, options) => (await router.dialFirst(address.hints, { peerId: address.keyHash, signal: options.signal })).stream,
  });
}

/** `--server` addresses, then `[client] storage.servers`, one per server key. */
function gridAddresses(config: NodeConfig, options: GridCommandOptions): ServiceAddress[] {
  const byKey = new Map<string, ServiceAddress>();
  for (const text of [...options.servers, ...config.client.storageServers]) {
    const a = parseServiceAddress(text);
    if (!byKey.has(a.keyHash)) byKey.set(a.keyHash, a);
  }
  return [...byKey.values()];
}

async function openGrid(nodeDir: string, options: GridCommandOptions, scope: Scope): Promise<{ config: NodeConfig; clients: StorageClient[] }> {
  throwIfAborted(options.signal, 'open the grid');
  const config = await loadNodeConfig(nodeDir, { signal: options.signal });
  let addresses = gridAddresses(config, options);
  const introducer = addresses.length === 0 ? introducerAddress(config) : undefined;
  if (addresses.length === 0 && !introducer) {
    throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers given and no introducer configured', {
      hint: 'give each server with --server FURL (its NODEDIR/private/storage.furl), list them in [client] storage.servers, or set [client] introducer.furl',
    });
  }
  const kinds = new Set<'tor' | 'i2p'>();
  for (const a of addresses) for (const h of a.hints) if (h.kind === 'tor' || h.kind === 'i2p') kinds.add(h.kind);
  const join = await readTestnetJoin(config, options);
  // With the introducer the servers' hints are not known yet: open every transport the configuration allows.
  const { tor, i2p } = await openTransports(config, scope, { join, allowPublicNetwork: false, signal: options.signal, onlyFor: introducer ? undefined : kinds });
  const router = buildRouter(config, tor, i2p);
  if (introducer) {
    const client = scope.adopt(new IntroducerClient(introducer, { open: async (_h, _p, o) => (await router.dialFirst(introducer.hints, { peerId: introducer.keyHash, signal: o.signal })).stream }));
    const list = await client.list({ signal: options.signal });
    addresses = list.announcements.map((a) => a.address);
    report(options, 'grid:servers', { servers: addresses.length, refused: list.refused.length });
    if (addresses.length === 0) throw new VeilError('VEIL_GRID_NO_SERVERS', 'the introducer knows no storage servers yet', { hint: 'start the storage servers (with [client] introducer.furl) and retry in a minute' });
  }
  const clients = addresses.map((a) => storageClientFor(router, a));
  for (const c of clients) scope.defer(() => c.close());
  return { config, clients };
}

/**
 * Stores an IPNS record on the storage servers (`--server` and `[client] storage.servers`, else the introducer's); each keeps it only if
 * it is newer than the one it holds. Resolves undefined when no server is given at all. Throws VEIL_GRID_NOT_HAPPY
 * when no server took it, VEIL_ROUTE_*, VEIL_ABORTED.
 */
export async function publishRecordToGrid(nodeDir: string, name: string, record: Uint8Array, options: GridCommandOptions): Promise<GridPutResult | undefined> {
  let config: NodeConfig;
  try {
    config = await loadNodeConfig(nodeDir, { signal: options.signal });
  } catch (err) {
    // A content-only directory (blocks and names, no veil.cfg) publishes locally unless servers are given.
    if (options.servers.length === 0 && isVeilError(err, 'VEIL_CONFIG_UNREADABLE')) return undefined;
    throw err;
  }
  if (gridAddresses(config, options).length === 0 && !introducerAddress(config)) return undefined;
  await using scope = new Scope();
  const { clients } = await openGrid(nodeDir, options, scope);
  const store = new GridRecordStore(() => clients);
  const result = await store.putAll(name, record, options);
  if (result.stored === 0) {
    const list = Object.entries(result.failures).map(([n, m]) => `${n}: ${m}`).join('; ');
    throw new VeilError('VEIL_GRID_NOT_HAPPY', `the record is published locally, but no storage server took it${result.newer > 0 ? ` (${result.newer} hold a newer one)` : ''}${list ? ` (${list})` : ''}`, {
      details: { failures: result.failures },
    });
  }
  return result;
}

/** Uploads a file or a directory (private: veil:chk:/veil:dir:; public: a Kubo CID); resolves with its capability. Throws VEIL_GRID_*, VEIL_ROUTE_*, VEIL_PEER_KEY_MISMATCH. */
export async function putFile(nodeDir: string, path: string, options: GridCommandOptions & { isPublic: boolean }): Promise<UploadResult> {
  await using scope = new Scope();
  const { config, clients } = await openGrid(nodeDir, options, scope);
  // `return await`: the scope (and the server connections) must outlive the upload.
  return await uploadFile(path, clients, {
    sharesHappy: config.client.sharesHappy,
    sharesTotal: config.client.sharesTotal,
    isPublic: options.isPublic,
    convergenceSecret: options.isPublic ? undefined : await loadOrCreateConvergenceSecret(nodeDir),
    leaseSecret: await loadOrCreateLeaseSecret(nodeDir),
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Downloads a capability (or public CID). A file goes to `target.path` (written to a temp name, renamed when
 * complete) or to `target.stream`; a directory needs a path (the tree is written there, downloadTree). Every
 * block is verified. Reports `grid:download` { bytesDone, bytesTotal }. Resolves with the file bytes written.
 * Throws VEIL_INPUT_INVALID (a directory without a path), VEIL_GRID_*.
 */
export async function getFile(nodeDir: string, capText: string, target: { path: string } | { stream: NodeJS.WritableStream }, options: GridCommandOptions): Promise<number> {
  const cap = parseCapability(capText);
  await using scope = new Scope();
  const { clients } = await openGrid(nodeDir, options, scope);
  const getter = gridBlockGetter(clients);
  const root = cap.kind === 'dir' ? undefined : await statEntry(cap.cid, getter, options);
  if (cap.kind === 'dir' || root?.kind === 'directory') {
    if (!('path' in target)) throw new VeilError('VEIL_INPUT_INVALID', 'the capability names a directory: give -o PATH to write the tree to', { hint: 'veil get CAP -o DIR (or `veil ls CAP` to list it)' });
    return await downloadTree(cap, getter, target.path, options);
  }
  const bytesTotal = root?.size;
  const temp = 'path' in target ? `${target.path}.veil-partial` : undefined;
  const out = temp ? createWriteStream(temp, { mode: 0o600 }) : (target as { stream: NodeJS.WritableStream }).stream;
  let bytes = 0;
  try {
    for await (const chunk of downloadCapability(cap, getter, options)) {
      bytes += chunk.length;
      report(options, 'grid:download', { bytesDone: bytes, bytesTotal });
      if (!out.write(chunk)) await raceAbort(once(out, 'drain'), options.signal, 'write output');
    }
    if (temp && 'path' in target) {
      await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
      await rename(temp, target.path);
    }
  } catch (err) {
    if (temp) {
      (out as ReturnType<typeof createWriteStream>).destroy();
      await rm(temp, { force: true });
    }
    throw err;
  }
  return bytes;
}

/** What a capability names (`veil ls`): a directory's entries or a file's size. Throws VEIL_GRID_*. */
export async function listCap(nodeDir: string, capText: string, options: GridCommandOptions): Promise<Listing> {
  const cap = parseCapability(capText);
  await using scope = new Scope();
  const { clients } = await openGrid(nodeDir, options, scope);
  return await listCapability(cap, gridBlockGetter(clients), options);
}

/**
 * Renews or cancels this node's leases on every block of a capability, at every server (`veil lease`).
 * Per-server failures are in the result. Throws VEIL_GRID_BLOCK_UNAVAILABLE when the blocks cannot be found.
 */
export async function leaseCap(nodeDir: string, action: 'renew' | 'cancel', capText: string, options: GridCommandOptions): Promise<LeaseWalkResult> {
  const cap = parseCapability(capText);
  await using scope = new Scope();
  const { clients } = await openGrid(nodeDir, options, scope);
  return await walkLeases(action, cap, clients, gridBlockGetter(clients), await loadOrCreateLeaseSecret(nodeDir), options);
}
