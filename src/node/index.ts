/**
 * src/node: the composition root. Creates node directories (create-node) and runs nodes (veil run): builds every
 * component from the validated configuration, starts them in order and stops them in reverse order.
 */
export { createNode, DEFAULT_TOR_CONTROL_PORTS } from './create.js';
export type { CreateNodeRequest, CreatedNode } from './create.js';
export { planCreateNode, parseListen, LISTEN_CHOICES, DEFAULT_EXTERNAL_PORT, ONION_KEY_FILE, I2P_KEY_FILE } from './create-plan.js';
export type { CreateNodeOptions, CreatePlan, ListenChoice, NodeKind } from './create-plan.js';
export { startNode, readNodeUrl, NODE_URL_FILE, NODE_PID_FILE } from './node.js';
export type { RunningNode, StartNodeOptions } from './node.js';
export type { NodeStatus } from './status.js';
export { openTorAccess, socksFromControl } from './tor-access.js';
export type { TorAccess, OpenTorAccessOptions } from './tor-access.js';
export { TorSupervisor } from './tor-supervisor.js';
export { publishOnionService, readOnionKey } from './onion-service.js';
export type { OnionServiceSpec, PublishedOnion, OnionState } from './onion-service.js';
export { pingPeer, buildRouter, getJsonOverStream } from './peer-client.js';
export type { PingResult } from './peer-client.js';
// Onion services for local services (`veil onion`, issue #6) and `veil doctor`.
export { republishSavedOnionServices, desiredKeys, nextWithdrawal, ONION_PUBLISHER_DEFAULTS } from './onion-publisher.js';
export type { SavedOnionPublisher, PublishedSavedOnion, RepublishOptions, SavedOnionState } from './onion-publisher.js';
export {
  addOnionService,
  listOnionServices,
  removeOnionService,
  rotateOnionService,
  addOnionClient,
  listOnionClients,
  removeOnionClient,
  isDescriptorPublished,
  ONION_MANAGER_DEFAULTS,
} from './onion-manager.js';
export type { AddOnionServiceRequest, AddedOnionService, OnionServiceInfo, Publication, RotatedOnionService, OnionManagerOptions } from './onion-manager.js';
export { readSavedService, readSavedServices, ONION_REGISTRY_DIR } from './onion-registry.js';
export type { SavedOnionService, SavedOnionKey, AuthorizedClient } from './onion-registry.js';
export { parseOnionTarget, formatOnionTarget, assertOnionName } from './onion-target.js';
export type { OnionTarget } from './onion-target.js';
export { generateOnionServiceKey, generateClientAuthKeyPair, formatAuthPrivateLine, parseAuthPrivateLine } from './onion-keys.js';
export { addOnionClientAuth, removeOnionClientAuth, viewOnionClientAuth } from './onion-client-auth.js';
export type { ClientAuthEntry, ClientAuthAddOptions } from './onion-client-auth.js';
export { rotateNodeOnionService, rewriteNodeServiceConfig } from './onion-node-service.js';
export type { RotatedNodeService } from './onion-node-service.js';
export { openNodeTorControl, findNodeTorControl, runningNodePid } from './onion-node-tor.js';
export { runDoctor, DOCTOR_DEFAULTS } from './doctor.js';
export type { DoctorReport, DoctorOptions } from './doctor.js';
export type { DoctorCheck, CheckStatus } from './doctor-checks.js';
// The grid from the command line (issue #4): put/get through storage servers given by service address.
export { putFile, getFile, listCap, leaseCap, publishRecordToGrid } from './grid-client.js';
export { GridRecordStore, ipnsRecordPolicy } from './grid-records.js';
export type { GridPutResult } from './grid-records.js';
export type { GridCommandOptions } from './grid-client.js';
export { STORAGE_FURL_FILE } from './peer-service.js';
export { saveClientKey, applySavedClientKeys, CLIENT_KEYS_DIR } from './onion-client-keys.js';
