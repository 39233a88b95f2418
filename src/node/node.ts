/**
 * The composition root of a running node (`veil run`): reads and validates the configuration before any socket
 * opens, then starts, in order: Tor access (launched or connected, supervised), the peer listeners on tub.port,
 * the node's onion service (republished from its saved key), the router, the grid membership (announcing to and
 * subscribing at the introducer, grid-membership.ts), and the web port (gateway and status).
 * close() stops them in reverse order; every child process and socket is gone when it resolves.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Scope, VeilError, logger, report, sensitive, throwIfAborted, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { loadNodeConfig, formatConnectionHint, type NodeConfig } from '../config/index.js';
import { listenHttp, type HttpListener, type Router } from '../net/index.js';
import { FsBlockstore } from '../content/index.js';
import { createGatewayHandler } from '../gateway/index.js';
import { ServerDirectory } from '../grid/index.js';
import { createNameResolver } from '../names/index.js';
import { b32Address } from '../i2p/index.js';
import { openTransports } from './transports.js';
import { readSavedServices } from './onion-registry.js';
import { republishSavedOnionServices, type SavedOnionPublisher } from './onion-publisher.js';
import { applySavedClientKeys } from './onion-client-keys.js';
import { buildRouter } from './peer-client.js';
import { createPeerService, sendJson } from './peer-service.js';
import { publishOnionService, type PublishedOnion } from './onion-service.js';
import { buildStatus, type GridStatus, type NodeStatus } from './status.js';
import { addConfiguredServers, createFetchMissingBlock, openCapability } from './gateway-sources.js';
import { GridRecordStore } from './grid-records.js';
import { startGridMembership } from './grid-membership.js';
import { readTestnetJoin, type TestnetJoin } from './testnet-join.js';
import { ConnectionLog } from './connection-log.js';

/** `ADDR.b32.i2p` of a peer's destination (base64, as SAM gives it); a placeholder if SAM gave something else. */
function peerB32(destination: string): string {
  try {
    return b32Address(destination);
  } catch {
    return 'unknown-destination';
  }
}

const log = logger('veil:node');

export const NODE_URL_FILE = 'node.url';
export const NODE_PID_FILE = 'node.pid';

export interface StartNodeOptions extends AbortOptions, ProgressOptions {
  /**
   * Lets a tor launched by the node join the public Tor network. Required for `[tor] launch = true` outside a
   * private test network; refused when VEIL_TESTNET is set (a test run).
   */
  readonly allowPublicNetwork?: boolean | undefined;
}

export interface RunningNode {
  readonly config: NodeConfig;
  readonly router: Router;
  /** Storage servers known now (introducer subscription, grid-membership.ts). */
  readonly directory: ServerDirectory;
  /** URL of the web port (gateway and status), when enabled. */
  readonly webUrl: string | undefined;
  /** `<id>.onion` of the node's own onion service, once published. */
  readonly onionAddress: string | undefined;
  status(): NodeStatus;
  close(): Promise<void>;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}


