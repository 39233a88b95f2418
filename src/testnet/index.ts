/**
 * src/testnet: private networks on 127.0.0.1 for tests, benchmarks and the demo (see README.md).
 * Never starts a tor that could reach the public Tor network; never signals a process it cannot prove is its own.
 */
export { startTorTestnet } from './tor-testnet.js';
export type { StartTorTestnetOptions, TorTestnetHandle } from './tor-testnet.js';
export { stopTestnetFromDir } from './stop-from-dir.js';
export type { StopTestnetOptions, StopTestnetResult } from './stop-from-dir.js';
export { writeInfo, readInfo, infoPath } from './info-file.js';
export { joinTorrcLines, dirAuthorityLine } from './torrc.js';
export type { AuthorityEntry } from './torrc.js';
export { TESTNET_DEFAULTS } from './defaults.js';
export type {
  TestnetInfo,
  TorTestnetInfo,
  TorTestnetClient,
  TorTestnetNode,
  TorTestnetRole,
  I2pTestnetInfo,
  I2pTestnetRouter,
} from './types.js';
export { isTestnetProcess } from './process-check.js';
export { startI2pTestnet, I2P_TESTNET_NETID, i2pTestnetJoin } from './i2p.js';
