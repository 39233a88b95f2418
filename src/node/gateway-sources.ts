/**
 * Where a running node's gateway gets what its blockstore lacks (issue #5 §2, §3): blocks from the grid's storage
 * servers first (the ServerDirectory: introducer and `[client] storage.servers`), then from the public trustless
 * gateways of `[gateway] fetch.public` and those that `[gateway] fetch.routing` names for the CID; and the opening
 * of `/uri/<capability>` (AES-CTR decryption of a private file, seekable for ranges). Every connection is opened
 * by the router: storage servers by their connection hints (one Tor isolation token per server), public gateways
 * as `tcp:` hints (one token per origin), so all of it goes over Tor when the node hides its IP. Every block is
 * verified against its CID before it is used or stored.
 */
import { isVeilError, logger, type AbortOptions, type Scope } from '../core/index.js';
import type { NodeConfig } from '../config/index.js';
import type { CID, FetchMissingBlock } from '../content/index.js';
import { createDialerAgent, httpRequest, routerStreamOpener, type Router } from '../net/index.js';
import { createPublicBlockFetcher, type HttpGet, type OpenedCapability } from '../gateway/index.js';
import { decryptCtrAt, gridBlockGetter, parseCapability, parseServiceAddress, type ServerDirectory } from '../grid/index.js';
import { storageClientFor } from './grid-client.js';

const log = logger('veil:node:gateway');

/** Adds the servers of `[client] storage.servers` to the directory (their clients dial through the router). */
export function addConfiguredServers(directory: ServerDirectory, config: NodeConfig, router: Pick<Router, 'dialFirst'>): void {
  for (const text of config.client.storageServers) {
    const address = parseServiceAddress(text);
    directory.set({ keyHash: address.keyHash, client: storageClientFor(router, address) });
  }
}

/**
 * An HttpGet whose connections the router opens; one undici Agent (so one Tor isolation token) per origin, owned
 * by `scope`.
 */
export function routerHttpGet(router: Pick<Router, 'dial'>, scope: Scope): HttpGet {
  const agents = new Map<string, ReturnType<typeof createDialerAgent>>();
  scope.defer(async () => {
    await Promise.allSettled([...agents.values()].map((a) => a.close()));
    agents.clear();
  });
  return async (url, options) => {
    const origin = new URL(url).origin;
    let agent = agents.get(origin);
    if (!agent) {
      agent = createDialerAgent({ open: routerStreamOpener(router, `gateway:${origin}`) });
      agents.set(origin, agent);
    }
    const res = await httpRequest(agent, url, { headers: { accept: options.accept }, maxBodyBytes: options.maxBodyBytes, timeoutMs: options.timeoutMs, signal: options.signal });
    return { status: res.status, body: res.body };
  };
}

export interface MissingBlockSources {
  readonly directory: ServerDirectory;
  readonly config: NodeConfig;
  readonly router: Pick<Router, 'dial'>;
  /** Owns the public gateways' connections. */
  readonly scope: Scope;
}

/** GatewayHooks.fetchMissingBlock: the grid, then public gateways. Resolves undefined when nobody has the block. */
export function createFetchMissingBlock(sources: MissingBlockSources): FetchMissingBlock {
  const { fetchPublic, fetchRouting } = sources.config.gateway;
  const fromPublic =
    fetchPublic.length > 0 || fetchRouting !== undefined
      ? createPublicBlockFetcher({ gateways: fetchPublic, routingUrl: fetchRouting, get: routerHttpGet(sources.router, sources.scope) })
      : undefined;
  return async (cid: CID, options: AbortOptions) => {
    const servers = sources.directory.clients();
    if (servers.length > 0) {
      try {
        return await gridBlockGetter(servers).get(cid, options);
      } catch (err) {
        if (!isVeilError(err, 'VEIL_GRID_BLOCK_UNAVAILABLE')) throw err;
        log.debug('no storage server has a block:', err.message);
      }
    }
    return fromPublic?.(cid, options);
  };
}

/** GatewayHooks.openCapability: `veil:chk:KEY:CID` (decrypted) or a bare CID. Throws VEIL_GRID_CAP_INVALID. */
export async function openCapability(text: string, options: AbortOptions): Promise<OpenedCapability> {
  options.signal?.throwIfAborted();
  const cap = parseCapability(text);
  if (cap.kind === 'public') return { cid: cap.cid };
  const key = cap.key;
  return { cid: cap.cid, decrypt: (offset, source, o) => decryptCtrAt(key, offset, source, o) };
}
