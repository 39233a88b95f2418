/**
 * `[testnet] join`: a node that belongs to a private test network reads the network's description
 * (testnet.json, written by `veil testnet up` or the test runner) so that a tor or i2pd it launches joins that
 * network and never the public one.
 */
import { readFile } from 'node:fs/promises';
import { VeilError, type AbortOptions } from '../core/index.js';
import type { NodeConfig } from '../config/index.js';

export interface TestnetJoin {
  /** torrc lines (TestingTorNetwork, DirAuthority …) for a tor launched by the node. */
  readonly torrcLines: readonly string[] | undefined;
}

/** Reads the join file named by `[testnet] join`, or returns undefined when it is not set. Throws VEIL_NODE_TESTNET_JOIN. */
export async function readTestnetJoin(config: NodeConfig, options: AbortOptions = {}): Promise<TestnetJoin | undefined> {
  const file = config.testnet.joinFile;
  if (file === undefined) return undefined;
  let info: { tor?: { joinTorrcLines?: unknown } };
  try {
    info = JSON.parse(await readFile(file, { encoding: 'utf8', signal: options.signal })) as typeof info;
  } catch (err) {
    throw new VeilError('VEIL_NODE_TESTNET_JOIN', `cannot read the private network description ${file}: ${(err as Error).message}`, { cause: err });
  }
  const lines = info.tor?.joinTorrcLines;
  if (lines !== undefined && !(Array.isArray(lines) && lines.every((l) => typeof l === 'string'))) {
    throw new VeilError('VEIL_NODE_TESTNET_JOIN', `${file}: tor.joinTorrcLines is not a list of strings`);
  }
  return { torrcLines: lines as string[] | undefined };
}
