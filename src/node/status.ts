/**
 * The node's status, as served on the web port (`/veil/v1/status`) and printed by `veil status`: Tor state, the
 * onion service, listeners, and for each hint type the handler that reaches it (Tahoe's connection-status words).
 */
import type { NodeConfig } from '../config/index.js';
import type { HttpListener, Router } from '../net/index.js';
import type { TorSupervisor } from './tor-supervisor.js';
import type { PublishedOnion } from './onion-service.js';
import type { I2pRuntime } from './i2p-runtime.js';
import type { SavedOnionPublisher } from './onion-publisher.js';
import type { ConnectionLog } from './connection-log.js';

export interface NodeStatus {
  readonly version: string;
  readonly nickname: string;
  readonly pid: number;
  readonly uptimeSeconds: number;
  readonly revealIpAddress: boolean;
  readonly tor: {
    readonly state: string;
    readonly bootstrapPercent: number;
    readonly launched: boolean;
    /** PID of a tor this node launched. */
    readonly pid: number | undefined;
    readonly socks: string | undefined;
    readonly lastError: string | undefined;
  } | undefined;
  readonly i2p: {
    readonly state: string;
    readonly address: string | undefined;
    readonly sam: string;
    readonly launched: boolean;
    /** PID of an i2pd this node launched. */
    readonly pid: number | undefined;
    /** Times that i2pd exited by itself and was started again. */
    readonly restarts: number;
    readonly lastError: string | undefined;
  } | undefined;
  readonly onionService: { readonly address: string; readonly state: string } | undefined;
  /** Services added with `veil onion add`, as the running node publishes them. */
  readonly savedOnionServices: readonly { readonly name: string; readonly address: string; readonly state: string }[];
  readonly listeners: readonly string[];
  readonly webUrl: string | undefined;
  /** For each hint type: "via tor", "via i2p", "direct", or "not used: <reason>". */
  readonly handlers: Readonly<Record<string, string>>;
  /**
   * Connections with peers, in Tahoe's status words: first the grid's peers by role ("introducer", "storage
   * server NICK": "Connected to HINT via tor", "unstarted", "Failed to connect: …"), then every connection seen,
   * most recent first: "Connected to HINT via tor", "Connected from i2p:ADDR.b32.i2p via i2p" (an accepted stream),
   * "Could not connect to HINT via i2p: …".
   */
  readonly connections: readonly NodeConnection[];
  /** The grid (issue #4): what this node serves, announces and knows. */
  readonly grid: GridStatus;
}

export interface NodeConnection {
  readonly peer: string;
  readonly direction: 'inbound' | 'outbound';
  /** tor, i2p, direct, or none (not connected). */
  readonly transport: string;
  readonly status: string;
}

export interface GridStatus {
  /** This node's introducer, when it is one: its fURL and how many servers it knows. */
  readonly introducer: { readonly furl: string | undefined; readonly announcements: number } | undefined;
  /** This node's storage fURL, when it offers storage. */
  readonly storageFurl: string | undefined;
  /** Its announcement to the introducer: "accepted …" or the last error; undefined when it does not announce. */
  readonly announced: string | undefined;
  /** The introducer subscription: "connected", the last error, or undefined without [client] introducer.furl. */
  readonly subscription: string | undefined;
  /** Storage servers known now (from verified announcements). */
  readonly servers: readonly { readonly nickname: string; readonly keyHash: string; readonly availableBytes: number | undefined }[];
}

export interface StatusInputs {
  readonly config: NodeConfig;
  readonly version: string;
  readonly startedAt: number;
  readonly tor: TorSupervisor | undefined;
  readonly i2p: I2pRuntime | undefined;
  readonly onion: PublishedOnion | undefined;
  readonly saved: SavedOnionPublisher | undefined;
  readonly listeners: readonly HttpListener[];
  readonly webUrl: string | undefined;
  readonly router: Router;
  readonly grid?: GridStatus | undefined;
  /** The grid's peers by role (grid-membership.ts). */
  readonly gridPeers?: readonly { readonly peer: string; readonly status: string }[] | undefined;
  readonly connections?: ConnectionLog | undefined;
}

export function buildStatus(i: StatusInputs): NodeStatus {
  const handlers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [type, choice] of Object.entries(i.config.connectionHandlers)) {
    handlers[type] = choice.handler === 'none' ? `not used: ${choice.reason}` : choice.handler === 'direct' ? 'direct' : `via ${choice.handler}`;
  }
  const access = i.tor?.access;
  return {
    version: i.version,
    nickname: i.config.node.nickname,
    pid: process.pid,
    uptimeSeconds: Math.round((Date.now() - i.startedAt) / 1000),
    revealIpAddress: i.config.node.revealIpAddress,
    tor: i.tor
      ? {
          state: i.tor.state,
          bootstrapPercent: i.tor.bootstrapPercent,
          launched: access?.launched ?? false,
          pid: access?.pid,
          socks: access ? (access.socks.kind === 'tcp' ? `tcp:${access.socks.host}:${access.socks.port}` : `unix:${access.socks.path}`) : undefined,
          lastError: i.tor.lastError,
        }
      : undefined,
    i2p: i.i2p
      ? { state: i.i2p.state, address: i.i2p.address, sam: i.i2p.samEndpoint, launched: i.i2p.launchedPid !== undefined, pid: i.i2p.launchedPid, restarts: i.i2p.launchedRestarts, lastError: i.i2p.lastError }
      : undefined,
    onionService: i.onion ? { address: i.onion.address, state: i.onion.state } : undefined,
    savedOnionServices: (i.saved?.published() ?? []).map((p) => ({ name: p.name, address: `${p.serviceId}.onion`, state: String(p.state) })),
    listeners: i.listeners.map((l) => l.url),
    webUrl: i.webUrl,
    handlers,
    connections: [
      ...(i.gridPeers ?? []).map((c): NodeConnection => ({ peer: c.peer, direction: 'outbound', transport: /via (\w+)/.exec(c.status)?.[1] ?? 'none', status: c.status })),
      ...(i.connections?.list() ?? []),
    ],
    grid: i.grid ?? { introducer: undefined, storageFurl: undefined, announced: undefined, subscription: undefined, servers: [] },
  };
}