/** Starts the node in `nodeDir`. Throws VEIL_CONFIG_* before opening any socket; honours `signal`. */
export async function startNode(nodeDir: string, options: StartNodeOptions = {}): Promise<RunningNode> {
  throwIfAborted(options.signal, 'start node');
  const config = await loadNodeConfig(nodeDir, { signal: options.signal });
  const join_: TestnetJoin | undefined = await readTestnetJoin(config, options);
  if (config.tor.launch && !join_ && options.allowPublicNetwork !== true) {
    throw new VeilError('VEIL_NODE_PUBLIC_NETWORK_REFUSED', 'refusing to launch a tor that joins the public Tor network in this context', {
      hint: 'run `veil run` from a terminal (it allows the public network), or set [testnet] join to a private network',
    });
  }
  if (config.i2p.launch && !join_ && options.allowPublicNetwork !== true) {
    throw new VeilError('VEIL_NODE_PUBLIC_NETWORK_REFUSED', 'refusing to launch an i2pd that joins the public I2P network in this context', {
      hint: 'run `veil run` from a terminal (it allows the public network), or set [testnet] join to a private network with I2P',
    });
  }
  const version = packageVersion();
  const scope = new Scope();
  const started = Date.now();
  try {
    // 1. Tor and I2P.
    const hasSavedOnions = (await readSavedServices(nodeDir)).services.length > 0;
    const { tor, i2p } = await openTransports(config, scope, {
      requireTor: hasSavedOnions,
      join: join_,
      allowPublicNetwork: options.allowPublicNetwork === true,
      signal: options.signal,
      onProgress: options.onProgress,
    });

    // 2. Peer listeners (tub.port): TCP listeners, the onion service's local port, and I2P streams.
    // HTTPS with the node's TLS key; the storage server when [storage] enabled (peer-service.ts, issue #4).
    const peers = scope.adopt(await createPeerService(config, version));
    // Who is connected and how, for `veil status` (inbound here, outbound from the router below).
    const connections = new ConnectionLog();
    const onionPort = config.tor.onion?.localPort;
    // The onion service's local port only ever carries Tor; its clients are anonymous (one entry for all).
    const onionAccept = { onAccept: (socket: Socket) => connections.inbound('an onion service client', 'tor', socket) };
    const tcpAccept = { onAccept: (socket: Socket) => connections.inbound(`tcp:${socket.remoteAddress ?? '?'}`, 'direct', socket) };
    const listeners: HttpListener[] = [];
    if (config.node.tubPort.kind === 'listeners') {
      for (const l of config.node.tubPort.listeners) {
        if (l.kind === 'tcp') {
          const isOnionPort = l.port === onionPort && (l.interface === '127.0.0.1' || l.interface === undefined);
          listeners.push(scope.adopt(await peers.listen({ kind: 'tcp', host: l.interface ?? '0.0.0.0', port: l.port }, { ...options, ...(isOnionPort ? onionAccept : tcpAccept) })));
        } else if (l.kind === 'unix') listeners.push(scope.adopt(await peers.listen(l, options)));
        else if (l.kind === 'tor') {
          if (!config.tor.onion) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): listen:tor without [tor] onion');
          listeners.push(scope.adopt(await peers.listen({ kind: 'tcp', host: '127.0.0.1', port: config.tor.onion.localPort }, { ...options, ...onionAccept })));
        } else if (l.kind === 'i2p') {
          if (!i2p) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): listen:i2p without an I2P session');
          i2p.serve((stream, peer) => {
            connections.inbound(`i2p:${peerB32(peer)}`, 'i2p', stream);
            peers.accept(stream);
          });
        }
      }
    }

    // 3. The node's onion service, republished from its key after every (re)connect to tor.
    let onion: PublishedOnion | undefined;
    const onionSpec = config.tor.onion;
    if (onionSpec && tor) {
      if (!listeners.some((l) => l.target.kind === 'tcp' && l.target.port === onionSpec.localPort)) {
        listeners.push(scope.adopt(await peers.listen({ kind: 'tcp', host: '127.0.0.1', port: onionSpec.localPort }, { ...options, ...onionAccept })));
      }
      await tor.onReady(async (access, signal) => {
        if (!access.control) throw new VeilError('VEIL_NODE_TOR_REQUIRED', 'cannot publish the onion service: no Tor control connection');
        await onion?.close();
        onion = await publishOnionService(
          access.control,
          { keyFile: onionSpec.privateKeyFile, virtualPort: onionSpec.externalPort, localPort: onionSpec.localPort },
          { signal, onProgress: options.onProgress },
        );
      });
      scope.defer(() => onion?.close());
      if (!onion) throw new VeilError('VEIL_NODE_TOR_REQUIRED', 'the onion service could not be published', { hint: 'check the log above; `veil doctor` will say more' });
    }

    // 3b. Onion services saved with `veil onion add`, republished after every (re)connect to tor.
    let saved: SavedOnionPublisher | undefined;
    if (tor) {
      await tor.onReady(async (access, signal) => {
        await saved?.close();
        saved = undefined;
        if (!access.control) return; // a SOCKS-only tor cannot publish: `veil doctor` reports it
        saved = await republishSavedOnionServices(access.control, nodeDir, { signal, onProgress: options.onProgress });
        // Keys for onion services that need client authorization (`veil onion auth use`).
        await applySavedClientKeys(access.control, nodeDir, { signal });
      });
      scope.defer(() => saved?.close());
    }

    // 4. The router: the only way this node dials peers.
    const router = buildRouter(config, tor, i2p, { onDial: (hint, transport, outcome) => connections.outbound(hint, transport, outcome) });
    // The storage servers this node knows (filled by the introducer subscription, issue #4); read by the
    // gateway's missing-block fetches and IPNS lookups.
    const directory = scope.adopt(new ServerDirectory());
    // [client] storage.servers first; with [client] introducer.furl the introducer adds (and removes) the rest.
    addConfiguredServers(directory, config, router);
    // With [client] introducer.furl: announce this node's storage and fill the directory from the introducer.
    const grid = scope.adopt(startGridMembership({ config, router, directory, announcement: peers.announcement }));
    const gridStatus = (): GridStatus => ({
      introducer: peers.introducer ? { furl: peers.introducerFurl, announcements: peers.introducer.list().length } : undefined,
      storageFurl: peers.storageFurl,
      announced: grid.announcer ? (grid.announcer.lastError ?? (grid.announcer.lastAccepted ? `accepted ${new Date(grid.announcer.lastAccepted).toISOString()}` : 'not yet')) : undefined,
      subscription: grid.subscription ? (grid.subscription.lastError ?? (grid.subscription.lastUpdate ? 'connected' : 'connecting')) : undefined,
      servers: directory.list().map((k) => ({ nickname: k.nickname ?? '', keyHash: k.keyHash, availableBytes: k.availableBytes })),
    });

    // 5. Web port: gateway and status, on loopback by default.
    let webUrl: string | undefined;
    const status = (): NodeStatus =>
      buildStatus({ config, version, startedAt: started, tor, i2p, onion, saved, listeners, webUrl, router, grid: gridStatus(), gridPeers: grid.connections(), connections });
    if (config.node.webPort) {
      const blockstore = await FsBlockstore.open(join(nodeDir, 'blocks'));
      // /ipns/: local IPNS records, then the storage servers' (grid-records.ts), and DNSLink over DoH through the
      // router (src/names). Missing blocks: the grid, then public gateways (gateway-sources.ts). /uri/: capabilities.
      const remoteRecords = new GridRecordStore(() => directory.clients());
      const names = scope.adopt(createNameResolver({ nodeDir, dohResolver: config.gateway.dnsResolver, router, remoteRecords }));
      const fetchMissingBlock = createFetchMissingBlock({ directory, config, router, scope });
      const gateway = createGatewayHandler({ blockstore, hooks: { resolveName: names.resolveName, fetchMissingBlock, openCapability } });
      const wp = config.node.webPort;
      const target = wp.kind === 'tcp' ? { kind: 'tcp' as const, host: wp.interface ?? '0.0.0.0', port: wp.port } : wp.kind === 'unix' ? wp : undefined;
      if (!target) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): web.port of an unexpected kind');
      const web = scope.adopt(
        await listenHttp(
          target,
          (req, res) => {
            if (req.url === '/veil/v1/status' && (req.method === 'GET' || req.method === 'HEAD')) sendJson(res, 200, status());
            else gateway(req, res);
          },
          options,
        ),
      );
      webUrl = web.url;
      await writeFile(join(nodeDir, NODE_URL_FILE), `${webUrl}\n`);
      scope.defer(() => rm(join(nodeDir, NODE_URL_FILE), { force: true }));
    }
    await writeFile(join(nodeDir, NODE_PID_FILE), `${process.pid}\n`);
    scope.defer(() => rm(join(nodeDir, NODE_PID_FILE), { force: true }));
    log.info('node ready', sensitive(config.node.tubLocation.kind === 'entries' ? config.node.tubLocation.entries.map((e) => (e.kind === 'auto' ? 'AUTO' : formatConnectionHint(e))).join(',') : 'no location'));
    report(options, 'node:ready', { ms: Date.now() - started });
    return {
      config,
      router,
      directory,
      webUrl,
      get onionAddress() {
        return onion?.address;
      },
      status,
      close: () => scope.close(),
    };
  } catch (err) {
    await scope.close().catch((e: unknown) => log.debug('cleanup after a failed start:', e));
    throw err;
  }
}

/** Reads NODEDIR/node.url (written by a running node). Throws VEIL_NODE_NOT_RUNNING. */
export async function readNodeUrl(nodeDir: string): Promise<string> {
  try {
    return (await readFile(join(nodeDir, NODE_URL_FILE), 'utf8')).trim();
  } catch (err) {
    throw new VeilError('VEIL_NODE_NOT_RUNNING', `no node is running in ${nodeDir} (no ${NODE_URL_FILE})`, {
      cause: err,
      hint: `start it with \`veil run ${nodeDir}\`; status needs the web port enabled`,
    });
  }
}
