/**
 * Talking to another node from the command line without a running node: `veil ping HINTS` opens Tor access per
 * veil.cfg, builds the same router `veil run` uses, dials the hints in order and asks the peer who it is. The
 * request is HTTP over the routed stream (node:http with the stream as its connection), so it takes exactly
 * the path a running node would.
 */
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { Scope, VeilError, raceAbort, throwIfAborted, withTimeout, type AbortOptions, type ProgressOptions } from '../core/index.js';
import { loadNodeConfig, parseConnectionHints, type NodeConfig } from '../config/index.js';
import { Router, createDirectDialerDangerously, type HintAttempt, type RouterObserver, type Transport } from '../net/index.js';
import type { TorSupervisor } from './tor-supervisor.js';
import type { I2pRuntime } from './i2p-runtime.js';
import { openTransports } from './transports.js';
import { readTestnetJoin } from './testnet-join.js';

export interface PingResult {
  readonly transport: Transport;
  readonly hint: string;
  readonly attempts: readonly HintAttempt[];
  readonly peer: { readonly nickname?: string; readonly version?: string };
  readonly milliseconds: number;
}

/** Builds the router for `config`: the direct dialer only when the node reveals its IP. */
export function buildRouter(config: NodeConfig, tor: TorSupervisor | undefined, i2p: I2pRuntime | undefined, observer?: RouterObserver): Router {
  return new Router(
    { revealIpAddress: config.node.revealIpAddress, handlers: config.connectionHandlers, allowLoopbackExit: config.testnet.allowLoopbackExit },
    {
      direct: config.node.revealIpAddress ? createDirectDialerDangerously() : undefined,
      tor: tor?.dialer(),
      i2p: i2p?.dialer(),
      beforeOnionRetry: tor ? () => tor.forgetOnionFailures() : undefined,
    },
    observer,
  );
}

const MAX_BODY_BYTES = 64 * 1024;

/** GET `path` over an already-connected stream; resolves with the parsed JSON body. */
export function getJsonOverStream(stream: Duplex, host: string, path: string, options: AbortOptions = {}): Promise<unknown> {
  const done = new Promise<unknown>((resolve, reject) => {
    const req = httpRequest({ host, path, method: 'GET', createConnection: () => stream as never, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy();
          reject(new VeilError('VEIL_PEER_PROTOCOL', `the peer's answer is larger than ${MAX_BODY_BYTES} bytes`));
        } else chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new VeilError('VEIL_PEER_PROTOCOL', `the peer answered HTTP ${res.statusCode} for ${path}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(new VeilError('VEIL_PEER_PROTOCOL', 'the peer answered with malformed JSON', { cause: err }));
        }
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new VeilError('VEIL_PEER_PROTOCOL', `request to the peer failed: ${err.message}`, { cause: err })));
    req.end();
  });
  return raceAbort(done, options.signal, `GET ${path}`, () => stream.destroy());
}

/** Dials `hintsText` from the node in `nodeDir` and asks the peer who it is. Throws VEIL_ROUTE_*, VEIL_PEER_*. */
export async function pingPeer(nodeDir: string, hintsText: string, options: AbortOptions & ProgressOptions & { timeoutMs?: number } = {}): Promise<PingResult> {
  throwIfAborted(options.signal, 'ping');
  const config = await loadNodeConfig(nodeDir, { signal: options.signal });
  const hints = parseConnectionHints(hintsText, { allowOther: true });
  const signal = withTimeout(options.signal, options.timeoutMs ?? 120_000);
  const join = await readTestnetJoin(config, options);
  await using scope = new Scope();
  const kinds = new Set<'tor' | 'i2p'>();
  for (const h of hints) if (h.kind === 'tor' || h.kind === 'i2p') kinds.add(h.kind);
  const { tor, i2p } = await openTransports(config, scope, { join, allowPublicNetwork: false, signal, onlyFor: kinds });
  const router = buildRouter(config, tor, i2p);
  const started = Date.now();
  const routed = await router.dialFirst(hints, { peerId: hintsText, signal });
  try {
    const hint = routed.attempts[routed.attempts.length - 1]!.hint;
    const body = (await getJsonOverStream(routed.stream, 'veil-peer', '/veil/v1/node', { signal })) as Record<string, unknown>;
    return {
      transport: routed.transport,
      hint,
      attempts: routed.attempts,
      peer: { nickname: typeof body['nickname'] === 'string' ? body['nickname'] : undefined, version: typeof body['version'] === 'string' ? body['version'] : undefined },
      milliseconds: Date.now() - started,
    };
  } finally {
    routed.stream.destroy();
  }
}
