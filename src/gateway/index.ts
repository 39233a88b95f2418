/**
 * src/gateway: the local HTTP gateway (/ipfs/, and /ipns/ and /uri/ through GatewayHooks). It owns its
 * listening server and never opens outgoing connections: missing blocks and names come from the hooks, and the
 * public gateway client sends its requests through an HttpGet the node builds on the router.
 */
export { startGateway } from './server.js';
export type { Gateway, StartGatewayOptions } from './server.js';
export { createGatewayHandler } from './handler.js';
export type { GatewayHandlerOptions, GatewayRequestHandler } from './handler.js';
export type { GatewayHooks, ResolvedName, OpenedCapability } from './resolver.js';
export { createPublicBlockFetcher, PUBLIC_FETCH_DEFAULTS } from './public-fetch.js';
export type { HttpGet, HttpGetResponse, PublicFetcherOptions } from './public-fetch.js';
export { parseProvidersResponse, gatewayUrlOfMultiaddr, DELEGATED_ROUTING_LIMITS, GATEWAY_HTTP_PROTOCOL } from './delegated-routing.js';
export { parseGatewayPath } from './path-parser.js';
export type { GatewayPath, Namespace } from './path-parser.js';
export { GATEWAY_DEFAULTS } from './defaults.js';
