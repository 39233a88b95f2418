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
