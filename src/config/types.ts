/**
 * The typed, frozen result of reading NODEDIR/veil.cfg. Every field is resolved (defaults applied, relative
 * paths made absolute against the node directory), so later layers never look at raw strings.
 */
import type { ListenEndpoint, LocalEndpoint } from './endpoint.js';
import type { Furl, HintType, LocationEntry } from './hints.js';

/** `[node] tub.port`: AUTO (reuse NODEDIR/client.port or allocate one, L4), disabled, or listeners in order (L6). */
export type TubPort =
  | { readonly kind: 'auto' }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'listeners'; readonly listeners: readonly ListenEndpoint[] };

/** `[node] tub.location`: disabled, or entries in order (AUTO entries are expanded at start, P11). */
export type TubLocation = { readonly kind: 'disabled' } | { readonly kind: 'entries'; readonly entries: readonly LocationEntry[] };

/** `[connections] tcp`. `i2p` is never accepted (C6: I2P cannot reach TCP ports). */
export type TcpHandlerSetting = 'tcp' | 'tor' | 'disabled';

/** What reaches a hint of some type: a direct socket (reveals the IP), Tor, I2P, or nothing (hint ignored). */
export type HandlerKind = 'direct' | 'tor' | 'i2p' | 'none';

export interface HandlerChoice {
  readonly handler: HandlerKind;
  /** Which settings decided it, e.g. "[connections] tcp = tor". */
  readonly reason: string;
}

/** C1–C3, C9, T1: the handler for each hint type. */
export type ConnectionHandlers = Readonly<Record<HintType, HandlerChoice>>;

export interface NodeSection {
  readonly nickname: string;
  /** undefined when `web.port = disabled` (or empty). */
  readonly webPort: ListenEndpoint | undefined;
  readonly revealIpAddress: boolean;
  readonly tubPort: TubPort;
  readonly tubLocation: TubLocation;
}

export interface OnionServiceConfig {
  /** Port on 127.0.0.1 the onion service forwards to (T9). */
  readonly localPort: number;
  /** Virtual port advertised in the tor: hint. */
  readonly externalPort: number;
  /** Absolute path of the onion service key file. */
  readonly privateKeyFile: string;
  /** Absolute path of the directory of authorized clients' *.auth files, or undefined (no client auth). */
  readonly clientAuthDir: string | undefined;
}

export interface TorSection {
  readonly enabled: boolean;
  readonly launch: boolean;
  /** `tor.executable`, or undefined for "tor" from PATH. */
  readonly executable: string | undefined;
  /** Explicit `socks.port`, if set (T3). */
  readonly socksPort: LocalEndpoint | undefined;
  /** Explicit `control.port`, if set (T5). */
  readonly controlPort: LocalEndpoint | undefined;
  /**
   * SOCKS endpoints to try in order when neither launch nor control.port provides one: the explicit socks.port,
   * else the defaults tcp:127.0.0.1:9050 then 9150 (T2). Empty when launch or control.port decides.
   */
  readonly socksCandidates: readonly LocalEndpoint[];
  /** For launch = true: DataDirectory (NODEDIR/private/tor-statedir) and control socket (T6). */
  readonly launchDataDir: string;
  readonly launchControlEndpoint: LocalEndpoint;
  /** Our onion service (`onion = true`), or undefined. */
  readonly onion: OnionServiceConfig | undefined;
}

export interface I2pDestinationConfig {
  /** Port advertised in the i2p: hint. */
  readonly port: number;
  /** Absolute path of the destination key file. */
  readonly privateKeyFile: string;
}

export interface I2pSection {
  readonly enabled: boolean;
  readonly launch: boolean;
  /** `i2p.executable`, or undefined for "i2pd" from PATH. */
  readonly executable: string | undefined;
  /** Explicit `sam.port`, if set. */
  readonly samPort: LocalEndpoint | undefined;
  /** The SAM bridge to use: sam.port, else tcp:127.0.0.1:7656 (I6); undefined with launch (known once launched). */
  readonly samEndpoint: LocalEndpoint | undefined;
  /** Absolute `i2p.configdir` (for launch: default NODEDIR/private/i2p), or undefined. */
  readonly configDir: string | undefined;
  /** Our destination (`dest = true`), or undefined. */
  readonly dest: I2pDestinationConfig | undefined;
}

export interface ClientSection {
  readonly introducerFurl: Furl | undefined;
  readonly sharesNeeded: number;
  readonly sharesHappy: number;
  readonly sharesTotal: number;
  /** `[client] storage.servers`: service addresses (checked as pb://KEYHASH@HINTS/SWISSNUM), as written. */
  readonly storageServers: readonly string[];
}

/** `[storage] expire.*` (Tahoe's lease expiration). */
export type ExpirePolicy =
  | { readonly mode: 'age'; /** Replaces each lease's own duration, when set (ms). */ readonly overrideLeaseDurationMs: number | undefined }
  | { readonly mode: 'cutoff-date'; /** Leases last renewed before this instant have expired (ms since the epoch). */ readonly cutoffMs: number };

export interface StorageSection {
  readonly enabled: boolean;
  readonly reservedSpaceBytes: number;
  /** `connection.max_bytes`: block bytes one peer connection may upload. */
  readonly connectionMaxBytes: number;
  /** `expire.enabled`: the lease crawler deletes blocks without a live lease. */
  readonly expireEnabled: boolean;
  readonly expire: ExpirePolicy;
}

export interface IntroducerSection {
  /** This node serves the introducer (issue #4 §2). */
  readonly enabled: boolean;
}

export interface GatewaySection {
  /** `[gateway] fetch.public`: trustless gateway base URLs (https://, or http:// to loopback), possibly none. */
  readonly fetchPublic: readonly string[];
  /** `[gateway] fetch.routing`: delegated routing API base URL, or undefined. */
  readonly fetchRouting: string | undefined;
  /** DNS-over-HTTPS URL for DNSLink, or undefined (DNSLink names are not resolved). */
  readonly dnsResolver: string | undefined;
}

export interface TestnetSection {
  /** Lets Tor-routed 127.0.0.0/8 targets through (private test networks only, C8). */
  readonly allowLoopbackExit: boolean;
  /** `[testnet] join`: absolute path of a private network's testnet.json, or undefined. */
  readonly joinFile: string | undefined;
}

export interface NodeConfig {
  /** Absolute path of the node directory. */
  readonly nodeDir: string;
  readonly node: NodeSection;
  readonly connections: { readonly tcp: TcpHandlerSetting };
  readonly tor: TorSection;
  readonly i2p: I2pSection;
  readonly client: ClientSection;
  readonly storage: StorageSection;
  readonly introducer: IntroducerSection;
  readonly gateway: GatewaySection;
  readonly testnet: TestnetSection;
  readonly connectionHandlers: ConnectionHandlers;
}
