/**
 * Entry point of the private I2P test network (exported by src/testnet/index.ts, owned by the lead).
 * See README-i2p.md for what is patched and why.
 */
import { join } from 'node:path';
import type { I2pPrivateNetworkJoin } from '../i2p/index.js';
import type { I2pTestnetInfo } from './types.js';
import { I2P_TESTNET_NETID } from './i2p-network.js';

export { startI2pTestnet, I2P_TESTNET_NETID } from './i2p-network.js';
export type { StartI2pTestnetOptions, I2pTestnetHandle, I2pTestnetRouterDetail } from './i2p-network.js';
export { prepareI2pdBinary, patchReservedRange, patchFastSam, I2PD_2_45_1_SHA256, I2PD_RESERVED_PATCHED_SHA256, I2PD_FAST_SAM_PATCHED_SHA256 } from './i2p-patch.js';
export type { PreparedI2pd, I2pdPatch, PrepareI2pdOptions } from './i2p-patch.js';

/**
 * Settings for launchI2pd() to join a running test network as one more router: netid 77 and the
 * router.info of every router. `host` must be a 127.0.0.0/8 address no router of the network uses.
 */
export function i2pTestnetJoin(info: I2pTestnetInfo, host: string): I2pPrivateNetworkJoin {
  return { netId: I2P_TESTNET_NETID, host, routerInfoFiles: info.routers.map((r) => join(r.dataDir, 'router.info')), allowLoopbackPeers: true };
}
