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
import { Scope, VeilError, raceAbort, report, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { loadNodeConfig, type NodeConfig } from '../config/index.js';
import type { Router } from '../net/index.js';
import {
  IntroducerClient,
  StorageClient,
  downloadCapability,
  loadOrCreateConvergenceSecret,
  parseCapability,
  parseServiceAddress,
  uploadFile,
  type ServiceAddress,
  type UploadResult,
} from '../grid/index.js';
import { buildRouter } from './peer-client.js';
import { openTransports } from './transports.js';
import { readTestnetJoin } from './testnet-join.js';
import { introducerAddress } from './grid-membership.js';

export interface GridCommandOptions extends AbortOptions, ProgressOptions {
  /** Service addresses of storage servers (pb://KEYHASH@HINTS/SWISSNUM); none: ask the introducer. */
  readonly servers: readonly string[];
}

function storageClient(router: Router, address: ServiceAddress): StorageClient {
  return new StorageClient(address, {
    open: async (_host, _port, options) => (await router.dialFirst(address.hints, { peerId: address.keyHash, signal: options.signal })).stream,
  });
}

async function openGrid(nodeDir: string, options: GridCommandOptions, scope: Scope): Promise<{ config: NodeConfig; clients: StorageClient[] }> {
  throwIfAborted(options.signal, 'open the grid');
  const config = await loadNodeConfig(nodeDir, { signal: options.signal });
  let addresses = options.servers.map(parseServiceAddress);
  const introducer = addresses.length === 0 ? introducerAddress(config) : undefined;
  if (addresses.length === 0 && !introducer) {
    throw new VeilError('VEIL_GRID_NO_SERVERS', 'no storage servers given and no introducer configured', {
      hint: 'give each server with --server FURL (its NODEDIR/private/storage.furl), or set [client] introducer.furl in veil.cfg',
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
  const clients = addresses.map((a) => storageClient(router, a));
  for (const c of clients) scope.defer(() => c.close());
  return { config, clients };
}

/** Uploads a file; resolves with its capability. Throws VEIL_GRID_*, VEIL_ROUTE_*, VEIL_PEER_KEY_MISMATCH. */
export async function putFile(nodeDir: string, path: string, options: GridCommandOptions & { isPublic: boolean }): Promise<UploadResult> {
  await using scope = new Scope();
  const { config, clients } = await openGrid(nodeDir, options, scope);
  // `return await`: the scope (and the server connections) must outlive the upload.
  return await uploadFile(path, clients, {
    sharesHappy: config.client.sharesHappy,
    sharesTotal: config.client.sharesTotal,
    isPublic: options.isPublic,
    convergenceSecret: options.isPublic ? undefined : await loadOrCreateConvergenceSecret(nodeDir),
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Downloads a capability (or public CID) to `outPath` (written to a temp name, renamed when complete), or to
 * `out` when given a stream. Every block is verified. Resolves with the number of bytes written.
 */
export async function getFile(nodeDir: string, capText: string, target: { path: string } | { stream: NodeJS.WritableStream }, options: GridCommandOptions): Promise<number> {
  const cap = parseCapability(capText);
  await using scope = new Scope();
  const { clients } = await openGrid(nodeDir, options, scope);
  const temp = 'path' in target ? `${target.path}.veil-partial` : undefined;
  const out = temp ? createWriteStream(temp, { mode: 0o600 }) : (target as { stream: NodeJS.WritableStream }).stream;
  let bytes = 0;
  try {
    for await (const chunk of downloadCapability(cap, clients, options)) {
      bytes += chunk.length;
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
