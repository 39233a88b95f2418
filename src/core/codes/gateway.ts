import { codeTable } from './types.js';

/** Codes owned by src/gateway (the local HTTP gateway). */
export const GATEWAY_CODES = codeTable({
  VEIL_GATEWAY_PATH_INVALID: {
    category: 'input',
    summary: 'An HTTP gateway path is malformed (bad percent-encoding, encoded slash, dot segment, too long).',
    hint: 'request /ipfs/<cid>/<path> with plain path segments',
  },
  VEIL_GATEWAY_RANGE_INVALID: {
    category: 'input',
    summary: 'An HTTP Range header cannot be satisfied (RFC 9110 §15.5.17); the gateway answers 416.',
    hint: 'request a single range inside the file, for example `Range: bytes=0-1023`',
  },
  VEIL_GATEWAY_NOT_WIRED: {
    category: 'config',
    summary: 'A gateway namespace (/ipns/, /uri/) has no resolver wired in this build or configuration.',
    hint: 'use /ipfs/<cid>; /ipns/ and /uri/ need a node with the grid and IPNS enabled',
  },
  VEIL_ROUTING_RESPONSE_INVALID: {
    category: 'peer',
    summary: 'A delegated routing server answered /routing/v1/providers/<cid> with something that is not the JSON of the Routing V1 HTTP API.',
    hint: 'check [gateway] fetch.routing: it must be the base URL of a delegated routing server (e.g. https://delegated-ipfs.dev)',
  },
  VEIL_GATEWAY_LISTEN_FAILED: {
    category: 'config',
    summary: 'The gateway could not listen on the configured address (port in use, address not local).',
    hint: 'choose another port in veil.cfg or stop the program using it',
  },
});
