/**
 * `[testnet] join`: a node that belongs to a private test network reads the network's description
 * (testnet.json, written by `veil testnet up` or the test runner) so that a tor or i2pd it launches joins that
 * network and never the public one. For I2P the file gives the network id, the RouterInfo of each router (the
 * launched i2pd bootstraps from them, no reseeding) and the network's i2pd binary.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VeilError, type AbortOptions } from '../core/index.js';
import type { NodeConfig } from '../config/index.js';

export interface TestnetJoin {
  /** torrc lines (TestingTorNetwork, DirAuthority …) for a tor launched by the node. */
  readonly torrcLines: readonly string[] | undefined;
  /** For an i2pd launched by the node: the private network's netid, its routers' RouterInfos, its i2pd binary. */
  readonly i2p: I2pJoin | undefined;
}

export interface I2pJoin {
  readonly netId: number;
  readonly routerInfoFiles: readonly string[];
  /** The network's (patched) i2pd, used unless [i2p] i2p.executable names another. */
  readonly i2pdBinary: string;
}

function readI2pJoin(file: string, i2p: unknown): I2pJoin | undefined {
  if (i2p === undefined) return undefined;
  const bad = (what: string): VeilError => new VeilError('VEIL_NODE_TESTNET_JOIN', `${file}: i2p.${what}`);
  if (typeof i2p !== 'object' || i2p === null) throw bad('is not an object');
  const { netId, routers, i2pdBinary } = i2p as { netId?: unknown; routers?: unknown; i2pdBinary?: unknown };
  if (typeof netId !== 'number' || !Number.isInteger(netId) || netId === 2) throw bad('netId is not a private network id (an integer other than 2)');
  if (typeof i2pdBinary !== 'string') throw bad('i2pdBinary is not a path');
  if (!Array.isArray(routers) || routers.length === 0 || !routers.every((r) => typeof (r as { dataDir?: unknown })?.dataDir === 'string')) throw bad('routers is not a list of routers with a dataDir');
  return { netId, i2pdBinary, routerInfoFiles: routers.map((r) => join((r as { dataDir: string }).dataDir, 'router.info')) };
}

/** Reads the join file named by `[testnet] join`, or returns undefined when it is not set. Throws VEIL_NODE_TESTNET_JOIN. */
export async function readTestnetJoin(config: NodeConfig, options: AbortOptions = {}): Promise<TestnetJoin | undefined> {
  const file = config.testnet.joinFile;
  if (file === undefined) return undefined;
  let info: { tor?: { joinTorrcLines?: unknown }; i2p?: unknown };
  try {
    info = JSON.parse(await readFile(file, { encoding: 'utf8', signal: options.signal })) as typeof info;
  } catch (err) {
    throw new VeilError('VEIL_NODE_TESTNET_JOIN', `cannot read the private network description ${file}: ${(err as Error).message}`, { cause: err });
  }
  const lines = info.tor?.joinTorrcLines;
  if (lines !== undefined && !(Array.isArray(lines) && lines.every((l) => typeof l === 'string'))) {
    throw new VeilError('VEIL_NODE_TESTNET_JOIN', `${file}: tor.joinTorrcLines is not a list of strings`);
  }
  return { torrcLines: lines as string[] | undefined, i2p: readI2pJoin(file, info.i2p) };
}
