/**
 * The one table of every veil.cfg section and key, with its default (written in veil.cfg syntax, so the
 * same parsers read defaults and user values) and the comment create-node and docs/veil.cfg.example show.
 * Keys are spelled exactly as in Tahoe-LAFS (docs/configuration.rst). An empty default means "not set".
 * Lookups are case-insensitive for keys (as Tahoe's configparser) and case-sensitive for sections.
 */
import { bug } from '../core/index.js';

export interface KeySpec {
  /** Default in veil.cfg syntax; '' means "not set". */
  readonly default: string;
  /** One-paragraph comment (no newlines) for the example file and create-node. */
  readonly doc: string;
}

export const CONFIG_KEYS = {
  node: {
    nickname: { default: '', doc: 'Name shown to other nodes and on the status page. Free text.' },
    'web.port': {
      default: 'tcp:8080:interface=127.0.0.1',
      doc: 'Listener of the HTTP gateway and status page: tcp:PORT[:interface=ADDR], unix:PATH, or disabled.',
    },
    'reveal-IP-address': {
      default: 'true',
      doc: 'Set to false to refuse to start with any setting that would reveal this IP address (see docs/configuration.md).',
    },
    'tub.port': {
      default: 'AUTO',
      doc: 'Where the node listens for peers: tcp:PORT[:interface=ADDR], listen:tor, listen:i2p (comma list), disabled, or AUTO (reuse NODEDIR/client.port or allocate one).',
    },
    'tub.location': {
      default: 'AUTO',
      doc: 'Connection hints advertised to peers: tcp:HOST:PORT, tor:ONION.onion:PORT, i2p:ADDR.i2p[:PORT], AUTO (local addresses), comma list, or disabled.',
    },
  },
  connections: {
    tcp: { default: 'tcp', doc: 'How tcp: hints are reached: tcp (direct, reveals the IP), tor (through Tor), or disabled.' },
  },
  tor: {
    enabled: { default: 'true', doc: 'false turns Tor off: tor: hints are ignored and nothing here is used.' },
    launch: { default: 'false', doc: 'true: launch a private tor for this node (data in NODEDIR/private/tor-statedir).' },
    'tor.executable': { default: '', doc: 'tor binary used with launch = true; empty: "tor" from PATH.' },
    'socks.port': {
      default: '',
      doc: 'SOCKS endpoint of a running tor: tcp:HOST:PORT or unix:PATH; empty: try tcp:127.0.0.1:9050 then tcp:127.0.0.1:9150.',
    },
    'control.port': { default: '', doc: 'Control endpoint of a running tor: tcp:HOST:PORT or unix:PATH (its SOCKS port is asked for).' },
    onion: { default: 'false', doc: 'true: publish an onion service for this node (needs launch = true or control.port).' },
    'onion.local_port': { default: '', doc: 'Local TCP port (on 127.0.0.1) the onion service forwards to.' },
    'onion.external_port': { default: '', doc: 'Port advertised in the tor: hint (the onion service virtual port).' },
    'onion.private_key_file': { default: '', doc: 'File holding the onion service key; relative paths are inside NODEDIR.' },
    'onion.client_auth_dir': {
      default: '',
      doc: 'Directory of *.auth files of clients allowed to reach the onion service (v3 client authorization); empty: anyone with the address.',
    },
  },
  i2p: {
    enabled: { default: 'true', doc: 'false turns I2P off: i2p: hints are ignored and nothing here is used.' },
    'sam.port': { default: '', doc: 'SAM bridge of a running I2P router: tcp:HOST:PORT or unix:PATH; empty: tcp:127.0.0.1:7656.' },
    launch: { default: 'false', doc: 'true: launch a private i2pd for this node (cannot be combined with sam.port).' },
    'i2p.executable': { default: '', doc: 'i2pd binary used with launch = true; empty: "i2pd" from PATH.' },
    'i2p.configdir': {
      default: '',
      doc: 'I2P router directory: with launch = true, where the launched i2pd keeps its data (default NODEDIR/private/i2p); otherwise the directory of a running router to read its SAM port from.',
    },
    dest: { default: 'false', doc: 'true: create an I2P destination (server tunnel) for this node.' },
    'dest.port': { default: '', doc: 'Port advertised in the i2p: hint.' },
    'dest.private_key_file': { default: '', doc: 'File holding the destination key; relative paths are inside NODEDIR.' },
  },
  client: {
    'introducer.furl': { default: '', doc: 'FURL of the introducer (pb://TUBID@HINTS/NAME); empty: no introducer.' },
    'shares.needed': { default: '3', doc: 'Erasure coding: shares needed to rebuild a file (k).' },
    'shares.happy': { default: '7', doc: 'Upload succeeds only if shares land on at least this many servers.' },
    'shares.total': { default: '10', doc: 'Erasure coding: shares created per file (N, at most 256).' },
    'storage.servers': {
      default: '',
      doc: 'Storage servers known without an introducer: service addresses (pb://KEYHASH@HINTS/SWISSNUM, each in NODEDIR/private/storage.furl of its server), separated by commas or spaces.',
    },
  },
  storage: {
    enabled: { default: 'false', doc: 'true: offer storage to other nodes (Tahoe defaults to true; Veil asks you to opt in).' },
    reserved_space: { default: '1G', doc: 'Free disk space to keep: a number with optional K/M/G/T (x1000) or Ki/Mi/Gi/Ti (x1024) and B.' },
    'connection.max_bytes': {
      default: '1Gi',
      doc: 'Most block bytes one peer connection (one TLS session) may upload; past it a request is refused (429) and the connection closed. Clients are anonymous, so this is the per-client limit.',
    },
    'expire.enabled': { default: 'false', doc: 'true: a crawler deletes blocks that have no live lease (leases last 31 days unless renewed).' },
    'expire.mode': { default: 'age', doc: 'age: a lease expires when its duration has passed since it was last renewed; cutoff-date: when it was last renewed before expire.cutoff_date.' },
    'expire.override_lease_duration': { default: '', doc: 'With expire.mode = age: use this duration (e.g. 60 days) instead of each lease\'s own; empty: the lease\'s own.' },
    'expire.cutoff_date': { default: '', doc: 'With expire.mode = cutoff-date: leases last renewed before this UTC date (YYYY-MM-DD) have expired.' },
  },
  introducer: {
    enabled: {
      default: 'false',
      doc: 'true: this node is the grid\'s introducer (create-introducer sets it): it keeps the servers\' signed announcements and writes NODEDIR/private/introducer.furl.',
    },
  },
  gateway: {
    'fetch.public': {
      default: '',
      doc: 'Public trustless gateways (https:// URLs, comma list) asked for blocks the grid does not hold, through the router (over Tor when the IP is hidden); every block is verified. Empty or false: none.',
    },
    'fetch.routing': {
      default: '',
      doc: 'Delegated routing API (https:// URL) asked for /routing/v1/providers/<cid> to find more HTTP gateways for a missing block; empty: none.',
    },
    'dnslink.resolver': { default: '', doc: 'DNS-over-HTTPS URL used for DNSLink (https://...); empty: DNSLink names are not resolved.' },
  },
  testnet: {
    'allow-loopback-exit': {
      default: 'false',
      doc: 'TEST NETWORKS ONLY: let Tor-routed connections reach 127.0.0.0/8 targets through a private-network exit.',
    },
    join: {
      default: '',
      doc: 'TEST NETWORKS ONLY: path of a private network description (testnet.json from `veil testnet up`); a tor or i2pd launched by this node joins that network instead of the public one.',
    },
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

export type SectionName = keyof typeof CONFIG_KEYS;
export type KeyName<S extends SectionName> = keyof (typeof CONFIG_KEYS)[S] & string;

export const SECTION_NAMES: readonly SectionName[] = Object.freeze(Object.keys(CONFIG_KEYS) as SectionName[]);

export function isSectionName(name: string): name is SectionName {
  return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, name);
}

/** The keys of a section, spelled as in the table. */
export function keysOf(section: SectionName): readonly string[] {
  return Object.keys(CONFIG_KEYS[section]);
}

/** The table spelling of a key given in any case, or undefined when the section has no such key. */
export function canonicalKey(section: SectionName, key: string): string | undefined {
  const lower = key.toLowerCase();
  return keysOf(section).find((k) => k.toLowerCase() === lower);
}

export function keySpec(section: SectionName, key: string): KeySpec {
  const table = CONFIG_KEYS[section] as Record<string, KeySpec>;
  const spec = table[key];
  if (!spec) throw bug(`no key [${section}] ${key} in the defaults table`);
  return spec;
}

/** Known default endpoints (Tahoe's, see docs/configuration.md). */
export const DEFAULT_TOR_SOCKS_PORTS = Object.freeze([9050, 9150]);
export const DEFAULT_SAM_PORT = 7656;
/** Paths inside NODEDIR used by a launched tor / i2pd (Tahoe: private/tor-statedir, private/tor.control). */
export const TOR_LAUNCH_STATE_DIR = 'private/tor-statedir';
export const TOR_LAUNCH_CONTROL_SOCKET = 'private/tor.control';
export const I2P_LAUNCH_DATA_DIR = 'private/i2p';
/** Tahoe keeps an allocated tub port here when tub.port is not set (L4). */
export const CLIENT_PORT_FILE = 'client.port';
/** Limits for shares.* (Tahoe: 1 <= needed <= happy <= total <= 256). */
export const MAX_SHARES = 256;
