/**
 * torrc text for each role of the private network (pure functions: no files, no processes).
 *
 * Safety (see README.md, "Why nothing leaves 127.0.0.1"): every tor gets TestingTorNetwork 1 and DirAuthority
 * lines naming only our own authorities on 127.0.0.1, binds every listener to 127.0.0.1, binds every outgoing
 * socket to 127.0.0.1 (OutboundBindAddress: the kernel refuses to route such a socket anywhere else), and relays
 * announce `Address 127.0.0.1` so that they never look up their own name. Exits accept 127.0.0.0/8 only and use a
 * resolv.conf that names 127.0.0.1 as their only nameserver.
 *
 * Option meanings: tor(1) manual, "TESTING NETWORK OPTIONS", "SERVER OPTIONS", "DIRECTORY AUTHORITY SERVER OPTIONS".
 */
import { bug, quoteUntrusted } from '../core/index.js';

/** What a tor needs to know about one authority to trust it (dir-spec 3: "dir-source"; tor(1) DirAuthority). */
export interface AuthorityEntry {
  readonly nickname: string;
  readonly orPort: number;
  readonly dirPort: number;
  /** RSA identity fingerprint of the relay (40 hex digits, `tor --list-fingerprint`). */
  readonly fingerprint: string;
  /** Fingerprint of the v3 authority identity key (the `fingerprint` line of authority_certificate). */
  readonly v3Ident: string;
}

/** Files and ports common to every tor of the network. */
export interface NodeTorrcBase {
  readonly nickname: string;
  /** Absolute DataDirectory; the torrc lives there too. */
  readonly dataDir: string;
  readonly authorities: readonly AuthorityEntry[];
  /** An empty file, given as GeoIPFile/GeoIPv6File: parsing the real ones costs each tor ~2 s of CPU at start. */
  readonly emptyFile: string;
  /** PID written as __OwningControllerProcess: tor exits when that process dies. Omit for a network that outlives us. */
  readonly owningPid?: number | undefined;
}

export interface AuthorityTorrc extends NodeTorrcBase {
  readonly orPort: number;
  readonly dirPort: number;
  /** Fingerprints of the exit relays: only they get the Exit flag (TestingDirAuthVoteExit). */
  readonly exitFingerprints: readonly string[];
}

export interface RelayTorrc extends NodeTorrcBase {
  readonly orPort: number;
  readonly isExit: boolean;
}

export interface ClientTorrc extends NodeTorrcBase {
  readonly socksPort: number;
}

const LOOPBACK = '127.0.0.1';

/** Names of the files tor writes in its DataDirectory that the testnet reads. */
export const NODE_FILES = Object.freeze({
  torrc: 'torrc',
  controlPortFile: 'control-port',
  cookie: 'control_auth_cookie',
  pid: 'pid',
  noticeLog: 'notice.log',
  output: 'output.log',
  resolvConf: 'resolv.conf',
});

/** Tor's nickname rule (tor(1) Nickname): 1–19 characters [A-Za-z0-9]. */
export function isValidNickname(name: string): boolean {
  return /^[A-Za-z0-9]{1,19}$/.test(name);
}

/** `DirAuthority nickname orport=N no-v2 v3ident=HEX 127.0.0.1:DIRPORT FINGERPRINT` (tor(1) DirAuthority). */
export function dirAuthorityLine(a: AuthorityEntry): string {
  return `DirAuthority ${a.nickname} orport=${a.orPort} no-v2 v3ident=${a.v3Ident} ${LOOPBACK}:${a.dirPort} ${a.fingerprint}`;
}

/**
 * The lines any further tor (a client, e.g. the one a Veil node launches) needs to join the network.
 * UseMicrodescriptors 0: clients read the full exit policies from server descriptors; the microdescriptor
 * policy summary cannot express "accept 127.0.0.0/8" (tor #11264; see README.md).
 */
