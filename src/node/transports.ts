/**
 * Opening a node's anonymity transports from its configuration, shared by `veil run` and the one-shot commands
 * (`veil ping`): Tor (launched or connected, supervised) and I2P (the node's SAM session). A transport the
 * configuration depends on must start; one that is merely allowed (tor: or i2p: hints from peers) is tried and,
 * when its daemon is absent, left out with a warning: its hints are then skipped, never dialed another way.
 */
import { VeilError, isVeilError, logger, type AbortOptions, type ProgressOptions, type Scope } from '../core/index.js';
import { keepNodeI2pd, type NodeI2pd } from './i2p-launch.js';
import type { NodeConfig } from '../config/index.js';
import { TorSupervisor } from './tor-supervisor.js';
import { I2pRuntime } from './i2p-runtime.js';
import type { TestnetJoin } from './testnet-join.js';

const log = logger('veil:node');

/** 0-hop tunnels for private test networks (I2P-TESTNET.md, problem 4: outbound.length must be 0 to be reachable). */
export const TESTNET_TUNNEL_OPTIONS = Object.freeze({ 'inbound.length': 0, 'outbound.length': 0, 'inbound.quantity': 2, 'outbound.quantity': 2 });

export interface Transports {
  readonly tor: TorSupervisor | undefined;
  readonly i2p: I2pRuntime | undefined;
}

export interface OpenTransportsOptions extends AbortOptions, ProgressOptions {
  readonly join: TestnetJoin | undefined;
  readonly allowPublicNetwork: boolean;
  /** Tor must start even if the configuration alone does not need it (saved onion services). */
  readonly requireTor?: boolean | undefined;
  /** Open a transport only when a hint of its kind will be dialed (one-shot commands). */
  readonly onlyFor?: ReadonlySet<'tor' | 'i2p'> | undefined;
}

/** Opens Tor and I2P as the configuration asks; `scope` owns what was opened. */
export async function openTransports(config: NodeConfig, scope: Scope, options: OpenTransportsOptions): Promise<Transports> {
  const handlers = config.connectionHandlers;
  const wanted = (kind: 'tor' | 'i2p'): boolean => options.onlyFor === undefined || options.onlyFor.has(kind);

  let tor: TorSupervisor | undefined;
  const needsTor = config.tor.enabled && (options.requireTor === true || config.tor.launch || config.tor.onion !== undefined || config.tor.controlPort !== undefined || handlers.tcp.handler === 'tor');
  const wantsTor = config.tor.enabled && handlers.tor.handler === 'tor' && wanted('tor');
  if (needsTor || wantsTor) {
    try {
      tor = scope.adopt(
        await TorSupervisor.start(config, {
          signal: options.signal,
          onProgress: options.onProgress,
          launchTorrcLines: options.join?.torrcLines,
          allowPublicNetwork: options.join === undefined && options.allowPublicNetwork,
        }),
      );
    } catch (err) {
      if (needsTor) throw err;
      log.warn('Tor is not available; tor: hints will not be reachable:', (err as Error).message);
    }
  }

  let i2p: I2pRuntime | undefined;
  let i2pd: NodeI2pd | undefined;
  const needsI2p = config.i2p.enabled && config.i2p.dest !== undefined;
  const wantsI2p = config.i2p.enabled && handlers.i2p.handler === 'i2p' && (config.i2p.samPort !== undefined || config.i2p.launch) && wanted('i2p');
  if (needsI2p || wantsI2p) {
    try {
      // [i2p] launch = true: the node's own i2pd (stopped with the scope, after the session below).
      if (config.i2p.launch) {
        if (!options.join && !options.allowPublicNetwork) {
          throw new VeilError('VEIL_NODE_PUBLIC_NETWORK_REFUSED', 'refusing to launch an i2pd that joins the public I2P network in this context', {
            hint: 'run `veil run` from a terminal (it allows the public network), or set [testnet] join to a private network with I2P',
          });
        }
        i2pd = scope.adopt(await keepNodeI2pd(config, { network: options.join ? { kind: 'testnet', join: options.join } : { kind: 'public' }, signal: options.signal, onProgress: options.onProgress }));
      }
      i2p = scope.adopt(
        await I2pRuntime.start(config, {
          signal: options.signal,
          onProgress: options.onProgress,
          tunnelOptions: options.join ? TESTNET_TUNNEL_OPTIONS : undefined,
          samEndpoint: i2pd?.samEndpoint,
          launched: i2pd,
        }),
      );
    } catch (err) {
      if (needsI2p || (isVeilError(err) && err.code === 'VEIL_NODE_PUBLIC_NETWORK_REFUSED')) throw err;
      log.warn('I2P is not available; i2p: hints will not be reachable:', (err as Error).message);
    }
  }
  return { tor, i2p };
}
