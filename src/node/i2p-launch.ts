/**
 * `[i2p] launch = true`: the node starts its own i2pd (src/i2p/launch.ts) with its data in `i2p.configdir`
 * (default NODEDIR/private/i2p), a SAM port picked at start, NTCP2 only on a loopback address when it joins a
 * private network. The i2pd is the node's child, stopped with it (its Scope) and by the kernel if the node is
 * killed. Which network it joins:
 * - `[testnet] join` with an `i2p` part: the private network's netid, bootstrapped from its routers' RouterInfos
 *   only (no reseeding), on its own 127.0.1.N;
 * - `isolated` (create-node): a network of one router that knows no peer, only to answer DEST GENERATE;
 * - otherwise the public I2P network, only when the caller allows it (`veil run` from a terminal).
 */
import { VeilError, type AbortOptions, type Closable, type ProgressOptions } from '../core/index.js';
import type { LocalEndpoint, NodeConfig } from '../config/index.js';
import { KeptI2pd, launchI2pd, type I2pdExitRecord, type I2pPrivateNetworkJoin, type LaunchI2pdOptions, type LaunchedI2pd } from '../i2p/index.js';
import type { TestnetJoin } from './testnet-join.js';

/** Network id of the one-router network create-node starts to make a destination (any id but the public 2). */
const ISOLATED_NETID = 99;

export type NodeI2pdNetwork = { readonly kind: 'testnet'; readonly join: TestnetJoin } | { readonly kind: 'isolated' } | { readonly kind: 'public' };

export interface LaunchNodeI2pdOptions extends AbortOptions, ProgressOptions {
  readonly network: NodeI2pdNetwork;
  /** Data folder instead of `i2p.configdir` (create-node's throw-away router). */
  readonly dataDir?: string | undefined;
}

/** A loopback address of its own for the router (testnet routers use 127.0.0.N). */
function loopbackHost(): string {
  return `127.0.1.${2 + Math.floor(Math.random() * 250)}`;
}

/**
 * Launches the node's i2pd and resolves once its SAM bridge listens. Throws VEIL_NODE_PUBLIC_NETWORK_REFUSED,
 * VEIL_NODE_TESTNET_JOIN (the join file has no I2P network), VEIL_I2PD_*; honours `signal`.
 */
export async function launchNodeI2pd(config: NodeConfig, options: LaunchNodeI2pdOptions): Promise<LaunchedI2pd> {
  return launchI2pd(nodeI2pdLaunchOptions(config, options));
}

/** The node's own i2pd while `veil run` lasts: started again, on the same ports, if it exits by itself. */
export interface NodeI2pd extends Closable {
  readonly samEndpoint: LocalEndpoint;
  /** PID of the i2pd running now. */
  readonly pid: number;
  /** Times it exited by itself, oldest first (shown by `veil status`). */
  readonly exits: readonly I2pdExitRecord[];
}

/**
 * Launches the node's i2pd (as launchNodeI2pd) and keeps it running: an i2pd that exits by itself is started again
 * with the same data folder, SAM and NTCP2 ports and loopback address (like a launched tor, see TorSupervisor), so
 * the node's SAM session comes back on its own. Stopped with close().
 */
export async function keepNodeI2pd(config: NodeConfig, options: LaunchNodeI2pdOptions): Promise<NodeI2pd> {
  const launch = nodeI2pdLaunchOptions(config, options);
  const first = await launchI2pd(launch);
  const again: LaunchI2pdOptions = { ...launch, samPort: first.samPort, ntcp2Port: first.ntcp2Port, onProgress: undefined };
  const kept = new KeptI2pd(first, {
    name: "the node's i2pd",
    logFile: `${first.dataDir}/i2pd.log`,
    onProgress: options.onProgress,
    restart: (signal) => launchI2pd({ ...again, signal }),
  });
  return {
    samEndpoint: first.samEndpoint,
    get pid() {
      return kept.pid;
    },
    get exits() {
      return kept.exits;
    },
    close: () => kept.close(),
  };
}

function nodeI2pdLaunchOptions(config: NodeConfig, options: LaunchNodeI2pdOptions): LaunchI2pdOptions {
  const dataDir = options.dataDir ?? config.i2p.configDir;
  if (!config.i2p.launch || dataDir === undefined) throw new VeilError('VEIL_BUG', 'internal error (a bug in Veil): launching i2pd without [i2p] launch');
  const net = options.network;
  let join: I2pPrivateNetworkJoin | undefined;
  let executable = config.i2p.executable ?? 'i2pd';
  if (net.kind === 'testnet') {
    const i2p = net.join.i2p;
    if (!i2p) {
      throw new VeilError('VEIL_NODE_TESTNET_JOIN', `the private network in ${config.testnet.joinFile ?? '[testnet] join'} has no I2P network for [i2p] launch = true`, {
        hint: 'start the private network with I2P (veil testnet up --i2p), or use [i2p] sam.port',
      });
    }
    join = { netId: i2p.netId, host: loopbackHost(), routerInfoFiles: i2p.routerInfoFiles, allowLoopbackPeers: true };
    executable = config.i2p.executable ?? i2p.i2pdBinary;
  } else if (net.kind === 'isolated') {
    join = { netId: ISOLATED_NETID, host: loopbackHost(), routerInfoFiles: [], allowLoopbackPeers: false };
  }
  return {
    executable,
    dataDir,
    samPort: 'auto',
    join,
    allowPublicNetwork: net.kind === 'public',
    signal: options.signal,
    onProgress: options.onProgress,
  };
}