export function joinTorrcLines(authorities: readonly AuthorityEntry[]): string[] {
  return [
    'TestingTorNetwork 1',
    ...authorities.map(dirAuthorityLine),
    // With DirAuthority set tor already skips its default fallbacks (config.c consider_adding_dir_servers); say so anyway.
    'UseDefaultFallbackDirs 0',
    'UseMicrodescriptors 0',
    'PathsNeededToBuildCircuits 0.25',
    'ClientUseIPv6 0',
    `OutboundBindAddress ${LOOPBACK}`,
  ];
}

function commonLines(n: NodeTorrcBase): string[] {
  const file = (name: string): string => `${n.dataDir}/${name}`;
  const lines = [
    `# Veil private test network: ${n.nickname}. Never reaches beyond 127.0.0.1 (src/testnet/README.md).`,
    ...joinTorrcLines(n.authorities),
    `DataDirectory ${n.dataDir}`,
    `Nickname ${n.nickname}`,
    `PidFile ${file(NODE_FILES.pid)}`,
    `Log notice file ${file(NODE_FILES.noticeLog)}`,
    'ShutdownWaitLength 0',
    'AvoidDiskWrites 1',
    `GeoIPFile ${n.emptyFile}`,
    `GeoIPv6File ${n.emptyFile}`,
    // Control port: chosen by tor, reported through the file (readiness without log scraping).
    `ControlPort ${LOOPBACK}:auto`,
    `ControlPortWriteToFile ${file(NODE_FILES.controlPortFile)}`,
    'CookieAuthentication 1',
    `CookieAuthFile ${file(NODE_FILES.cookie)}`,
  ];
  if (n.owningPid !== undefined) lines.push(`__OwningControllerProcess ${n.owningPid}`);
  return lines;
}

/** Lines shared by authorities and relays: announce loopback, never probe, never resolve outside. */
function serverLines(n: NodeTorrcBase, orPort: number): string[] {
  return [
    'SocksPort 0',
    `ORPort ${LOOPBACK}:${orPort}`,
    `Address ${LOOPBACK}`,
    'AddressDisableIPv6 1',
    'AssumeReachable 1',
    'ContactInfo veil-testnet@example.invalid',
    // Exits resolve hostnames: only ever through a nameserver on 127.0.0.1, and no hijack probes of public names.
    `ServerDNSResolvConfFile ${n.dataDir}/${NODE_FILES.resolvConf}`,
    'ServerDNSDetectHijacking 0',
    'ServerDNSAllowBrokenConfig 1',
    'ServerDNSSearchDomains 0',
  ];
}

const NON_EXIT_POLICY = ['ExitRelay 0', 'ExitPolicy reject *:*', 'IPv6Exit 0'];

/**
 * Exit policy: 127.0.0.0/8 only. ExitPolicyRejectPrivate 0 is needed because the default private rules reject
 * 127.0.0.0/8 first (tor(1) ExitPolicyRejectPrivate); the final `reject *:*` refuses everything else at the exit.
 */
const EXIT_POLICY = [
  'ExitRelay 1',
  'ExitPolicyRejectPrivate 0',
  'ExitPolicyRejectLocalInterfaces 0',
  `ExitPolicy accept 127.0.0.0/8:*`,
  'ExitPolicy reject *:*',
  'IPv6Exit 0',
];

/**
 * Seconds between the first votes (TestingV3AuthInitialVotingInterval; tor's minimum for testing networks).
 * Valid-after times are multiples of it on the wall clock (dir-spec 1.4 "voting schedule").
 */
export const INITIAL_VOTING_INTERVAL_S = 5;

/**
 * How long to wait before spawning the authorities so that their first vote does not come too soon.
 * Measured with these torrcs: authorities vote about 2 s before the next valid-after boundary that is still at
 * least 2 s away, and relays need ~1.5–2 s from spawn to upload their descriptors. Spawned in the wrong part of
 * the 5-s cycle, the first consensus lacks the relays and the network waits 10 s (V3AuthVotingInterval) for the
 * next one; waiting ≤ 2.5 s for the right part avoids that. This aligns to tor's clock-based schedule, it does
 * not synchronise with any event. Pure function of the current time in milliseconds.
 */
