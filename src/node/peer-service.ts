/**
 * What a node serves to its peers on its tub listeners (TCP, the onion service's local port, accepted I2P
 * streams). For now the node's identity (`GET /veil/v1/node`); the grid (issue #4) adds the storage server and
 * the introducer here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Closable } from '../core/index.js';
import type { NodeConfig } from '../config/index.js';

export interface PeerService extends Closable {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function createPeerService(config: NodeConfig, version: string): PeerService {
  return {
    handler(req, res) {
      if (req.method === 'GET' && req.url === '/veil/v1/node') sendJson(res, 200, { nickname: config.node.nickname, version });
      else sendJson(res, 404, { error: 'not found' });
    },
    close: async () => undefined,
  };
}
