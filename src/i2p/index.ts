/**
 * src/i2p: talks to I2P routers through SAM v3 (sam/), handles destinations and .b32.i2p addresses, and
 * launches i2pd for `[i2p] launch = true`. It never opens sockets (it receives a Dial from src/net) and
 * never starts an i2pd that could reach the public I2P network unless the caller explicitly allows it.
 */
export * from './sam/index.js';
export { toI2pBase64, fromI2pBase64, destinationLength, signatureTypeOf, parseDestination, publicDestinationOf, b32Address, isB32Address, parseB32Address } from './destination.js';
export { I2P_DEFAULTS } from './defaults.js';
export { launchI2pd, writeI2pdDataDir, waitForCondition, isListening, nonLoopbackSockets } from './launch.js';
export type { LaunchI2pdOptions, LaunchedI2pd, I2pPrivateNetworkJoin } from './launch.js';
export { I2pdProcess } from './i2pd-process.js';
export type { I2pdExit } from './i2pd-process.js';
export { renderI2pdConf, i2pdArgs, i2pdPaths, ADDRESSBOOK_FILES } from './i2pd-conf.js';
export type { I2pdConfOptions, I2pdNetwork } from './i2pd-conf.js';
export { routerIdentityHash, netDbPath, installRouterInfos } from './router-info.js';
export { listProcessSockets, parseProcNetTable, usedLocalPorts, pickFreePortBlock, isLoopbackV4, TCP_LISTEN } from './proc-sockets.js';
export type { ProcSocket, SocketProto } from './proc-sockets.js';
export { KeptI2pd } from './keeper.js';
export type { KeepI2pdOptions, KeptProcess, I2pdExitRecord } from './keeper.js';