export function firstVoteAlignmentDelayMs(nowMs: number): number {
  const phaseMs = Math.floor(nowMs) % (INITIAL_VOTING_INTERVAL_S * 1000);
  const latestGoodMs = 500;
  const earliestGoodMs = 3_000;
  return phaseMs > latestGoodMs && phaseMs < earliestGoodMs ? earliestGoodMs - phaseMs : 0;
}

/** Authority torrc. Voting timings follow the smallest schedule tor accepts (tor(1) V3AuthVotingInterval). */
export function authorityTorrc(a: AuthorityTorrc): string {
  return toText([
    ...commonLines(a),
    ...serverLines(a, a.orPort),
    `DirPort ${LOOPBACK}:${a.dirPort}`,
    'AuthoritativeDirectory 1',
    'V3AuthoritativeDirectory 1',
    `TestingV3AuthInitialVotingInterval ${INITIAL_VOTING_INTERVAL_S}`,
    'TestingV3AuthInitialVoteDelay 2',
    'TestingV3AuthInitialDistDelay 2',
    'V3AuthVotingInterval 10',
    'V3AuthVoteDelay 2',
    'V3AuthDistDelay 2',
    'V3AuthNIntervalsValid 2',
    'TestingDirAuthVoteGuard *',
    'TestingDirAuthVoteHSDir *',
    // An empty routerset would be read as "unset": list the exits, or a fingerprint nobody has.
    `TestingDirAuthVoteExit ${a.exitFingerprints.length > 0 ? a.exitFingerprints.map((f) => `$${f}`).join(',') : `$${'0'.repeat(40)}`}`,
    'TestingDirAuthVoteExitIsStrict 1',
    'TestingMinExitFlagThreshold 0',
    ...NON_EXIT_POLICY,
  ]);
}

/** Relay torrc; exits accept 127.0.0.0/8 only. */
export function relayTorrc(r: RelayTorrc): string {
  return toText([...commonLines(r), ...serverLines(r, r.orPort), ...(r.isExit ? EXIT_POLICY : NON_EXIT_POLICY)]);
}

/** Client torrc: SOCKS on 127.0.0.1, no relaying; controllers may ADD_ONION. */
export function clientTorrc(c: ClientTorrc): string {
  return toText([...commonLines(c), `SocksPort ${LOOPBACK}:${c.socksPort} ExtendedErrors`, 'ORPort 0', 'DirPort 0', 'ClientOnly 1']);
}

/**
 * The torrc used once per relay, offline, to create its identity key and print its fingerprint
 * (`tor --list-fingerprint`). DisableNetwork 1 and a placeholder DirAuthority: this tor never connects.
 */
export function fingerprintTorrc(nickname: string, dataDir: string, orPort: number): string {
  return toText([
    'DisableNetwork 1',
    'TestingTorNetwork 1',
    `DirAuthority placeholder orport=1 no-v2 v3ident=${'0'.repeat(40)} ${LOOPBACK}:1 ${'0'.repeat(40)}`,
    `DataDirectory ${dataDir}`,
    `Nickname ${nickname}`,
    'SocksPort 0',
    `ORPort ${LOOPBACK}:${orPort}`,
    `Address ${LOOPBACK}`,
    'AddressDisableIPv6 1',
    'ContactInfo veil-testnet@example.invalid',
    'ExitRelay 0',
    `Log notice file ${dataDir}/${NODE_FILES.noticeLog}`,
  ]);
}

/** resolv.conf for relays: the only nameserver is on 127.0.0.1 (nothing need listen there). */
export const LOOPBACK_RESOLV_CONF = `nameserver ${LOOPBACK}\n`;

function toText(lines: readonly string[]): string {
  for (const line of lines) {
    if (/[\r\n\0]/.test(line)) throw bug(`torrc line contains a line break: ${quoteUntrusted(line)}`);
  }
  return lines.join('\n') + '\n';
}
